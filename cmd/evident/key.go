package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Files of a key switch in progress. The next key pair is written beside
// the current one before the log names it, and moved into place after;
// whoever opens the data directory next finishes or undoes a switch that
// a crash interrupted (see settleKeySwitch), so the directory always
// holds the key the log expects.
const (
	nextSigningKeyFile = "ledger.key.next"
	nextVerifierFile   = "ledger.pub.next"
	recoveryPubFile    = "recovery.pub" // the recovery key's public half, for operators
)

// keySubs rotate the ledger key or replace a lost one.
var keySubs = []sub{
	{"rotate", "switch to a new signing key, recorded in the log under the old key's signature", keyRotate},
	{"recover", "name a new signing key with the offline recovery key after the old one was lost", keyRecover},
}

// keyRotate is planned rotation: the old key signs the record naming the
// new one, then the data directory switches to the new key.
func keyRotate(a *app, args []string) error {
	fs := a.flags("key rotate")
	toSigner := fs.String("to-signer", "", "rotate to the Ed25519 key on a PKCS#11 token, a signer `URI` as for EVIDENT_SIGNER (made on the token unless there; needs the evident-pkcs11 build)")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	l, st, err := a.openLedger()
	if err != nil {
		return err
	}
	defer st.Close()
	if l.ReadOnly() {
		return evident.Errorf(evident.EINVALID, "key rotate: the signing key %s is not readable; if it is lost, use `evident key recover`", filepath.Join(a.data, signingKeyFile))
	}
	oldKey, err := a.directoryKey()
	if err != nil {
		return err
	}
	if *toSigner != "" {
		return a.rotateToToken(l, oldKey, *toSigner)
	}
	next, nextKey, err := a.stageNextKey(keyNameOf(oldKey))
	if err != nil {
		return err
	}
	e, err := l.Rotate(a.ctx, a.actor, oldKey, nextKey)
	if err != nil {
		a.dropNextKey()
		return err
	}
	if err := a.switchToNextKey(); err != nil {
		return err
	}
	st.SetSigner(next)
	if err := a.reportKeyEvent(e); err != nil {
		return err
	}
	if a.getenv(signerEnv) != "" && !a.json {
		a.out("The new key is the file %s: unset %s before the next command.\n", filepath.Join(a.data, signingKeyFile), signerEnv)
	}
	return nil
}

// rotateToToken is planned rotation to a key on a PKCS#11 token: only
// the new public half is staged (ledger.pub.next), the old key signs the
// record naming it, then ledger.pub switches and a file key is removed,
// since the log no longer trusts it.
func (a *app) rotateToToken(l *ledger.Ledger, oldKey, raw string) error {
	u, pin, err := a.parseSigner("--to-signer", raw)
	if err != nil {
		return err
	}
	next, err := openOrMakeTokenKey(u, pin, keyNameOf(oldKey))
	if err != nil {
		return err
	}
	defer next.Close()
	if next.VerifierKey() == oldKey {
		return evident.ErrorAt(evident.EINVALID, "--to-signer", "the key on %s is already the ledger key", u)
	}
	if err := writeSynced(filepath.Join(a.data, nextVerifierFile), next.VerifierKey()+"\n", 0o644); err != nil {
		return err
	}
	e, err := l.Rotate(a.ctx, a.actor, oldKey, next.VerifierKey())
	if err != nil {
		a.dropNextKey()
		return err
	}
	if err := a.switchToNextKey(); err != nil {
		return err
	}
	if err := a.reportKeyEvent(e); err != nil {
		return err
	}
	if !a.json {
		a.out("The ledger now signs on the token: set %s=%s on every replica.\n", signerEnv, raw)
	}
	return nil
}

