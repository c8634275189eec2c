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
// stays below the standard's 48 hours (examples/qtsp/README.md), and so
// is the terms and conditions' current version, which waits in her inbox
// for the board: the demo shows an approval to make.
const approver = "mira"

// awaitingApproval is the policy version the demo leaves to the approver.
const awaitingApproval = "policy/terms-and-conditions@3.0"

// approveClaims records mira's approval of every pending object whose
// approval the program files claim, except deviations and the version
// left waiting.
func (g *gen) approveClaims(ctx context.Context) error {
	items, err := g.opt.Store.PendingApprovals(ctx, g.opt.Store.Now())
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.Claim == "" || it.Kind == evident.ApproveDeviation || it.Subject == awaitingApproval {
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
