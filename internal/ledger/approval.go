package ledger

import (
	"context"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Approve records an approver's approval or rejection of an object and
// signs a checkpoint covering it, in one transaction. The CLI, the API,
// the web form and the demo all call this; the rules live in
// sqlstore.Tx.Approve.
func (l *Ledger) Approve(ctx context.Context, in sqlstore.ApprovalInput) (evident.Act, error) {
	if l.signer == nil {
		return evident.Act{}, evident.Errorf(evident.EINVALID, "the ledger is open read-only: no signing key")
	}
	var a evident.Act
	err := l.st.Write(ctx, func(tx *sqlstore.Tx) error {
		var err error
		a, err = tx.Approve(ctx, in)
		return err
	})
	return a, err
}
