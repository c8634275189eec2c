package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// cli runs the binary in-process and returns exit code, stdout and stderr.
func cli(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestInitThenCatalog(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"EVIDENT_DATA": data}
	if code, out, errs := cli(t, env, "init", "--name", "Example QTSP"); code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, errs)
	}
	fi, err := os.Stat(filepath.Join(data, "ledger.key"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("ledger.key mode %v, want 0600", fi.Mode().Perm())
	}
	code, out, _ := cli(t, env, "catalog", "show", "REQ-7.8-14")
	if code != 0 || !strings.Contains(out, "EN319401@3.2.1:REQ-7.8-14") || !strings.Contains(out, "quarter") {
		t.Errorf("catalog show REQ-7.8-14: exit %d\n%s", code, out)
	}
	code, out, _ = cli(t, env, "catalog", "list", "--clause", "7.9.2", "--json")
	var reqs []map[string]any
	if err := json.Unmarshal([]byte(out), &reqs); err != nil || code != 0 {
		t.Fatalf("catalog list --json: exit %d, %v\n%s", code, err, out)
	}
	if len(reqs) != 19 {
		t.Errorf("catalog list --clause 7.9.2 returned %d entries, want 19", len(reqs))
	}
	code, out, _ = cli(t, env, "catalog", "diff", "--from", "3.1.1", "--to", "3.2.1")
	if code != 0 || !strings.Contains(out, "REQ-7.8-17") || !strings.Contains(out, "REQ-7.8-22") {
		t.Errorf("catalog diff does not show the 7.8 renumbering: exit %d\n%s", code, out)
	}
	// A second init must refuse to touch the program.
	code, _, errs := cli(t, env, "init")
	if code != 2 || !strings.Contains(errs, "refusing") {
		t.Errorf("second init: exit %d, stderr %q; want 2 and a refusal", code, errs)
	}
}

func TestBadInputExitsTwo(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"EVIDENT_DATA": data}
	cli(t, env, "init")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"catalog", "show", "REQ-7.8-99"}, "REQ-7.8-99"},
		{[]string{"catalog", "list", "--bogus"}, "bogus"},
		{[]string{"frobnicate"}, "frobnicate"},
		{[]string{"catalog", "list", "--version", "9.9.9"}, "9.9.9"},
		{[]string{"--data", filepath.Join(t.TempDir(), "none"), "list", "controls"}, "none"},
	}
	for _, c := range cases {
		code, _, errs := cli(t, env, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming %q", c.args, code, errs, c.want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server goroutine to write to
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `evident serve --addr 127.0.0.1:0` and returns its base URL
// once /healthz answers, and a function that stops it and returns the exit
// code.
func startServe(t *testing.T, env map[string]string, extra ...string) (string, func() int) {
	t.Helper()
	base, stop, err := launchServe(env, &syncBuffer{}, extra...)
	if err != nil {
		t.Fatal(err)
	}
	return base, stop
}

func TestServeInitialisesAndServesCatalog(t *testing.T) {
	data := filepath.Join(t.TempDir(), "fresh")
	env := map[string]string{"EVIDENT_DATA": data}
	url, stop := startServe(t, env)
	// serve initialised the data directory; an admin can now get a token.
	if code, out, errs := cli(t, env, "user", "add", "auditor", "--role", "assessor", "--from", "2026-01-01", "--to", "2027-01-01"); code != 0 {
		t.Fatalf("user add: exit %d\n%s%s", code, out, errs)
	}
	code, token, errs := cli(t, env, "user", "token", "auditor", "--name", "catalog-test")
	if code != 0 {
		t.Fatalf("user token: exit %d\n%s", code, errs)
	}
	token = strings.TrimSpace(token)
	get := func(path, bearer string) (int, string) {
		req, _ := http.NewRequest("GET", url+path, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/api/v1/catalog/REQ-7.8-14", ""); code != 401 {
		t.Errorf("anonymous GET /api/v1/catalog/REQ-7.8-14: %d %s, want 401", code, body)
	}
	if code, body := get("/api/v1/catalog/REQ-7.8-14", token); code != 200 || !strings.Contains(body, `"REQ-7.8-14"`) || !strings.Contains(body, "quarter") {
		t.Errorf("GET /api/v1/catalog/REQ-7.8-14: %d %s", code, body)
	}
	if code, body := get("/api/v1/catalog?clause=7.9.2&limit=100", token); code != 200 || strings.Count(body, `"clause_title"`) != 19 {
		t.Errorf("GET /api/v1/catalog?clause=7.9.2: %d, %d entries, want 19\n%.300s", code, strings.Count(body, `"clause_title"`), body)
	}
	if code, body := get("/api/v1/catalog/REQ-0-00", token); code != 404 || !strings.Contains(body, `"not_found"`) {
		t.Errorf("unknown id: %d %s", code, body)
	}
	if code := stop(); code != 0 {
		t.Errorf("serve exit code after shutdown = %d, want 0", code)
	}
	if _, err := os.Stat(filepath.Join(data, "ledger.key")); err != nil {
		t.Errorf("serve did not initialise the data directory: %v", err)
	}
}
