package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestServeDemoSignsInToTheExampleProgram(t *testing.T) {
	out := &syncBuffer{}
	base, stop := startServeOut(t, map[string]string{}, out, "--demo")
	defer stop()
	m := regexp.MustCompile(`(?m)^\s+compliance-manager\s+user (\S+)\s+password (\S+)$`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("serve --demo printed no compliance-manager login:\n%s", out.String())
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(path string) (int, string) {
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	_, login := get("/login")
	token := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(login)
	if token == nil {
		t.Fatal("the sign-in page has no CSRF token")
	}
	resp, err := c.PostForm(base+"/login", url.Values{"csrf_token": {token[1]}, "name": {m[1]}, "password": {m[2]}, "next": {"/incidents"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/incidents" {
		t.Fatalf("sign-in as %s: %d at %s, want the incidents page", m[1], resp.StatusCode, resp.Request.URL.Path)
	}
	code, page := get("/")
	if code != http.StatusOK || !strings.Contains(page, "Example Trust Services") || !strings.Contains(page, `class="countdown"`) {
		t.Errorf("dashboard: %d; want the example program with a running incident countdown", code)
	}
	code, page = get("/controls/clock-sync-daily")
	if code != http.StatusOK || strings.Count(page, `data-state="satisfied"`) < 5 {
		t.Errorf("the daily time-sync control should show a history of satisfied days: %d", code)
	}
}

func TestServeDemoRefusesAnExternalStore(t *testing.T) {
	code, _, errs := cli(t, map[string]string{}, "serve", "--demo", "--db", "postgres://example/db")
	if code != 2 || !strings.Contains(errs, "--db") {
		t.Errorf("serve --demo --db: exit %d, stderr %q; want 2 naming --db", code, errs)
	}
}

// startServeOut is startServe keeping the command's output, which for
// --demo holds the logins. It returns once /healthz answers.
func startServeOut(t *testing.T, env map[string]string, out *syncBuffer, extra ...string) (string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	args := append([]string{"serve", "--addr", "127.0.0.1:0"}, extra...)
	go func() {
		done <- run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(""), out, io.Discard)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := regexp.MustCompile(`http://\S+?/`).FindString(out.String()); m != "" && strings.Contains(out.String(), "Demo ready") {
			base := strings.TrimSuffix(m, "/")
			if resp, err := http.Get(base + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return base, func() int { cancel(); return <-done }
				}
			}
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited early with %d: %s", code, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("serve did not become healthy: %s", out.String())
	return "", nil
}
