package main

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestServeDemoSignsInToTheExampleProgram(t *testing.T) {
	base, out := demoServer(t)
	m := regexp.MustCompile(`(?m)^\s+compliance-manager\s+user (\S+)\s+password (\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("serve --demo printed no compliance-manager login:\n%s", out)
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

// launchServe runs `evident serve` in the background, its output to out,
// and returns its base URL once /healthz answers (and, with --demo, the
// demo is ready), and a function that stops it and returns its exit code.
func launchServe(env map[string]string, out *syncBuffer, extra ...string) (string, func() int, error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	args := append([]string{"serve", "--addr", "127.0.0.1:0"}, extra...)
	go func() {
		done <- run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(""), out, out)
	}()
	// A guard against a hung start, not a measure of speed: the demo
	// imports a year of real tool output, which under the race detector on
	// a busy two-core machine takes minutes.
	deadline := time.Now().Add(20 * time.Minute)
	for time.Now().Before(deadline) {
		if m := regexp.MustCompile(`http://\S+?/`).FindString(out.String()); m != "" && (!slices.Contains(extra, "--demo") || strings.Contains(out.String(), "Demo ready")) {
			base := strings.TrimSuffix(m, "/")
			if resp, err := http.Get(base + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return base, func() int { cancel(); return <-done }, nil
				}
			}
		}
		select {
		case code := <-done:
			cancel()
			return "", nil, fmt.Errorf("serve exited early with %d: %s", code, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	cancel()
	<-done
	return "", nil, fmt.Errorf("serve did not become healthy: %s", out.String())
}

// sharedDemo is the one `serve --demo` the tests of this package share: it
// generates a year of evidence, the slowest thing the suite starts, and
// the tests that sign in to it only read.
var sharedDemo struct {
	once sync.Once
	base string
	out  *syncBuffer
	stop func() int
	err  error
}

// demoServer starts the shared demo on first use and returns its base URL
// and everything it printed (the logins and its data directory).
func demoServer(t *testing.T) (string, string) {
	t.Helper()
	sharedDemo.once.Do(func() {
		sharedDemo.out = &syncBuffer{}
		sharedDemo.base, sharedDemo.stop, sharedDemo.err = launchServe(map[string]string{}, sharedDemo.out, "--demo")
	})
	if sharedDemo.err != nil {
		t.Fatal(sharedDemo.err)
	}
	return sharedDemo.base, sharedDemo.out.String()
}

// TestMain stops the shared demo, which deletes its data directory, after
// the last test.
func TestMain(m *testing.M) {
	// The docs test runs the documentation's shell blocks with this test
	// binary standing in for `evident` (see docs_test.go).
	if os.Getenv(asCLI) == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
	}
	code := m.Run()
	if sharedDemo.stop != nil {
		sharedDemo.stop()
	}
	os.Exit(code)
}

