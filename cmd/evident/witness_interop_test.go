package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// omniwitness installs (scripts/tools.sh, a no-op when present) and
// returns the transparency-dev witness, a public implementation of
// c2sp.org/tlog-witness.
func omniwitness(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("sh", "../../scripts/tools.sh", "witness").Output()
	if err != nil {
		t.Fatalf("scripts/tools.sh witness: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// freeAddr returns a loopback address no one listens on.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestInteropWithTransparencyDevWitness submits the ledger's checkpoints
// to the transparency-dev omniwitness: it checks our log signature and
// consistency proofs and cosigns; we check its cosignatures with our
// verifier; and it refuses a restored store's next checkpoint, which our
// client names as a rollback. The witness key is made by `evident witness
// keygen`, so the key format interoperates too.
func TestInteropWithTransparencyDevWitness(t *testing.T) {
	bin := omniwitness(t)
	dir := t.TempDir()
	data, wdir := filepath.Join(dir, "data"), filepath.Join(dir, "witness")
	env := map[string]string{"EVIDENT_DATA": data}
	if code, _, errs := cli(t, env, "init"); code != 0 {
		t.Fatalf("init: %s", errs)
	}
	code, wkey, errs := cli(t, env, "witness", "keygen", "--name", "omni.example", "--dir", wdir)
	if code != 0 {
		t.Fatalf("keygen: %s", errs)
	}
	wkey = strings.TrimSpace(wkey)
	pub, _ := os.ReadFile(filepath.Join(data, "ledger.pub"))
	origin, _, _ := strings.Cut(strings.TrimSpace(string(pub)), "+")
	logs := "Logs:\n  - Origin: " + origin + "\n    URL: http://127.0.0.1:1/\n    PublicKey: " + strings.TrimSpace(string(pub)) + "\n    Feeder: none\n"
	if err := os.WriteFile(filepath.Join(wdir, "logs.yaml"), []byte(logs), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	var wout syncBuffer
	cmd := exec.Command(bin, "--listen", addr, "--metrics_listen", "", "--db_file", filepath.Join(wdir, "state.db"),
		"--private_key_path", filepath.Join(wdir, "witness.key"), "--additional_logs", filepath.Join(wdir, "logs.yaml"))
	cmd.Stdout, cmd.Stderr = &wout, &wout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, out: &wout}
	t.Cleanup(p.stop)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("omniwitness did not listen on %s:\n%s", addr, wout.String())
		}
	}

	env["EVIDENT_WITNESSES"] = "http://" + addr + "=" + wkey
	env["EVIDENT_WITNESS_ALLOW_PRIVATE"] = "1"
	old, err := os.ReadFile(filepath.Join(data, "evident.db"))
	if err != nil {
		t.Fatal(err)
	}
	for i, user := range []string{"alice", "bob"} {
		addAdmin(t, env, user)
		// The second submission carries a consistency proof.
		if code, _, errs := cli(t, env, "checkpoint"); code != 0 || !strings.Contains(errs, "Cosigned by 1 witnesses") {
			t.Fatalf("checkpoint %d: exit %d %s\nomniwitness:\n%s", i+1, code, errs, wout.String())
		}
	}
	if code, out, errs := cli(t, env, "verify", "--witness", wkey); code != 0 || !strings.Contains(out, "Witness omni.example cosigned a tree of") {
		t.Fatalf("verify --witness: exit %d\n%s%s", code, out, errs)
	}

	os.Remove(filepath.Join(data, "evident.db-wal"))
	os.Remove(filepath.Join(data, "evident.db-shm"))
	if err := os.WriteFile(filepath.Join(data, "evident.db"), old, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{"mallory", "trent", "peggy"} {
		addAdmin(t, env, user)
	}
	if code, _, errs := cli(t, env, "checkpoint"); code != 1 || !strings.Contains(errs, "rolled back") {
		t.Errorf("checkpoint of the restored store: exit %d %s; want 1 naming the rollback", code, errs)
	}
}
