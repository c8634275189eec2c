//go:build pkcs11 && cgo

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident/internal/hsm"
	"github.com/evidenthq/evident/internal/hsm/softhsmtest"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// Two replicas on one PostgreSQL store sign with one key on one token:
// init makes the key there and writes only its public half, each replica
// writes, and verify and a plain note verifier accept every checkpoint.
// A wrong PIN and a removed token refuse writes naming the signer, and
// acknowledge nothing.
func TestSoftHSMReplicaPairSignsWithOneTokenKey(t *testing.T) {
	tok := softhsmtest.New(t, "evident-tsp")
	pinFile := filepath.Join(t.TempDir(), "pin")
	if err := os.WriteFile(pinFile, []byte(softhsmtest.UserPIN+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dsn, blobs := storetest.PostgresDSN(t), t.TempDir()
	replica := func(name string) map[string]string {
		return map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), name), "EVIDENT_DB": dsn, "EVIDENT_BLOBS": blobs, "EVIDENT_ACTOR": "alice"}
	}
	one, two := replica("one"), replica("two")
	one[signerEnv] = tok.URI("ledger") + "&pin-source=file:" + pinFile
	two[signerEnv] = tok.URI("ledger")
	two[hsm.PINEnv] = softhsmtest.UserPIN

	if code, out, errs := cli(t, one, "init", "--name", "Example TSP"); code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(one["EVIDENT_DATA"], signingKeyFile)); err == nil {
		t.Error("init wrote ledger.key although the key is on the token")
	}
	pub, err := os.ReadFile(filepath.Join(one["EVIDENT_DATA"], verifierFile))
	if err != nil {
		t.Fatal(err)
	}
	// The second replica holds only the public key: nothing secret is copied.
	if err := os.MkdirAll(two["EVIDENT_DATA"], 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(two["EVIDENT_DATA"], verifierFile), pub, 0o644); err != nil {
		t.Fatal(err)
	}
	for env, login := range map[*map[string]string]string{&one: "bob", &two: "carol"} {
		if code, out, errs := cli(t, *env, "user", "add", login, "--role", "compliance-manager"); code != 0 {
			t.Fatalf("user add %s on replica %s: exit %d\n%s%s", login, (*env)["EVIDENT_DATA"], code, out, errs)
		}
	}
	size := checkpointSignedBy(t, two, strings.TrimSpace(string(pub)))
	pinned := map[string]string{"EVIDENT_LEDGER_KEY": strings.TrimSpace(string(pub))}
	for k, v := range two {
		pinned[k] = v
	}
	if code, out, errs := cli(t, pinned, "verify"); code != 0 {
		t.Fatalf("verify with the pinned key: exit %d\n%s%s", code, out, errs)
	}

	wrong := map[string]string{hsm.PINEnv: "0000"}
	for k, v := range two {
		if k != hsm.PINEnv {
			wrong[k] = v
		}
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		prep func()
		want string
	}{
		{"wrong PIN", wrong, func() {}, "the PIN is wrong"},
		{"token removed", one, func() { tok.Remove(t) }, `token "evident-tsp" is not present`},
	} {
		tc.prep()
		code, _, errs := cli(t, tc.env, "user", "add", "dave", "--role", "compliance-manager")
		if code != 2 || !strings.Contains(errs, "ledger signer pkcs11:token=evident-tsp") || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: user add: exit %d, stderr %q; want 2 naming the signer and %q", tc.name, code, errs, tc.want)
		}
		if got := checkpointSignedBy(t, tc.env, strings.TrimSpace(string(pub))); got != size {
			t.Errorf("%s: the log grew from %d to %d leaves", tc.name, size, got)
		}
		if code, out, errs := cli(t, tc.env, "verify"); code != 0 {
			t.Errorf("%s: verify needs no token, got exit %d\n%s%s", tc.name, code, out, errs)
		}
	}
}

