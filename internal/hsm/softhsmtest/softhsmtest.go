// Package softhsmtest makes SoftHSM2 tokens for tests of the PKCS#11
// signer: each test gets its own configuration and token directory, so
// tests never see each other's tokens or the machine's.
package softhsmtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Module is where Debian's softhsm2 package puts the PKCS#11 library
// (installed by `sh scripts/tools.sh softhsm`).
const Module = "/usr/lib/softhsm/libsofthsm2.so"

// PINs of every test token.
const (
	UserPIN = "4711-ledger"
	SOPIN   = "0815-officer"
)

// Token is an initialized token with no key on it yet.
type Token struct {
	Label string
	Conf  string // its SOFTHSM2_CONF
}

// New initializes a token labelled label under t.TempDir() and points
// SOFTHSM2_CONF at it for this process and those it starts (SoftHSM
// reads the real environment when the library is initialized). A missing
// SoftHSM2 fails the test: it is a tool the project installs.
func New(t *testing.T, label string) Token {
	t.Helper()
	if _, err := os.Stat(Module); err != nil {
		t.Fatalf("SoftHSM2 is not installed (run `sh scripts/tools.sh softhsm`): %v", err)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "softhsm2.conf")
	tokens := filepath.Join(dir, "tokens")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte("directories.tokendir = "+tokens+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	run(t, "--init-token", "--free", "--label", label, "--so-pin", SOPIN, "--pin", UserPIN)
	return Token{Label: label, Conf: conf}
}

// Remove deletes the token, as pulling an HSM's card out would take it.
func (tk Token) Remove(t *testing.T) {
	t.Helper()
	run(t, "--delete-token", "--token", tk.Label)
}

// URI is the signer URI of the key object on the token, without a PIN.
func (tk Token) URI(object string) string {
	return "pkcs11:token=" + tk.Label + ";object=" + object + "?module-path=" + Module
}

func run(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("softhsm2-util", args...)
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+os.Getenv("SOFTHSM2_CONF"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util %v: %v\n%s", args, err, out)
	}
}
