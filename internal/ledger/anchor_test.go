package ledger

import (
	"context"
	"crypto/x509"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/evidenthq/evident/internal/ledger/tsatest"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

func TestAnchorAgainstLocalTSA(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		if _, err := f.l.AddBatch(ctx, items(3, "anchor")); err != nil {
			t.Fatal(err)
		}
		pki := tsatest.NewPKI(t, true)
		url := tsatest.Start(t, pki, nil)
		a, err := f.l.Anchor(ctx, "alice@ops", TSA{URL: url, Roots: pki.Roots})
		if err != nil {
			t.Fatal(err)
		}
		if a.CheckpointSize != 4 || time.Since(a.GenTime) > time.Minute {
			t.Errorf("anchor %+v", a)
		}
		f.l.SetTSARoots(pki.Roots)
		r, err := f.l.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The anchor is itself a ledger record, covered by a new checkpoint.
		if !r.OK() || r.Anchors != 1 || r.Leaves != 5 || r.Checkpoints != 2 {
			t.Errorf("verify after anchoring: %+v", r)
		}
		// Without trust anchors verify cannot vouch for the token and says so.
		f.l.SetTSARoots(nil)
		r, _ = f.l.Verify(ctx, nil)
		if r.OK() || r.Problems[0].Kind != BadAnchor || !strings.Contains(r.Problems[0].Message, "no TSA roots") {
			t.Errorf("verify without TSA roots: %+v", r.Problems)
		}
		// A token edited in the store no longer verifies.
		f.l.SetTSARoots(pki.Roots)
		err = st.Write(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE anchors SET checkpoint_size = 5`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		r, _ = f.l.Verify(ctx, nil)
		if r.OK() || r.Problems[0].Kind != BadAnchor || r.Problems[0].Ref != a.ID {
			t.Errorf("verify with a token moved to another checkpoint: %+v", r.Problems)
		}
	})
}

func TestAnchorRefusesBadTokens(t *testing.T) {
	st := storetest.SQLite(t, nil)
	ctx := context.Background()
	f := newFixture(t, st)
	if _, err := f.l.AddBatch(ctx, items(1, "anchor")); err != nil {
		t.Fatal(err)
	}
	good := tsatest.NewPKI(t, true)
	for _, tc := range []struct {
		name  string
		pki   tsatest.PKI
		roots *x509.CertPool
		bad   func(*timestamp.Request)
		want  string
	}{
		{"untrusted chain", good, tsatest.NewPKI(t, true).Roots, nil, "does not chain to a trusted root"},
		{"no timeStamping key usage", tsatest.NewPKI(t, false), nil, nil, "not a TSA certificate"},
		{"other nonce", good, good.Roots, func(r *timestamp.Request) { r.Nonce = big.NewInt(42) }, "nonce does not match"},
		{"other message", good, good.Roots, func(r *timestamp.Request) { r.HashedMessage = make([]byte, 32) }, "not the SHA-256 of the checkpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			roots := tc.roots
			if roots == nil {
				roots = tc.pki.Roots
			}
			_, err := f.l.Anchor(ctx, "alice@ops", TSA{URL: tsatest.Start(t, tc.pki, tc.bad), Roots: roots})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Anchor: %v, want an error containing %q", err, tc.want)
			}
		})
	}
	var n int
	st.Read(ctx, func(tx *sqlstore.Tx) error { return tx.QueryRow(ctx, `SELECT COUNT(*) FROM anchors`).Scan(&n) })
	if n != 0 {
		t.Errorf("%d anchors stored from refused tokens", n)
	}
}
