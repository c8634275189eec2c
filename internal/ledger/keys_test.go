package ledger_test

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// keyPair makes a signed-note key pair named name.
func keyPair(t *testing.T, name string) (note.Signer, note.Verifier, string) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v, vkey
}

// TestRecoveryWithAnotherRecoveryKeyIsRefused plays someone who holds a
// recovery key of their own making: the recovery is refused, nothing is
// appended, and the log still verifies with its one recorded recovery key,
// on SQLite and PostgreSQL.
func TestRecoveryWithAnotherRecoveryKeyIsRefused(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clock.Now, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		storetest.Init(t, st, "Example QTSP", "alice")
		old, oldV, oldKey := keyPair(t, "evident.ledger/example-qtsp")
		l := ledger.Open(st, nil, old, oldV)
		_, _, recKey := keyPair(t, "evident.recovery/example-qtsp")
		if err := l.RecordRecoveryKey(ctx, "alice", recKey); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		size, err := l.Size(ctx)
		if err != nil {
			t.Fatal(err)
		}
		next, _, nextKey := keyPair(t, "evident.ledger/example-qtsp")
		imposter, _, _ := keyPair(t, "evident.recovery/example-qtsp")
		_, err = l.Recover(ctx, "mallory", imposter, oldKey, nextKey, next, size)
		if err == nil || !strings.Contains(err.Error(), "not the recovery key recorded in the log") {
			t.Fatalf("recover with another recovery key: %v, want a refusal naming the recorded key", err)
		}
		if n, _ := l.Size(ctx); n != size {
			t.Errorf("a refused recovery appended to the log: size %d, was %d", n, size)
		}
		r, err := l.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK() || len(r.KeyEvents) != 1 || r.KeyEvents[0].Kind != ledger.KindRecoveryKey {
			t.Errorf("verify after a refused recovery: problems %v, key events %v", r.Problems, r.KeyEvents)
		}
	})
}

// FuzzParseKeyEvent feeds arbitrary leaf bytes to the key event parser
// and the key chain built from it, as pack verify does with a pack's
// leaves: nothing may panic, and a parsed event keeps its kind.
func FuzzParseKeyEvent(f *testing.F) {
	f.Add([]byte(`{"v":1,"kind":"ledger.key.rotate","id":"k","actor":"alice","at":"2026-07-01T09:00:00Z","body":{"old_key":"a+1+x","new_key":"a+2+y"}}`))
	f.Add([]byte(`{"v":1,"kind":"ledger.key.recover","id":"k","actor":"alice","at":"2026-07-01T09:00:00Z","body":{"trusted_size":3,"trusted_root":"AAAA","statement":"x"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := evident.ParseRecord(b)
		if err != nil {
			return
		}
		e, err := ledger.ParseKeyEvent(4, rec)
		if err != nil {
			return
		}
		if e.Kind != rec.Kind {
			t.Fatalf("parsed kind %q from a %q record", e.Kind, rec.Kind)
		}
		c := ledger.NewKeyChain([]ledger.KeyEvent{e}, "evident.ledger/x+01234567+AAAA")
		c.Open([]byte("not a note"), e.TrustedSize+1)
		_ = c.Current()
	})
}
