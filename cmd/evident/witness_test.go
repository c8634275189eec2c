package main

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// proc is a real evident process whose output the test reads.
type proc struct {
	cmd *exec.Cmd
	out *syncBuffer
}

// startProc runs bin with args and env, and waits for a line with an
// http:// address on stdout; it returns the process and that base URL.
func startProc(t *testing.T, bin string, env map[string]string, args ...string) (*proc, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &proc{cmd: cmd, out: &syncBuffer{}}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.stop() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.out.Write([]byte(sc.Text() + "\n"))
			if m := regexp.MustCompile(`http://[^/\s]+`).FindString(sc.Text()); m != "" {
				select {
				case found <- m:
				default:
				}
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case base := <-found:
		return p, base
	case <-time.After(60 * time.Second):
		t.Fatalf("%v did not start listening:\n%s", args, p.out.String())
	}
	return nil, ""
}

// stop interrupts the process, as an operator's Ctrl-C would, and waits.
func (p *proc) stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

// addAdmin adds a user, one signed write.
func addAdmin(t *testing.T, env map[string]string, name string) {
	t.Helper()
	var out, errb syncBuffer
	code := run(t.Context(), []string{"user", "add", name, "--role", "admin", "--password-stdin"}, func(k string) string { return env[k] },
		strings.NewReader("correct horse battery staple\n"), &out, &errb)
	if code != 0 {
		t.Fatalf("user add %s: %d %s", name, code, errb.String())
	}
}

