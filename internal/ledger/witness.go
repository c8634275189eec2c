package ledger

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/witness"
)

// RolledBack is the problem kind of a store behind, or beside, a tree a
// witness cosigned.
const RolledBack = "rolled back"

// Unwitnessed is the problem kind of a witness key under which no
// cosigned checkpoint was found: nothing then shows the store was not
// rolled back.
const Unwitnessed = "unwitnessed"

// Witness submits the latest signed checkpoint to each witness and keeps
// every cosignature returned. It returns one error per witness that did
// not cosign (nil where it did): a refusal names a rollback or fork.
func (l *Ledger) Witness(ctx context.Context, ws []*witness.Client) ([]error, error) {
	var cp sqlstore.Checkpoint
	err := l.st.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		cp, err = tx.LatestCheckpoint(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	errs := make([]error, len(ws))
	for i, w := range ws {
		cosigned, err := w.Submit(ctx, cp.Note, cp.Size, l.ConsistencyProof)
		if err == nil {
			err = l.keepCosignature(ctx, w.Verifier, cp.Size, cosigned)
		}
		errs[i] = err
	}
	return errs, nil
}

// keepCosignature stores a cosigned checkpoint.
func (l *Ledger) keepCosignature(ctx context.Context, v note.Verifier, size int64, cosigned []byte) error {
	n, err := note.Open(cosigned, note.VerifierList(v))
	if err != nil {
		return err
	}
	at, err := witness.Time(n.Sigs[0])
	if err != nil {
		return err
	}
	return l.st.Write(ctx, func(tx *sqlstore.Tx) error {
		return tx.InsertCosignature(ctx, sqlstore.Cosignature{Witness: v.Name(), KeyHash: v.KeyHash(), Size: size, Note: cosigned, CosignedAt: at})
	})
}

// Witnessed is what CheckWitness found for one witness key.
type Witnessed struct {
	Witness    string `json:"witness"`
	Size       int64  `json:"size"`        // the largest cosigned tree, 0 if none
	CosignedAt string `json:"cosigned_at"` // its cosignature's time
}

// CheckWitness checks that every checkpoint cosigned by the witness key v
// (those the store keeps, and extra ones, such as the witness's own
// latest) is a prefix of the store's tree: a tree the witness cosigned
// that the store does not hold, or holds with another root, means the
// store was rolled back or forked after the witness saw it. No cosigned
// checkpoint at all is a problem too: nothing then speaks against a
// rollback.
func (l *Ledger) CheckWitness(ctx context.Context, v note.Verifier, extra [][]byte) (Witnessed, []Problem, error) {
	w := Witnessed{Witness: v.Name()}
	var probs []Problem
	add := func(kind, format string, args ...any) {
		probs = append(probs, Problem{Kind: kind, Index: -1, Ref: "witness " + v.Name(), Message: fmt.Sprintf(format, args...)})
	}
	err := l.st.Read(ctx, func(tx *sqlstore.Tx) error {
		stored, err := tx.Cosignatures(ctx, v.Name(), v.KeyHash())
		if err != nil {
			return err
		}
		notes := extra
		for _, c := range stored {
			notes = append(notes, c.Note)
		}
		n, err := tx.LedgerSize(ctx)
		if err != nil {
			return err
		}
		for _, b := range notes {
			c, at, err := l.openCosigned(b, v)
			if err != nil {
				add(BadSignature, "%v", err)
				continue
			}
			if c.Size > w.Size {
				w.Size, w.CosignedAt = c.Size, evident.UTC(at)
			}
			if msg := prefixOf(ctx, tx, c, n); msg != "" {
				add(RolledBack, "witness %s cosigned a tree of %d records at %s, %s", v.Name(), c.Size, evident.UTC(at), msg)
			}
		}
		return nil
	})
	if err == nil && w.Size == 0 && len(probs) == 0 {
		add(Unwitnessed, "no checkpoint cosigned by witness %s was found: nothing shows this store was not rolled back", v.Name())
	}
	return w, dedupe(probs), err
}

// openCosigned checks a cosigned checkpoint with the witness key and,
// when the ledger has one, the ledger's key, and parses its body.
func (l *Ledger) openCosigned(b []byte, v note.Verifier) (ParsedCheckpoint, time.Time, error) {
	n, err := note.Open(b, note.VerifierList(v))
	if err != nil {
		return ParsedCheckpoint{}, time.Time{}, fmt.Errorf("a checkpoint said to be cosigned by %s does not verify with its key: %v", v.Name(), err)
	}
	at, err := witness.Time(n.Sigs[0])
	if err != nil {
		return ParsedCheckpoint{}, time.Time{}, err
	}
	if l.verifier != nil {
		if _, err := note.Open(b, note.VerifierList(l.verifier)); err != nil {
			return ParsedCheckpoint{}, time.Time{}, fmt.Errorf("a checkpoint cosigned by %s is not signed by the ledger key %s: %v", v.Name(), l.verifier.Name(), err)
		}
	}
	c, err := ParseCheckpointBody(n.Text)
	return c, at, err
}

// prefixOf says how the tree of c is not a prefix of the store's tree of
// n leaves, or "" when it is.
func prefixOf(ctx context.Context, tx *sqlstore.Tx, c ParsedCheckpoint, n int64) string {
	if c.Size > n {
		return fmt.Sprintf("but the store holds only %d: the store was rolled back", n)
	}
	root, err := tlog.TreeHash(c.Size, hashReader(ctx, tx))
	if err != nil {
		return fmt.Sprintf("but the store's tree at that size cannot be read (%v)", err)
	}
	if root != c.Root {
		return fmt.Sprintf("but the store's first %d records hash to another root: the store was rolled back and written on (a fork)", c.Size)
	}
	return ""
}

// dedupe drops repeated problems (the same checkpoint from the store and
// from the witness).
func dedupe(ps []Problem) []Problem {
	seen := map[string]bool{}
	var out []Problem
	for _, p := range ps {
		if !seen[p.Message] {
			seen[p.Message] = true
			out = append(out, p)
		}
	}
	return out
}