// keyRecover names a new signing key under the recovery key's signature,
// for a ledger key that is lost or in other hands. Checkpoints of the old
// key after --trusted-size are then forged to every verifier.
func keyRecover(a *app, args []string) error {
	fs := a.flags("key recover")
	keyFile := fs.String("recovery-key", "", "`file` holding the recovery key printed by init (required)")
	size := fs.Int64("trusted-size", -1, "the size of the last checkpoint of the old key still trusted (required; see `evident log`)")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	if *keyFile == "" {
		return evident.ErrorAt(evident.EINVALID, "--recovery-key", "required: the file holding the recovery key printed by init")
	}
	if *size < 0 {
		return evident.ErrorAt(evident.EINVALID, "--trusted-size", "required: the size of the last checkpoint the old key signed that is still trusted")
	}
	raw, err := os.ReadFile(*keyFile)
	if err != nil {
		return evident.ErrorAt(evident.EINVALID, "--recovery-key", "%v", err)
	}
	recovery, err := note.NewSigner(strings.TrimSpace(string(raw)))
	if err != nil {
		return evident.ErrorAt(evident.EINVALID, "--recovery-key", "%s does not hold a recovery key: %v", *keyFile, err)
	}
	oldKey, err := a.directoryKey()
	if err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := a.settleKeySwitch(st); err != nil {
		return err
	}
	blobs, err := a.openBlobs()
	if err != nil {
		return err
	}
	next, nextKey, err := a.stageNextKey(keyNameOf(oldKey))
	if err != nil {
		return err
	}
	// The write naming the new key is signed by it: the old one is gone.
	st.SetSigner(next)
	l := ledger.Open(st, blobs, nil, nil)
	e, err := l.Recover(a.ctx, a.actor, recovery, oldKey, nextKey, next, *size)
	if err != nil {
		a.dropNextKey()
		return err
	}
	if err := a.switchToNextKey(); err != nil {
		return err
	}
	return a.reportKeyEvent(e)
}

// reportKeyEvent prints the event and the new key to pin.
func (a *app) reportKeyEvent(e ledger.KeyEvent) error {
	if a.json {
		return a.printJSON(e)
	}
	a.out("Recorded %s\nNew ledger key (pin it with --key or %s): %s\n", e, pinEnv, e.NewKey)
	return nil
}

// directoryKey is the text of DATA/ledger.pub.
func (a *app) directoryKey() (string, error) {
	pub, err := os.ReadFile(filepath.Join(a.data, verifierFile))
	if err != nil {
		return "", evident.Errorf(evident.EINVALID, "ledger public key %s: %v (run `evident init`, or pass --data)", filepath.Join(a.data, verifierFile), err)
	}
	return strings.TrimSpace(string(pub)), nil
}

// keyNameOf is a verifier key's name, which is also the log's origin and
// so stays the same across keys.
func keyNameOf(vkey string) string {
	name, _, _ := strings.Cut(vkey, "+")
	return name
}

// stageNextKey writes a fresh key pair as ledger.key.next/.pub.next,
// durably, before anything names it: a key the log names must never be
// one that is not on disk.
func (a *app) stageNextKey(name string) (note.Signer, string, error) {
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return nil, "", fmt.Errorf("generate ledger key: %w", err)
	}
	if err := writeSynced(filepath.Join(a.data, nextSigningKeyFile), skey+"\n", 0o600); err != nil {
		return nil, "", err
	}
	if err := writeSynced(filepath.Join(a.data, nextVerifierFile), vkey+"\n", 0o644); err != nil {
		return nil, "", err
	}
	signer, err := note.NewSigner(skey)
	return signer, vkey, err
}

