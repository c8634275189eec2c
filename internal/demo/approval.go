package demo

import (
	"context"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// approver is the demo's management body: mira confirms, with her own
// login and through the same code the approvals page uses, each approval
// the example's files claim, on the day the program is applied. The
// deviation's claim is left unconfirmed on purpose, so the weekly watch
// stays below the standard's 48 hours (examples/qtsp/README.md).
const approver = "mira"

// approveClaims records mira's approval of every pending object whose
// approval the program files claim, except deviations.
func (g *gen) approveClaims(ctx context.Context) error {
	items, err := g.opt.Store.PendingApprovals(ctx, g.opt.Store.Now())
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.Claim == "" || it.Kind == evident.ApproveDeviation {
			continue
		}
		_, err := g.opt.Ledger.Approve(ctx, sqlstore.ApprovalInput{Subject: it.Subject, Verb: evident.ActApprove, Approver: approver,
			Comment: "as minuted: " + it.Claim, SHA256: it.SHA256.String()})
		if err != nil {
			return err
		}
	}
	return nil
}