// checkpointSignedBy prints the latest checkpoint and opens it with a
// verifier made from the public key text alone; it returns its size.
func checkpointSignedBy(t *testing.T, env map[string]string, vkey string) int64 {
	t.Helper()
	code, out, errs := cli(t, env, "checkpoint")
	if code != 0 {
		t.Fatalf("checkpoint: exit %d\n%s%s", code, out, errs)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ledger.OpenCheckpoint([]byte(out), v)
	if err != nil {
		t.Fatalf("checkpoint does not verify with %s: %v\n%s", vkey, err, out)
	}
	return c.Size
}

// docs/hsm.md's shell blocks run as written with this build as evident
// (the static suite's TestDocsCommandsRun cannot: it has no PKCS#11), the
// example database URL replaced by a fresh PostgreSQL schema.
func TestSoftHSMDocRunsAsWritten(t *testing.T) {
	if _, err := os.Stat(softhsmtest.Module); err != nil {
		t.Fatalf("SoftHSM2 is not installed (run `sh scripts/tools.sh softhsm`): %v", err)
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "hsm.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := shellBlocks(string(doc))
	if len(blocks) < 3 {
		t.Fatalf("docs/hsm.md has %d shell blocks; its walk-through is gone", len(blocks))
	}
	dir := t.TempDir()
	bin := evidentOnPath(t, dir)
	script := "set -eu\n" + strings.ReplaceAll(strings.Join(blocks, ""), "postgres://evident@db.example/evident", storetest.PostgresDSN(t))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "EVIDENT_DATA=", "EVIDENT_ACTOR=docs@example")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the shell blocks of docs/hsm.md failed (%v):\n%s\n--- script ---\n%s", err, out, script)
	}
	for _, want := range []string{"ledger.pub", `token "evident" is not present`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("docs/hsm.md's run does not show %q:\n%s", want, out)
		}
	}
}

// A ledger that began with a key file moves to a token key: the file key
// signs the rotation, the file is removed, and from then on the token
// signs and verify follows the log across the rotation.
func TestSoftHSMRotateFromKeyFileToToken(t *testing.T) {
	tok := softhsmtest.New(t, "evident-rotate")
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"EVIDENT_DATA": data, "EVIDENT_ACTOR": "alice", hsm.PINEnv: softhsmtest.UserPIN}
	if code, out, errs := cli(t, env, "init", "--name", "Example TSP"); code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := cli(t, env, "user", "add", "bob", "--role", "compliance-manager"); code != 0 {
		t.Fatalf("user add: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs := cli(t, env, "key", "rotate", "--to-signer", tok.URI("ledger"))
	if code != 0 || !strings.Contains(out, signerEnv+"="+tok.URI("ledger")) {
		t.Fatalf("key rotate --to-signer: exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(data, signingKeyFile)); err == nil {
		t.Error("the old key file is still there after the switch to the token")
	}
	pub, err := os.ReadFile(filepath.Join(data, verifierFile))
	if err != nil {
		t.Fatal(err)
	}
	// Without the token nothing can sign any more.
	if code, _, errs := cli(t, env, "user", "add", "carol", "--role", "compliance-manager"); code == 0 {
		t.Errorf("a write without %s was acknowledged: %s", signerEnv, errs)
	}
	env[signerEnv] = tok.URI("ledger")
	if code, out, errs := cli(t, env, "user", "add", "carol", "--role", "compliance-manager"); code != 0 {
		t.Fatalf("user add on the token: exit %d\n%s%s", code, out, errs)
	}
	checkpointSignedBy(t, env, strings.TrimSpace(string(pub)))
	code, out, errs = cli(t, env, "verify")
	if code != 0 || !strings.Contains(out, "rotat") {
		t.Errorf("verify after the rotation: exit %d, want 0 and the rotation shown\n%s%s", code, out, errs)
	}
	// Rotating to the key already in use is refused.
	if code, _, errs := cli(t, env, "key", "rotate", "--to-signer", tok.URI("ledger")); code != 2 || !strings.Contains(errs, "already the ledger key") {
		t.Errorf("rotate to the same key: exit %d, %q", code, errs)
	}
}
