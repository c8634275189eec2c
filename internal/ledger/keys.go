package ledger

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Key event leaf kinds. A log keeps one origin for ever, but the key
// signing its checkpoints can change; these leaves say when and to what,
// so a verifier holding any key of the chain can follow it.
const (
	// KindRecoveryKey records the public half of the offline recovery
	// key, written by init under the first checkpoint.
	KindRecoveryKey = "ledger.key.recovery"
	// KindRotate names the next signing key; the checkpoint covering it
	// is signed by the key it retires.
	KindRotate = "ledger.key.rotate"
	// KindRecover names a new signing key after the old one was lost or
	// compromised, signed by the recovery key, with the last checkpoint
	// of the old key that is still trusted.
	KindRecover = "ledger.key.recover"
)

// keyEventPrefix selects every key event leaf.
const keyEventPrefix = "ledger.key."

// recoveryStatementHead is the first line of the note the recovery key
// signs, so the signature can never be mistaken for a checkpoint's.
const recoveryStatementHead = "evident ledger key recovery"

// KeyEvent is one key event leaf, decoded.
type KeyEvent struct {
	Index       int64     `json:"index"`                  // the leaf
	Kind        string    `json:"kind"`                   // KindRotate, KindRecover or KindRecoveryKey
	Actor       string    `json:"actor"`                  // who ran the command
	OldKey      string    `json:"old_key,omitempty"`      // the verifier key retired
	NewKey      string    `json:"new_key,omitempty"`      // the verifier key signing from then on
	RecoveryKey string    `json:"recovery_key,omitempty"` // the recovery verifier key
	TrustedSize int64     `json:"trusted_size,omitempty"` // recover: the last trusted checkpoint of OldKey
	TrustedRoot tlog.Hash `json:"-"`                      // recover: that checkpoint's root
	Statement   []byte    `json:"-"`                      // recover: the note signed by RecoveryKey
}

// keyEventBody is the leaf body of a key event; field order is the
// leaf's byte order and is frozen.
type keyEventBody struct {
	OldKey      string `json:"old_key,omitempty"`
	NewKey      string `json:"new_key,omitempty"`
	RecoveryKey string `json:"recovery_key,omitempty"`
	TrustedSize int64  `json:"trusted_size,omitempty"`
	TrustedRoot string `json:"trusted_root,omitempty"`
	Statement   string `json:"statement,omitempty"`
}

// String describes the event for verify's output.
func (e KeyEvent) String() string {
	switch e.Kind {
	case KindRotate:
		return fmt.Sprintf("leaf %d: key rotated by %s from %s to %s, signed by the old key", e.Index, e.Actor, e.OldKey, e.NewKey)
	case KindRecover:
		return fmt.Sprintf("leaf %d: key recovered by %s: %s replaces %s after checkpoint %d, signed by the recovery key %s", e.Index, e.Actor, e.NewKey, e.OldKey, e.TrustedSize, e.RecoveryKey)
	}
	return fmt.Sprintf("leaf %d: recovery key %s recorded by %s", e.Index, e.RecoveryKey, e.Actor)
}