// witnessLatest returns the witness's latest cosigned checkpoint of origin.
func witnessLatest(t *testing.T, base, origin string) string {
	t.Helper()
	resp, err := http.Get(base + "/checkpoint?origin=" + url.QueryEscape(origin))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestWitnessCatchesARestoredStore runs a witness and a store as two
// real processes. `serve` submits each new checkpoint to the witness; then
// the store's SQLite file is replaced by an older copy and written on. The
// witness refuses the next checkpoint, `checkpoint` exits 1 naming the
// rollback, `serve` refuses to start, and `verify --witness` exits 1.
func TestWitnessCatchesARestoredStore(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	data, wdir := filepath.Join(dir, "data"), filepath.Join(dir, "witness")
	env := map[string]string{"EVIDENT_DATA": data}
	if code, out, errs := cli(t, env, "init"); code != 0 {
		t.Fatalf("init: %d %s%s", code, out, errs)
	}
	code, wkey, errs := cli(t, env, "witness", "keygen", "--name", "assessor.example", "--dir", wdir)
	if code != 0 {
		t.Fatalf("witness keygen: %d %s", code, errs)
	}
	wkey = strings.TrimSpace(wkey)
	pub, _ := os.ReadFile(filepath.Join(data, "ledger.pub"))
	origin, _, _ := strings.Cut(string(pub), "+")
	_, wbase := startProc(t, bin, nil, "witness", "serve", "--dir", wdir, "--addr", "127.0.0.1:0",
		"--log", origin+"="+filepath.Join(data, "ledger.pub"))

	env["EVIDENT_WITNESSES"] = wbase + "=" + wkey
	env["EVIDENT_WITNESS_ALLOW_PRIVATE"] = "1"
	env["EVIDENT_WITNESS_INTERVAL"] = "100ms"
	addUser := func(name string) { t.Helper(); addAdmin(t, env, name) }
	addUser("alice")
	// The copy an insider will restore: taken while no process has the
	// database open, so the file is whole.
	old, err := os.ReadFile(filepath.Join(data, "evident.db"))
	if err != nil {
		t.Fatal(err)
	}

	store, _ := startProc(t, bin, env, "serve", "--addr", "127.0.0.1:0")
	addUser("bob")
	addUser("carol")
	// Read the size without submitting it: only serve may bring it to
	// the witness here.
	code, cp, _ := cli(t, map[string]string{"EVIDENT_DATA": data}, "checkpoint")
	if code != 0 {
		t.Fatalf("checkpoint: %d", code)
	}
	size := strings.Split(cp, "\n")[1]
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(witnessLatest(t, wbase, origin), "\n"+size+"\n") {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not bring checkpoint %s to the witness:\n%s", size, store.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, out, errs := cli(t, env, "verify", "--witness", wkey); code != 0 || !strings.Contains(out, "Witness assessor.example cosigned a tree of "+size+" records") {
		t.Fatalf("verify --witness before the rollback: exit %d\n%s%s", code, out, errs)
	}
	store.stop()

	for _, f := range []string{"evident.db-wal", "evident.db-shm"} {
		os.Remove(filepath.Join(data, f))
	}
	if err := os.WriteFile(filepath.Join(data, "evident.db"), old, 0o600); err != nil {
		t.Fatal(err)
	}
	addUser("mallory")
	addUser("trent")
	code, _, errs = cli(t, env, "checkpoint")
	if code != 1 || !strings.Contains(errs, "assessor.example") || !strings.Contains(errs, "rolled back") {
		t.Errorf("checkpoint after the restore: exit %d, stderr %q; want 1 naming the witness and the rollback", code, errs)
	}
	var out syncBuffer
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(out.String(), "refusing to start") {
		t.Errorf("serve after the restore: %v\n%s\nwant exit 1 refusing to start", err, out.String())
	}
	code, vout, verrs := cli(t, env, "verify", "--witness", wkey)
	if code != 1 || !strings.Contains(vout, "FAIL rolled back: witness assessor.example cosigned a tree of "+size+" records") {
		t.Errorf("verify --witness after the restore: exit %d\n%s%s\nwant 1 naming the rollback", code, vout, verrs)
	}
}

// TestWitnessBadInput: malformed witness configuration is a usage error
// naming the flag or variable, and a witness on loopback is refused
// unless allowed.
func TestWitnessBadInput(t *testing.T) {
	dir := t.TempDir()
	data, wdir := filepath.Join(dir, "data"), filepath.Join(dir, "w")
	env := map[string]string{"EVIDENT_DATA": data}
	cli(t, env, "init")
	_, wkey, _ := cli(t, env, "witness", "keygen", "--name", "w.example", "--dir", wdir)
	wkey = strings.TrimSpace(wkey)
	pub, _ := os.ReadFile(filepath.Join(data, "ledger.pub"))
	cases := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"witness", "keygen", "--name", "w.example", "--dir", wdir}, "already exists"},
		{nil, []string{"witness", "keygen", "--dir", filepath.Join(dir, "x")}, "--name"},
		{nil, []string{"witness", "serve", "--dir", wdir, "--addr", "127.0.0.1:0"}, "--log"},
		{nil, []string{"witness", "serve", "--dir", wdir, "--addr", "127.0.0.1:0", "--log", "o=" + wkey}, "--log"},
		{nil, []string{"witness", "serve", "--dir", filepath.Join(dir, "none"), "--log", "o=" + string(pub)}, "--key"},
		{nil, []string{"verify", "--witness", string(pub)}, "--witness"},
		{map[string]string{"EVIDENT_WITNESSES": "ftp://x=" + wkey}, []string{"checkpoint"}, "EVIDENT_WITNESSES"},
		{map[string]string{"EVIDENT_WITNESSES": "https://w.example=" + wkey, "EVIDENT_WITNESS_INTERVAL": "soon"}, []string{"serve", "--addr", "127.0.0.1:0"}, "EVIDENT_WITNESS_INTERVAL"},
	}
	for _, c := range cases {
		e := map[string]string{"EVIDENT_DATA": data}
		for k, v := range c.env {
			e[k] = v
		}
		code, _, errs := cli(t, e, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v %v: exit %d %q; want 2 naming %s", c.env, c.args, code, errs, c.want)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a loopback witness was called without EVIDENT_WITNESS_ALLOW_PRIVATE")
	}))
	defer srv.Close()
	code, _, errs := cli(t, map[string]string{"EVIDENT_DATA": data, "EVIDENT_WITNESSES": srv.URL + "=" + wkey}, "checkpoint")
	if code != 1 || !strings.Contains(errs, "loopback") {
		t.Errorf("checkpoint to a loopback witness: exit %d %q; want 1 naming loopback", code, errs)
	}
}
