package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// covered reports whether the newest signed checkpoint covers every leaf.
func covered(t *testing.T, st *sqlstore.Store) (size, signed int64) {
	t.Helper()
	ctx := context.Background()
	err := st.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		if size, err = tx.LedgerSize(ctx); err != nil {
			return err
		}
		c, err := tx.LatestCheckpoint(ctx)
		signed = c.Size
		if evident.ErrorCode(err) == evident.ENOTFOUND {
			return nil
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return size, signed
}

// TestEveryWriteIsSignedBeforeItReturns makes each kind of non-evidence
// write and checks that when it returns, a signed checkpoint already
// covers its leaf: a crash or a deleted row right after cannot leave an
// acknowledged write that nothing vouches for.
func TestEveryWriteIsSignedBeforeItReturns(t *testing.T) {
	storetest.Each(t, clock(), func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		aware := time.Date(2026, 6, 30, 8, 0, 0, 0, time.UTC)
		writes := []struct {
			name string
			do   func() error
		}{
			{"program", func() error {
				return st.CreateProgram(ctx, evident.Program{Name: "Example", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "alice"})
			}},
			{"user", func() error {
				return st.CreateUser(ctx, evident.User{Name: "bob", Role: evident.RoleControlOwner, Controls: []string{"vuln-scan"}}, "", "alice")
			}},
			{"user role", func() error {
				return st.SetUserRole(ctx, evident.User{Name: "bob", Role: evident.RoleAdmin}, "alice")
			}},
			{"token", func() error {
				_, err := st.CreateToken(ctx, sqlstore.APIToken{User: "bob", Name: "ci"}, []byte("0123456789abcdef0123456789abcdef"), "alice")
				return err
			}},
			{"incident", func() error {
				_, err := st.OpenIncident(ctx, evident.Incident{Kind: evident.KindIncident, Title: "outage", Reporter: "alice", AwareAt: aware}, "alice")
				return err
			}},
		}
		for _, w := range writes {
			before, _ := covered(t, st)
			if err := w.do(); err != nil {
				t.Fatalf("%s: %v", w.name, err)
			}
			size, signed := covered(t, st)
			if size <= before {
				t.Errorf("%s appended no leaf (size %d)", w.name, size)
			}
			if signed != size {
				t.Errorf("after the %s write returned, the newest checkpoint covers %d of %d leaves", w.name, signed, size)
			}
		}
		if r, err := f.l.Verify(ctx, nil); err != nil || !r.OK() {
			t.Errorf("verify after signed writes: %v %v", err, r.Problems)
		}
	})
}

// TestWriteWithoutKeyIsRefused opens the store as a data directory
// without its signing key would be: a write that would append an
// unsigned leaf fails and stores nothing.
func TestWriteWithoutKeyIsRefused(t *testing.T) {
	storetest.Each(t, clock(), func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		st.SetSigner(nil)
		err := st.CreateUser(ctx, evident.User{Name: "bob", Role: evident.RoleAdmin}, "", "alice")
		if evident.ErrorCode(err) != evident.EINVALID {
			t.Fatalf("create user without a signing key: %v, want EINVALID", err)
		}
		if _, err := st.User(ctx, "bob"); evident.ErrorCode(err) != evident.ENOTFOUND {
			t.Errorf("the refused user was stored: %v", err)
		}
		if size, _ := covered(t, st); size != 0 {
			t.Errorf("the refused write left %d leaves", size)
		}
	})
}
