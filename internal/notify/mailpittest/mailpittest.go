// Package mailpittest starts a real mail catcher for tests: mailpit,
// installed by `sh scripts/tools.sh mailpit` (which `make test` runs). The
// notifier sends through its SMTP server and the test reads what arrived
// through its HTTP API, so a message counted is a message an SMTP server
// accepted. Without mailpit the test fails, never skips: a suite that
// sent nothing must not pass.
package mailpittest

import (
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

// Server is a running mailpit.
type Server struct {
	SMTP string // host:port of its SMTP server
	API  string // http://host:port of its HTTP API
}

// Message is what a test reads of a received message.
type Message struct {
	ID      string
	Subject string
	To      []struct{ Address string }
}

// Binary returns the path of the mailpit binary, failing the test if it
// is not installed.
func Binary(t testing.TB) string {
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
	t.Fatalf("mailpit is not installed: run `sh scripts/tools.sh mailpit`")
	return ""
}

// freeAddr returns a loopback address nothing listens on right now.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Start runs mailpit with extra flags on free ports until the test ends,
// and returns once both its SMTP server and its API answer.
func Start(t testing.TB, extra ...string) Server {
	t.Helper()
	bin := Binary(t)
	s := Server{SMTP: freeAddr(t)}
	httpAddr := freeAddr(t)
	s.API = "http://" + httpAddr
	args := append([]string{"--smtp", s.SMTP, "--listen", httpAddr, "--database", filepath.Join(t.TempDir(), "mail.db"),
		"--quiet", "--disable-version-check", "--smtp-disable-rdns"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.API + "/api/v1/messages")
		if err == nil {
			resp.Body.Close()
			if c, err := net.Dial("tcp", s.SMTP); err == nil {
				c.Close()
				return s
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("mailpit did not come up on %s / %s", s.SMTP, s.API)
	return s
}

// Messages returns every message mailpit holds, newest first.
func (s Server) Messages(t testing.TB) []Message {
	t.Helper()
	resp, err := http.Get(s.API + "/api/v1/messages?limit=1000")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Messages []Message `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Messages
}

// Text returns one message's plain-text body.
func (s Server) Text(t testing.TB, id string) string {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("%s/api/v1/message/%s", s.API, id))
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