// switchToNextKey moves the staged pair into place: the public half
// first, so that at every instant either ledger.key.next still exists
// (and settleKeySwitch finishes the job) or both halves are the new key.
// A switch to a token key stages only ledger.pub.next; the file key is
// removed after the public half moved.
func (a *app) switchToNextKey() error {
	_, err := os.Stat(filepath.Join(a.data, nextSigningKeyFile))
	toToken := errors.Is(err, fs.ErrNotExist)
	for _, f := range [][2]string{{nextVerifierFile, verifierFile}, {nextSigningKeyFile, signingKeyFile}} {
		if err := os.Rename(filepath.Join(a.data, f[0]), filepath.Join(a.data, f[1])); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("switch ledger key: %w", err)
		}
	}
	if toToken {
		// The new key is on a token: a file key left here is the old one.
		if err := os.Remove(filepath.Join(a.data, signingKeyFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove the old ledger key: %w", err)
		}
	}
	return syncDir(a.data)
}

// dropNextKey removes a staged pair the log never named.
func (a *app) dropNextKey() {
	os.Remove(filepath.Join(a.data, nextSigningKeyFile))
	os.Remove(filepath.Join(a.data, nextVerifierFile))
}

// settleKeySwitch finishes or undoes a key switch a crash interrupted:
// when the log's latest key event names the staged key, the log already
// moved on and the files follow it; otherwise the log never named it and
// the staged files go.
func (a *app) settleKeySwitch(st *sqlstore.Store) error {
	raw, err := os.ReadFile(filepath.Join(a.data, nextSigningKeyFile))
	if errors.Is(err, fs.ErrNotExist) {
		return a.settleTokenSwitch(st)
	}
	if err != nil {
		return err
	}
	next, err := note.NewSigner(strings.TrimSpace(string(raw)))
	if err != nil {
		return evident.Errorf(evident.EINVALID, "staged ledger key %s: %v", filepath.Join(a.data, nextSigningKeyFile), err)
	}
	named, err := a.namedKey(st)
	if err != nil {
		return err
	}
	if v, err := note.NewVerifier(named); err == nil && v.Name() == next.Name() && v.KeyHash() == next.KeyHash() {
		// The public half may already have moved; write it from the log.
		if err := writeSynced(filepath.Join(a.data, nextVerifierFile), named+"\n", 0o644); err != nil {
			return err
		}
		return a.switchToNextKey()
	}
	a.dropNextKey()
	return nil
}

// settleTokenSwitch is settleKeySwitch for a switch to a token key, which
// stages only ledger.pub.next: the log names it, or it goes.
func (a *app) settleTokenSwitch(st *sqlstore.Store) error {
	raw, err := os.ReadFile(filepath.Join(a.data, nextVerifierFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	named, err := a.namedKey(st)
	if err != nil {
		return err
	}
	if named != "" && named == strings.TrimSpace(string(raw)) {
		return a.switchToNextKey()
	}
	a.dropNextKey()
	return nil
}

// namedKey is the signing key the log's latest key event names, "" when
// none does.
func (a *app) namedKey(st *sqlstore.Store) (string, error) {
	var events []ledger.KeyEvent
	if err := st.Read(a.ctx, func(tx *sqlstore.Tx) (err error) {
		events, err = ledger.KeyEvents(a.ctx, tx)
		return err
	}); err != nil {
		return "", err
	}
	named := ""
	for _, e := range events {
		if e.Kind != ledger.KindRecoveryKey {
			named = e.NewKey
		}
	}
	return named, nil
}

// writeSynced writes a file and flushes it to disk before returning.
func writeSynced(path, content string, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir flushes a directory's entries, so renames survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// createRecoveryKey makes the offline recovery key at init: the private
// half is returned to be printed once and never stored; the public half
// is recorded in the log under the first key and kept as recovery.pub.
func (a *app) createRecoveryKey(l *ledger.Ledger, program string) (string, error) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "evident.recovery/"+strings.TrimPrefix(keyName(program), "evident.ledger/"))
	if err != nil {
		return "", fmt.Errorf("generate recovery key: %w", err)
	}
	if err := l.RecordRecoveryKey(a.ctx, a.actor, vkey); err != nil {
		return "", err
	}
	if err := writeSynced(filepath.Join(a.data, recoveryPubFile), vkey+"\n", 0o644); err != nil {
		return "", err
	}
	return skey, nil
}