// KeyEvents reads every key event leaf in log order.
func KeyEvents(ctx context.Context, tx *sqlstore.Tx) ([]KeyEvent, error) {
	leaves, err := tx.LedgerLeavesOfKind(ctx, keyEventPrefix)
	if err != nil {
		return nil, err
	}
	var out []KeyEvent
	for _, lf := range leaves {
		rec, err := evident.ParseRecord(lf.Data)
		if err != nil {
			return nil, fmt.Errorf("ledger leaf %d: %w", lf.Index, err)
		}
		e, err := ParseKeyEvent(lf.Index, rec)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// ParseKeyEvent decodes a key event record at leaf index.
func ParseKeyEvent(index int64, rec evident.Record) (KeyEvent, error) {
	var b keyEventBody
	if err := json.Unmarshal(rec.Body, &b); err != nil {
		return KeyEvent{}, evident.Errorf(evident.EINVALID, "ledger leaf %d (%s): %v", index, rec.Kind, err)
	}
	e := KeyEvent{Index: index, Kind: rec.Kind, Actor: rec.Actor, OldKey: b.OldKey, NewKey: b.NewKey,
		RecoveryKey: b.RecoveryKey, TrustedSize: b.TrustedSize, Statement: []byte(b.Statement)}
	if b.TrustedRoot != "" {
		root, err := base64.StdEncoding.DecodeString(b.TrustedRoot)
		if err != nil || len(root) != tlog.HashSize {
			return KeyEvent{}, evident.Errorf(evident.EINVALID, "ledger leaf %d (%s): trusted_root %q is not a tree hash", index, rec.Kind, b.TrustedRoot)
		}
		copy(e.TrustedRoot[:], root)
	}
	return e, nil
}

// record encodes the event as a ledger record.
func (e KeyEvent) record(at evident.Record) evident.Record {
	b := keyEventBody{OldKey: e.OldKey, NewKey: e.NewKey, RecoveryKey: e.RecoveryKey, TrustedSize: e.TrustedSize, Statement: string(e.Statement)}
	if e.Kind == KindRecover {
		b.TrustedRoot = base64.StdEncoding.EncodeToString(e.TrustedRoot[:])
	}
	body, _ := json.Marshal(b) // strings and an int: cannot fail
	at.Kind, at.Body = e.Kind, body
	if at.ID == "" {
		at.ID = keyID(e.NewKey + e.RecoveryKey)
	}
	return at
}

// keyID is the record id of a key event: the key's name and hash, which
// is what an operator compares.
func keyID(vkey string) string {
	if i := strings.LastIndexByte(vkey, '+'); i > 0 {
		if j := strings.LastIndexByte(vkey[:i], '+'); j > 0 {
			return vkey[:i]
		}
	}
	return vkey
}

// RecoveryStatement is the text the recovery key signs: origin, the key
// retired, the key named, and the last trusted checkpoint of the old key.
func RecoveryStatement(origin, oldKey, newKey string, size int64, root tlog.Hash) string {
	return fmt.Sprintf("%s\n%s\nold %s\nnew %s\ntrusted %d %s\n", recoveryStatementHead, origin, oldKey, newKey, size,
		base64.StdEncoding.EncodeToString(root[:]))
}

// RecordRecoveryKey appends the recovery key's public half to the log,
// under the next checkpoint, so that a recovery event can later be
// checked against a key the original signing key vouched for.
func (l *Ledger) RecordRecoveryKey(ctx context.Context, actor, recoveryKey string) error {
	if _, err := note.NewVerifier(recoveryKey); err != nil {
		return evident.Errorf(evident.EINVALID, "recovery key %q: %v", recoveryKey, err)
	}
	return l.st.Write(ctx, func(tx *sqlstore.Tx) error {
		e := KeyEvent{Kind: KindRecoveryKey, RecoveryKey: recoveryKey}
		_, err := tx.AppendRecord(ctx, e.record(evident.Record{Actor: actor, At: tx.Now}))
		return err
	})
}

// Rotate records that next takes over from the ledger's signing key, and
// signs the checkpoint covering that record with the old key, in one
// transaction: either the log names the new key under the old key's
// signature, or nothing changed. oldKey and nextKey are verifier keys
// (the text of ledger.pub). The caller switches the key files after.
func (l *Ledger) Rotate(ctx context.Context, actor, oldKey, nextKey string) (KeyEvent, error) {
	if l.signer == nil {
		return KeyEvent{}, evident.Errorf(evident.EINVALID, "key rotate signs the rotation with the current key, which is not readable: use key recover")
	}
	nv, err := note.NewVerifier(nextKey)
	if err != nil {
		return KeyEvent{}, evident.Errorf(evident.EINVALID, "new key %q: %v", nextKey, err)
	}
	if nv.Name() != l.signer.Name() {
		return KeyEvent{}, evident.Errorf(evident.EINVALID, "new key is named %q; the log's origin is %q and keeps its name", nv.Name(), l.signer.Name())
	}
	e := KeyEvent{Kind: KindRotate, OldKey: oldKey, NewKey: nextKey, Actor: actor}
	err = l.st.Write(ctx, func(tx *sqlstore.Tx) error {
		idx, err := tx.AppendRecord(ctx, e.record(evident.Record{Actor: actor, At: tx.Now}))
		if err != nil {
			return err
		}
		e.Index = idx
		_, err = tx.SignCheckpoint(ctx, l.signer)
		return err
	})
	return e, err
}

// Recover records a recovery event: newSigner replaces oldKey, and only
// checkpoints of oldKey up to trustedSize are still trusted. recovery
// signs the statement; it must be the recovery key recorded in the log.
// The checkpoint covering the event is signed by newSigner, since the
// old key is presumed lost or in other hands.
func (l *Ledger) Recover(ctx context.Context, actor string, recovery note.Signer, oldKey, newKey string, newSigner note.Signer, trustedSize int64) (KeyEvent, error) {
	if newSigner.Name() != keyName(oldKey) {
		return KeyEvent{}, evident.Errorf(evident.EINVALID, "new key is named %q; the log's origin is %q and keeps its name", newSigner.Name(), keyName(oldKey))
	}
	e := KeyEvent{Kind: KindRecover, OldKey: oldKey, NewKey: newKey, Actor: actor, TrustedSize: trustedSize}
	err := l.st.Write(ctx, func(tx *sqlstore.Tx) error {
		events, err := KeyEvents(ctx, tx)
		if err != nil {
			return err
		}
		rk := recoveryKeyBefore(events, 1<<62)
		if rk == "" {
			return evident.Errorf(evident.EINVALID, "the log records no recovery key (it was created before recovery keys existed): recovery is not possible")
		}
		if rv, _ := note.NewVerifier(rk); rv == nil || rv.Name() != recovery.Name() || rv.KeyHash() != recovery.KeyHash() {
			return evident.ErrorAt(evident.EINVALID, "--recovery-key", "this is not the recovery key recorded in the log (%s)", rk)
		}
		e.RecoveryKey = rk
		chain := NewKeyChain(events, oldKey)
		if cur := chain.current(); cur.text != oldKey {
			return evident.Errorf(evident.EINVALID, "the log's signing key is %s, not %s (ledger.pub)", cur.text, oldKey)
		}
		if trustedSize < chain.current().after {
			return evident.ErrorAt(evident.EINVALID, "--trusted-size", "%d is before the current key took over (checkpoint %d)", trustedSize, chain.current().after)
		}
		cps, err := tx.Checkpoints(ctx)
		if err != nil {
			return err
		}
		found := false
		for _, c := range cps {
			if c.Size == trustedSize {
				if _, err := OpenCheckpoint(c.Note, chain.current().v); err != nil {
					return evident.ErrorAt(evident.EINVALID, "--trusted-size", "checkpoint %d does not verify with the old key: %v", trustedSize, err)
				}
				e.TrustedRoot, found = c.Root, true
			}
		}
		if !found {
			return evident.ErrorAt(evident.EINVALID, "--trusted-size", "no checkpoint of size %d is stored (evident log shows them)", trustedSize)
		}
		stmt, err := note.Sign(&note.Note{Text: RecoveryStatement(newSigner.Name(), oldKey, newKey, trustedSize, e.TrustedRoot)}, recovery)
		if err != nil {
			return err
		}
		e.Statement = stmt
		idx, err := tx.AppendRecord(ctx, e.record(evident.Record{Actor: actor, At: tx.Now}))
		if err != nil {
			return err
		}
		e.Index = idx
		_, err = tx.SignCheckpoint(ctx, newSigner)
		return err
	})
	return e, err
}

// keyName is the name of a verifier key (its first field).
func keyName(vkey string) string {
	name, _, _ := strings.Cut(vkey, "+")
	return name
}

// recoveryKeyBefore returns the recovery key recorded last before leaf idx.
func recoveryKeyBefore(events []KeyEvent, idx int64) string {
	rk := ""
	for _, e := range events {
		if e.Kind == KindRecoveryKey && e.Index < idx {
			rk = e.RecoveryKey
		}
	}
	return rk
}

// keyEpoch is one key's turn: it signs checkpoints of size > after, until
// the next epoch.
type keyEpoch struct {
	after int64
	text  string
	v     note.Verifier
	event *KeyEvent // what started it; nil for the first key
}

// KeyChain is the sequence of signing keys the key events describe: the
// store's verify and the pack's check every checkpoint against it.
type KeyChain struct {
	epochs   []keyEpoch
	problems []Problem
	retired  map[string]*KeyEvent // keys ended by a recovery -> the recovery
}

// NewKeyChain follows the key events from the first key, which is the
// old key of the first rotation or recovery, or fallback (the key the
// caller holds) when there is none.
func NewKeyChain(events []KeyEvent, fallback string) *KeyChain {
	c := &KeyChain{retired: map[string]*KeyEvent{}}
	first := fallback
	for _, e := range events {
		if e.Kind != KindRecoveryKey {
			first = e.OldKey
			break
		}
	}
	c.push(keyEpoch{text: first})
	for i := range events {
		e := &events[i]
		switch e.Kind {
		case KindRotate:
			if e.OldKey != c.current().text {
				c.add(WrongKey, e.Index, "key rotation at leaf %d retires %s, but the key signing then was %s", e.Index, e.OldKey, c.current().text)
			}
			c.push(keyEpoch{after: e.Index + 1, text: e.NewKey, event: e})
		case KindRecover:
			c.checkRecovery(events, e)
			c.retired[e.OldKey] = e
			c.push(keyEpoch{after: e.TrustedSize, text: e.NewKey, event: e})
		}
	}
	return c
}

func (c *KeyChain) add(kind string, idx int64, format string, args ...any) {
	c.problems = append(c.problems, Problem{Kind: kind, Index: idx, Message: fmt.Sprintf(format, args...)})
}

func (c *KeyChain) push(ep keyEpoch) {
	v, err := note.NewVerifier(ep.text)
	if err != nil {
		idx := int64(-1)
		if ep.event != nil {
			idx = ep.event.Index
		}
		c.add(WrongKey, idx, "key %q named in the log is not a verifier key: %v", ep.text, err)
	}
	ep.v = v
	c.epochs = append(c.epochs, ep)
}

// checkRecovery checks a recovery's signature with the recovery key the
// log recorded before it, and that the statement says what the leaf says.
func (c *KeyChain) checkRecovery(events []KeyEvent, e *KeyEvent) {
	rk := recoveryKeyBefore(events, e.Index)
	if rk == "" || rk != e.RecoveryKey {
		c.add(BadSignature, e.Index, "key recovery at leaf %d is signed by %s, which is not the recovery key recorded in the log (%q)", e.Index, e.RecoveryKey, rk)
		return
	}
	rv, err := note.NewVerifier(rk)
	if err != nil {
		c.add(BadSignature, e.Index, "recovery key %q: %v", rk, err)
		return
	}
	n, err := note.Open(e.Statement, note.VerifierList(rv))
	if err != nil {
		c.add(BadSignature, e.Index, "key recovery at leaf %d: its statement does not verify with the recovery key %s: %v", e.Index, rk, err)
		return
	}
	if n.Text != RecoveryStatement(keyName(e.OldKey), e.OldKey, e.NewKey, e.TrustedSize, e.TrustedRoot) {
		c.add(EditedRow, e.Index, "key recovery at leaf %d: the signed statement does not say what the leaf says", e.Index)
	}
	if e.OldKey != c.current().text {
		c.add(WrongKey, e.Index, "key recovery at leaf %d retires %s, but the key signing then was %s", e.Index, e.OldKey, c.current().text)
	}
}

// Current is the key signing now, the last of the chain.
func (c *KeyChain) Current() string { return c.current().text }

// Problems are what is wrong with the key events themselves: a rotation
// retiring a key that was not signing, a recovery not signed by the
// recovery key.
func (c *KeyChain) Problems() []Problem { return c.problems }

// current is the last key of the chain.
func (c *KeyChain) current() keyEpoch { return c.epochs[len(c.epochs)-1] }

// forSize is the key that must sign a checkpoint of that size.
func (c *KeyChain) forSize(size int64) keyEpoch {
	ep := c.epochs[0]
	for _, e := range c.epochs[1:] {
		if size > e.after {
			ep = e
		}
	}
	return ep
}

// Has reports whether vkey is a key of the chain.
func (c *KeyChain) Has(vkey string) bool {
	for _, e := range c.epochs {
		if e.text == vkey {
			return true
		}
	}
	return false
}

// Open verifies a checkpoint with the key in force at its size. A
// checkpoint that verifies instead with a key a recovery retired is
// forged: that key is in other hands or lost.
func (c *KeyChain) Open(signed []byte, size int64) (ParsedCheckpoint, string, error) {
	want := c.forSize(size)
	if want.v != nil {
		if body, err := OpenCheckpoint(signed, want.v); err == nil {
			return body, "", nil
		}
	}
	for _, e := range c.epochs {
		if e.v == nil || e.text == want.text {
			continue
		}
		if _, err := OpenCheckpoint(signed, e.v); err != nil {
			continue
		}
		if rec := c.retired[e.text]; rec != nil && size > rec.TrustedSize {
			return ParsedCheckpoint{}, Forged, fmt.Errorf("checkpoint at size %d is signed by %s, which the key recovery at leaf %d retired after checkpoint %d: forged",
				size, e.text, rec.Index, rec.TrustedSize)
		}
		return ParsedCheckpoint{}, BadSignature, fmt.Errorf("checkpoint at size %d is signed by %s, but %s signs checkpoints of that size", size, e.text, want.text)
	}
	return ParsedCheckpoint{}, BadSignature, fmt.Errorf("checkpoint at size %d: signed by no key of the log (%s signs that size)", size, want.text)
}

// Keys are the chain's keys in order.
func (c *KeyChain) Keys() []string {
	var out []string
	for _, e := range c.epochs {
		out = append(out, e.text)
	}
	return out
}

// SetKeys tells Verify which verifier keys the caller holds: the pinned
// one ("" when none) and the data directory's ledger.pub ("" when absent).
// The pinned key must be one of the log's keys; the directory's must be
// the log's current key, or the store was re-keyed behind the log.
func (l *Ledger) SetKeys(pinned, directory string) { l.pinned, l.directory = pinned, directory }

// verifyKeyChain reads the key events and, when the log has changed keys,
// builds the chain every checkpoint is checked against; nil when the log
// has one key, which l.verifier checks as before.
func (l *Ledger) verifyKeyChain(ctx context.Context, tx *sqlstore.Tx, r *Report, tree memTree, cps []sqlstore.Checkpoint) (*KeyChain, error) {
	events, err := KeyEvents(ctx, tx)
	if err != nil {
		return nil, err
	}
	r.KeyEvents = events
	changed := false
	for _, e := range events {
		changed = changed || e.Kind != KindRecoveryKey
	}
	held := l.pinned
	if held == "" {
		held = l.directory
	}
	if !changed {
		if l.pinned != "" && l.directory != "" && l.directory != l.pinned {
			r.add(WrongKey, -1, "ledger.pub", "the data directory's ledger key is %s, not the pinned key %s: the store was re-keyed", l.directory, l.pinned)
		}
		return nil, nil
	}
	chain := NewKeyChain(events, held)
	r.Problems = append(r.Problems, chain.problems...)
	if l.pinned != "" && !chain.Has(l.pinned) {
		r.add(WrongKey, -1, "", "the pinned key %s is none of the keys this log was signed with (%s)", l.pinned, strings.Join(chain.Keys(), ", "))
	}
	if l.directory != "" && l.directory != chain.current().text {
		r.add(WrongKey, -1, "ledger.pub", "the data directory's ledger key is %s, but the log's current key is %s: the store was re-keyed", l.directory, chain.current().text)
	}
	sizes := map[int64]bool{}
	for _, c := range cps {
		sizes[c.Size] = true
	}
	for _, e := range events {
		switch e.Kind {
		case KindRotate:
			if !sizes[e.Index+1] {
				r.add(BadSignature, e.Index, "", "key rotation at leaf %d is not covered by a checkpoint of the old key %s (none of size %d)", e.Index, e.OldKey, e.Index+1)
			}
		case KindRecover:
			if e.TrustedSize > int64(len(tree)) || e.TrustedSize > e.Index {
				r.add(EditedRow, e.Index, "", "key recovery at leaf %d trusts checkpoint %d, beyond the log before it", e.Index, e.TrustedSize)
				continue
			}
			if root, err := tlog.TreeHash(e.TrustedSize, tree); err != nil || root != e.TrustedRoot {
				r.add(RewrittenHistory, e.Index, "", "the log no longer hashes to the root the key recovery at leaf %d trusts at size %d", e.Index, e.TrustedSize)
			}
		}
	}
	return chain, nil
}

// openCheckpointIn checks a stored checkpoint with the key chain, or
// with the one ledger key when the log never changed keys.
func (l *Ledger) openCheckpointIn(chain *KeyChain, c *sqlstore.Checkpoint) (ParsedCheckpoint, string, error) {
	if chain == nil || l.verifier == nil {
		body, err := l.openCheckpoint(c.Note)
		if err != nil {
			return body, BadSignature, fmt.Errorf("checkpoint at size %d: %v", c.Size, err)
		}
		return body, "", nil
	}
	return chain.Open(c.Note, c.Size)
}
