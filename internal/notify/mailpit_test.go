package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"go/build"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// mailpit is a real SMTP server the test harness starts on free ports;
// what it received is read back through its HTTP API.
type mailpit struct {
	SMTP string // host:port
	API  string // http://host:port
}

// mailpitBinary finds the binary scripts/tools.sh installs. Without it the
// test skips on a developer's machine but fails under CI: the suite must
// never pass there without having sent a message.
func mailpitBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	dir := os.Getenv("GOBIN")
	if dir == "" {
		dir = filepath.Join(build.Default.GOPATH, "bin")
	}
	p := filepath.Join(dir, "mailpit")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	// make test installs it first (the Makefile's tools target); a
	// missing mail server is a failure, never a skipped check.
	t.Fatalf("mailpit is not installed: run scripts/tools.sh")
	return ""
}

// freePort returns a loopback address nothing listens on right now.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startMailpit starts mailpit with extra flags and waits for its API.
func startMailpit(t *testing.T, extra ...string) mailpit {
	t.Helper()
	bin := mailpitBinary(t)
	m := mailpit{SMTP: freePort(t), API: ""}
	httpAddr := freePort(t)
	m.API = "http://" + httpAddr
	args := append([]string{"--smtp", m.SMTP, "--listen", httpAddr, "--database", filepath.Join(t.TempDir(), "mail.db"),
		"--quiet", "--disable-version-check", "--smtp-disable-rdns"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(m.API + "/api/v1/messages")
		if err == nil {
			resp.Body.Close()
			if c, err := net.Dial("tcp", m.SMTP); err == nil {
				c.Close()
				return m
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("mailpit did not come up on %s / %s", m.SMTP, m.API)
	return m
}

// message is what the test reads of a received message.
type message struct {
	ID      string
	Subject string
	To      []struct{ Address string }
}

// messages returns every message mailpit holds.
func (m mailpit) messages(t *testing.T) []message {
	t.Helper()
	resp, err := http.Get(m.API + "/api/v1/messages?limit=1000")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Messages []message `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Messages
}

// text returns one message's plain-text body.
func (m mailpit) text(t *testing.T, id string) string {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("%s/api/v1/message/%s", m.API, id))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Text string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Text
}

var _ = context.Background
