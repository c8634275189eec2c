package pack

import (
	"context"
	"slices"
	"strings"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// keyLeaves adds every key event up to the final checkpoint, whatever
// the period: a pack signed by a later key is checkable only with the
// chain of rotations and recoveries that leads to it. It returns the
// checkpoint sizes the events rest on (the old key's signature over a
// rotation, the last trusted checkpoint of a recovery).
func (e *exporter) keyLeaves(ctx context.Context, tx *sqlstore.Tx, pr *prover) ([]int64, error) {
	events, err := ledger.KeyEvents(ctx, tx)
	if err != nil {
		return nil, err
	}
	var sizes []int64
	for _, ev := range events {
		if ev.Index >= pr.final.Size {
			break
		}
		leaves, err := tx.LedgerLeaves(ctx, ev.Index, ev.Index+1)
		if err != nil {
			return nil, err
		}
		if len(leaves) != 1 {
			return nil, evident.Errorf(evident.EFAILED, "key event at ledger leaf %d is missing from the store; run `evident verify`", ev.Index)
		}
		if err := e.addLeaf(pr, leaves[0], false); err != nil {
			return nil, err
		}
		switch ev.Kind {
		case ledger.KindRotate:
			sizes = append(sizes, ev.Index+1)
		case ledger.KindRecover:
			sizes = append(sizes, ev.TrustedSize)
		}
	}
	return sizes, nil
}

// keyChain reads the key event leaves the pack carries and, when the log
// changed keys, returns the chain its checkpoints are checked against.
// A key given to the verifier is trusted when it is any key of the chain.
func (v *verifier) keyChain(key string) {
	var events []ledger.KeyEvent
	changed := false
	for _, it := range v.man.Items {
		if !strings.HasPrefix(it.Kind, "ledger.key.") || it.Redacted {
			continue
		}
		b := v.read(LeafPath(it.Index), v.opt.Limits.MaxSmall)
		if b == nil {
			continue
		}
		rec, err := evident.ParseRecord(b)
		if err == nil {
			var ev ledger.KeyEvent
			if ev, err = ledger.ParseKeyEvent(it.Index, rec); err == nil {
				events = append(events, ev)
				changed = changed || ev.Kind != ledger.KindRecoveryKey
				continue
			}
		}
		v.add(ChangedLeaf, LeafPath(it.Index), "not a readable key event: %v", err)
	}
	slices.SortFunc(events, func(a, b ledger.KeyEvent) int { return int(a.Index - b.Index) })
	v.r.KeyEvents = events
	given := strings.TrimSpace(v.opt.Key)
	if !changed {
		if given != "" && !v.r.KeyMatches {
			v.add(UntrustedKey, KeyName, "the pack is signed with %s, not with the key given (%s)", key, given)
		}
		return
	}
	v.keys = ledger.NewKeyChain(events, key)
	for _, p := range v.keys.Problems() {
		v.add(keyProblemKind(p.Kind), LeafPath(p.Index), "%s", p.Message)
	}
	if cur := v.keys.Current(); cur != key {
		v.add(UntrustedKey, KeyName, "the pack is signed with %s, but the log's key events lead to %s", key, cur)
	}
	if given != "" {
		v.r.KeyMatches = v.keys.Has(given)
		if !v.r.KeyMatches {
			v.add(UntrustedKey, KeyName, "the key given (%s) is none of the keys this log was signed with (%s)", given, strings.Join(v.keys.Keys(), ", "))
		}
	}
}

// keyProblemKind maps the ledger's kinds of key event problems to the
// pack's.
func keyProblemKind(kind string) string {
	switch kind {
	case ledger.BadSignature:
		return BadSignature
	case ledger.Forged:
		return Forged
	case ledger.RewrittenHistory:
		return Inconsistent
	case ledger.WrongKey:
		return UntrustedKey
	}
	return ChangedLeaf
}

// openCheckpoint checks a checkpoint of the given size with the key in
// force at that size, or with the pack's one key when the log never
// changed keys.
func (v *verifier) openCheckpoint(b []byte, size int64) (ledger.ParsedCheckpoint, string, error) {
	if v.keys == nil {
		pc, err := ledger.OpenCheckpoint(b, v.key)
		return pc, BadSignature, err
	}
	pc, kind, err := v.keys.Open(b, size)
	return pc, keyProblemKind(kind), err
}