// TestDemoViewsAgreeOnReadiness computes readiness over one period of the
// demo's year through every view a person uses: the dashboard, the API,
// `evident status --json --from --to` and a pack's index.json. They all
// call the one readiness function, so the score and the count of
// requirements in each state are the same.
func TestDemoViewsAgreeOnReadiness(t *testing.T) {
	base, out := demoServer(t)
	m := regexp.MustCompile(`(?m)^\s+compliance-manager\s+user (\S+)\s+password (\S+)$`).FindStringSubmatch(out)
	data := regexp.MustCompile(`"demo ready" data=(\S+)`).FindStringSubmatch(out)
	if m == nil || data == nil {
		t.Fatalf("serve --demo printed no login or data directory:\n%s", out)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(path string) string {
		t.Helper()
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d\n%.400s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	token := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(get("/login"))
	resp, err := c.PostForm(base+"/login", url.Values{"csrf_token": {token[1]}, "name": {m[1]}, "password": {m[2]}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	// A quarter that has ended, whole days, so every view judges the same
	// closed windows.
	today := time.Now().UTC().Truncate(24 * time.Hour)
	from, to := today.AddDate(0, -4, 0).Format("2006-01-02"), today.AddDate(0, -1, 0).Format("2006-01-02")
	type tally struct {
		Score  float64        `json:"score"`
		Counts map[string]int `json:"counts"`
	}
	views := map[string]tally{}

	page := get("/?from=" + from + "&to=" + to)
	score := regexp.MustCompile(`id="period-score">([0-9.]+)<`).FindStringSubmatch(page)
	if score == nil {
		t.Fatalf("the dashboard shows no period score")
	}
	web := tally{Counts: map[string]int{}}
	fmt.Sscan(score[1], &web.Score)
	for _, x := range regexp.MustCompile(`data-state="([a-z-]+)"><span class="sw f-[a-z-]+"></span>[a-z-]+ <b>(\d+)</b>`).FindAllStringSubmatch(page, -1) {
		n, _ := strconv.Atoi(x[2])
		web.Counts[x[1]] = n
	}
	views["dashboard"] = web

	var api struct {
		Report struct {
			Score tally `json:"program_score"`
		} `json:"report"`
		Series []json.RawMessage `json:"series"`
	}
	if err := json.Unmarshal([]byte(get("/api/v1/readiness?from="+from+"&to="+to)), &api); err != nil || len(api.Series) != 12 {
		t.Fatalf("GET /api/v1/readiness: %v, %d months in the series (want 12)", err, len(api.Series))
	}
	views["api"] = api.Report.Score

	env := map[string]string{"EVIDENT_DATA": data[1]}
	// The second run reads the closed windows the first one kept
	// (window facts): the figures may not move.
	for _, view := range []string{"status", "status again"} {
		code, stdout, errs := cli(t, env, "status", "--json", "--from", from, "--to", to)
		var st struct {
			Score tally `json:"program_score"`
		}
		if err := json.Unmarshal([]byte(stdout), &st); code != 0 || err != nil {
			t.Fatalf("%s --json --from --to: exit %d, %v\n%s", view, code, err, errs)
		}
		views[view] = st.Score
	}

	zipPath := filepath.Join(t.TempDir(), "pack.zip")
	if code, _, errs := cli(t, env, "pack", "export", "--from", from, "--to", to, "--out", zipPath); code != 0 {
		t.Fatalf("pack export: exit %d\n%s", code, errs)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	f, err := zr.Open("index.json")
	if err != nil {
		t.Fatal(err)
	}
	var ix struct {
		Summary struct {
			Readiness tally `json:"readiness"`
		} `json:"summary"`
	}
	if err := json.NewDecoder(f).Decode(&ix); err != nil {
		t.Fatal(err)
	}
	views["pack"] = ix.Summary.Readiness

	agree := func(views map[string]tally, what string) {
		t.Helper()
		want := views["status"]
		if want.Score == 0 && len(want.Counts) == 0 {
			t.Fatalf("status %s is empty: %+v", what, want)
		}
		for name, v := range views {
			if v.Score != want.Score || !maps.Equal(v.Counts, want.Counts) {
				t.Errorf("%s %s: score %.1f %v; status says %.1f %v", name, what, v.Score, v.Counts, want.Score, want.Counts)
			}
		}
	}
	agree(views, "over "+from+" to "+to)

	// As of a past instant: what each view said then.
	at := today.AddDate(0, -2, 0).Format(time.RFC3339)
	from, to = today.AddDate(0, -5, 0).Format("2006-01-02"), today.AddDate(0, -3, 0).Format("2006-01-02")
	past := map[string]tally{}
	page = get("/?at=" + at + "&from=" + from + "&to=" + to)
	if score = regexp.MustCompile(`id="period-score">([0-9.]+)<`).FindStringSubmatch(page); score == nil {
		t.Fatalf("the dashboard at %s shows no period score", at)
	}
	web = tally{Counts: map[string]int{}}
	fmt.Sscan(score[1], &web.Score)
	for _, x := range regexp.MustCompile(`data-state="([a-z-]+)"><span class="sw f-[a-z-]+"></span>[a-z-]+ <b>(\d+)</b>`).FindAllStringSubmatch(page, -1) {
		n, _ := strconv.Atoi(x[2])
		web.Counts[x[1]] = n
	}
	past["dashboard"] = web
	if err := json.Unmarshal([]byte(get("/api/v1/readiness?at="+at+"&from="+from+"&to="+to)), &api); err != nil {
		t.Fatal(err)
	}
	past["api"] = api.Report.Score
	code, stdout, errs = cli(t, env, "status", "--json", "--at", at, "--from", from, "--to", to)
	if err := json.Unmarshal([]byte(stdout), &st); code != 0 || err != nil {
		t.Fatalf("status --json --at --from --to: exit %d, %v\n%s", code, err, errs)
	}
	past["status"] = st.Score
	agree(past, "at "+at+" over "+from+" to "+to)
}

// TestServeRefusesBadNotificationSettings: a mistyped relay URL or allow
// list stops serve before it listens, naming the variable, instead of
// leaving notifications silently undelivered.
func TestServeRefusesBadNotificationSettings(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"EVIDENT_SMTP_URL":     {"EVIDENT_SMTP_URL": "smtp://mail.example.org?starttls=maybe&from=a@example.org"},
		"EVIDENT_NOTIFY_ALLOW": {"EVIDENT_NOTIFY_ALLOW": "everywhere"},
	} {
		env["EVIDENT_DATA"] = t.TempDir()
		code, out, errs := cli(t, env, "serve", "--addr", "127.0.0.1:0")
		if code != 2 || !strings.Contains(errs, name) || strings.Contains(out, "listening") {
			t.Errorf("serve with a bad %s: exit %d, stdout %q, stderr %q; want 2 naming it, before listening", name, code, out, errs)
		}
	}
}
