package main

import (
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/hsm"
)

// signerEnv selects where the ledger signs: unset, the key file
// DATA/ledger.key (the embedded single-machine case); a pkcs11: URI
// (RFC 7512), a key on a PKCS#11 token, which replicas share without a
// copy of the key. The PIN comes from the URI's pin-source file or from
// hsm.PINEnv, never from a flag.
const signerEnv = "EVIDENT_SIGNER"

// signerConfig reads EVIDENT_SIGNER and the PIN. Its errors are the
// operator's configuration (a malformed URI, no PIN, a build without
// PKCS#11): every command refuses to run with them, exit 2.
func (a *app) signerConfig() (hsm.URI, string, error) {
	return a.parseSigner(signerEnv, a.getenv(signerEnv))
}

// parseSigner parses a signer URI given as where (a variable or a flag)
// and reads its PIN.
func (a *app) parseSigner(where, raw string) (hsm.URI, string, error) {
	u, err := hsm.ParseURI(raw)
	if err != nil {
		return hsm.URI{}, "", evident.Errorf(evident.EINVALID, "%s: %s", where, evident.ErrorMessage(err))
	}
	if !hsm.Supported {
		_, err := hsm.Open(u, "", "")
		return hsm.URI{}, "", err
	}
	pin, err := u.PIN(a.getenv)
	return u, pin, err
}

// tokenSigner opens the signer EVIDENT_SIGNER names, once per command:
// a token session is costly and one per process is what a token expects.
// name is the ledger key's name, which the token does not store.
func (a *app) tokenSigner(name string) (*hsm.Signer, error) {
	if a.signer != nil {
		return a.signer, nil
	}
	u, pin, err := a.signerConfig()
	if err != nil {
		return nil, err
	}
	s, err := hsm.Open(u, pin, name)
	if err != nil {
		return nil, err
	}
	a.signer = s
	return s, nil
}

// closeSigner ends the token session, if a command opened one.
func (a *app) closeSigner() {
	if a.signer != nil {
		a.signer.Close()
		a.signer = nil
	}
}

// ledgerTokenKeys is ledgerKeys for a token. A configuration error is
// returned as such. A token that is there but cannot sign now (absent,
// locked, a wrong PIN) gives a signer that fails every signature with
// that reason: reads and verify go on, every write is refused naming the
// signer, and nothing is acknowledged unsigned. The token's key must be
// the one ledger.pub names, or nothing is signed with it.
func (a *app) ledgerTokenKeys(verifier note.Verifier, pub string) (note.Signer, note.Verifier, error) {
	if _, _, err := a.signerConfig(); err != nil {
		return nil, nil, err
	}
	s, err := a.tokenSigner(verifier.Name())
	if err != nil {
		return unavailableSigner{verifier, err}, verifier, nil
	}
	if s.KeyHash() != verifier.KeyHash() {
		return nil, nil, evident.Errorf(evident.EINVALID, "ledger signer %s holds the key %s, not the ledger key %s in %s: refusing to sign with it",
			s.URI(), s.VerifierKey(), pub, filepath.Join(a.data, verifierFile))
	}
	return s, verifier, nil
}

// initTokenKey is init's key step with EVIDENT_SIGNER: the key is made on
// the token unless one is already there under the URI's label (made
// under the TSP's own dual control, say), and only its public half is
// written, as ledger.pub. No ledger.key is written.
func (a *app) initTokenKey(program string) error {
	u, pin, err := a.signerConfig()
	if err != nil {
		return err
	}
	s, err := openOrMakeTokenKey(u, pin, keyName(program))
	if err != nil {
		return err
	}
	a.signer = s
	f, err := os.OpenFile(filepath.Join(a.data, verifierFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return evident.Errorf(evident.ECONFLICT, "data directory %q already has a ledger key", a.data)
	}
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s.VerifierKey() + "\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// openOrMakeTokenKey opens the key u names, made on the token first
// unless a key is already there under the URI's label.
func openOrMakeTokenKey(u hsm.URI, pin, name string) (*hsm.Signer, error) {
	if _, err := hsm.GenerateKey(u, pin); err != nil && evident.ErrorCode(err) != evident.ECONFLICT {
		return nil, err
	}
	return hsm.Open(u, pin, name)
}

// unavailableSigner stands for a configured token that cannot sign (absent,
// locked, wrong PIN): commands that only read go on, and a write fails
// with the token's own error instead of a vaguer one about a missing key.
type unavailableSigner struct {
	v   note.Verifier
	err error
}

func (u unavailableSigner) Name() string    { return u.v.Name() }
func (u unavailableSigner) KeyHash() uint32 { return u.v.KeyHash() }

func (u unavailableSigner) Sign([]byte) ([]byte, error) { return nil, u.err }
