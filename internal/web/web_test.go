package web

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/ledger/ledgertest"
	"github.com/evidenthq/evident/internal/pack"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// testNow is the fixed clock of the web tests.
var testNow = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// testClock is the one clock of a test site: the store's, which the
// sessions, the pages and the ledger all read.
func testClock() time.Time { return testNow }

// testPassword is every test user's password.
const testPassword = "correct horse battery"

// site is the web UI mounted as the server mounts it: the auth middleware
// in front, each route behind its permission.
type site struct {
	*httptest.Server
	st    *sqlstore.Store
	w     *Web
	blobs string // the blob store's directory
}

// newSite serves the browser routes over st, which gets a program, the
// catalog, a ledger and one user per role first.
func newSite(t *testing.T, st *sqlstore.Store) *site {
	t.Helper()
	ctx := context.Background()
	if _, err := st.Program(ctx); err != nil {
		p := evident.Program{Name: "Example QTSP", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "admin@example"}
		if err := st.CreateProgram(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	syncCatalog(t, st, cat)
	lt := ledgertest.Open(t, st, "evident.ledger/test", "")
	blobDir := lt.BlobDir
	a := auth.New(auth.Config{Store: st, InsecureCookies: true})
	l := lt.Ledger
	w, err := New(Config{Store: st, Catalog: cat, Auth: a, Logger: slog.New(slog.NewTextHandler(tlog{t}, nil)),
		Ledger: l, Pack: &pack.Source{Ledger: l, Signer: lt.Signer, Key: lt.Key, Catalog: cat}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, r := range w.Routes() {
		mux.Handle(r.Pattern, a.RequirePage(r.Perm, r.Handler))
	}
	srv := httptest.NewServer(a.Middleware(mux))
	t.Cleanup(srv.Close)
	return &site{Server: srv, st: st, w: w, blobs: blobDir}
}

// addUser creates a user with testPassword.
func (s *site) addUser(t *testing.T, u evident.User) {
	t.Helper()
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.st.CreateUser(context.Background(), u, hash, "admin@example"); err != nil {
		t.Fatal(err)
	}
}

// browser is a cookie-keeping client that does not follow redirects, so
// tests see where a form sends them.
type browser struct {
	t *testing.T
	s *site
	c *http.Client
}

func (s *site) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, s: s, c: c}
}

// signIn returns a browser signed in as a new user with role.
func (s *site) signIn(t *testing.T, name string, role evident.UserRole, controls ...string) *browser {
	t.Helper()
	u := evident.User{Name: name, Role: role, Controls: controls}
	if role == evident.RoleAssessor {
		u.PeriodFrom, u.PeriodTo = testNow.AddDate(-1, 0, 0), testNow
	}
	s.addUser(t, u)
	b := s.browser(t)
	token := b.csrf("/login")
	code, _, loc := b.post("/login", url.Values{"csrf_token": {token}, "name": {name}, "password": {testPassword}, "next": {"/"},
		"code": {s.enrolIfRequired(t, name)}})
	if code != http.StatusSeeOther || loc != "/" {
		t.Fatalf("sign in as %s: %d to %q", name, code, loc)
	}
	return b
}

// enrolIfRequired gives a user whose role requires a second factor one,
// as if they had enrolled a step ago, and returns the code their app
// shows now; "" for other users. Pages are then crawled by a session
// that is fully signed in.
func (s *site) enrolIfRequired(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	m, err := s.st.UserMFA(ctx, name)
	if err != nil || !m.Required {
		return ""
	}
	const secret = "JBSWY3DPEHPK3PXP"
	now := s.st.Now()
	if err := s.st.BeginMFA(ctx, name, secret); err != nil {
		t.Fatal(err)
	}
	if err := s.st.ConfirmMFA(ctx, name, secret, now.Unix()/30-1, nil); err != nil {
		t.Fatal(err)
	}
	return totpAt(t, secret, now)
}

// get fetches path and returns the status and body.
func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.s.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)

// csrf reads the CSRF token from the form on path.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	code, body := b.get(path)
	m := csrfField.FindStringSubmatch(body)
	if code != http.StatusOK || m == nil || m[1] == "" {
		b.t.Fatalf("GET %s: %d, no CSRF token in the page", path, code)
	}
	return m[1]
}

// post submits a urlencoded form and returns status, body and Location.
func (b *browser) post(path string, form url.Values) (int, string, string) {
	b.t.Helper()
	return b.do(path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

func (b *browser) do(path, contentType string, body io.Reader) (int, string, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.s.URL+path, body)
	req.Header.Set("Content-Type", contentType)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out), resp.Header.Get("Location")
}

// tlog sends the server's log to the test's, so a 500 shows its cause.
type tlog struct{ t *testing.T }

func (l tlog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// syncCatalog stores the catalog, which control requirements must name.
func syncCatalog(t *testing.T, st *sqlstore.Store, cat *catalog.Catalog) {
	t.Helper()
	reqs, err := cat.Requirements("3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SyncCatalog(context.Background(), reqs); err != nil {
		t.Fatal(err)
	}
}

func TestPagesCarrySecurityHeaders(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.SQLite(t, testClock))
	b := s.signIn(t, "carla", evident.RoleComplianceManager)
	for _, path := range []string{"/", "/catalog", "/audit", "/catalog/REQ-0-00", "/login"} {
		resp, err := b.c.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: Content-Security-Policy %q does not forbid inline script", path, csp)
		}
		if got := resp.Header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("%s: X-Frame-Options %q, want DENY", path, got)
		}
	}
}

func TestAnonymousReaderIsSentToSignIn(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.SQLite(t, testClock))
	b := s.browser(t)
	resp, err := b.c.Get(s.URL + "/risks?likelihood=3")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/login?next="+url.QueryEscape("/risks?likelihood=3") {
		t.Errorf("anonymous GET /risks: %d to %q; want 303 to the sign-in page coming back", resp.StatusCode, loc)
	}
}

func TestSignInRefusesWrongPasswordAndForeignRedirects(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.SQLite(t, testClock))
	s.addUser(t, evident.User{Name: "carla", Role: evident.RoleComplianceManager})
	b := s.browser(t)
	token := b.csrf("/login")
	code, body, _ := b.post("/login", url.Values{"csrf_token": {token}, "name": {"carla"}, "password": {"wrong password!"}})
	if code != http.StatusUnauthorized || !strings.Contains(body, "wrong user name or password") {
		t.Errorf("wrong password: %d; want 401 with the reason on the form", code)
	}
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "/\t/evil.example", "/\n/evil.example",
		"/\r\n/evil.example", "/a\\..\\\\evil.example", "/\x00/evil.example", "/\u0085/evil.example", " //evil.example"} {
		// Each sign-in starts a new session, and the token is bound to it.
		token := b.csrf("/login")
		code, _, loc := b.post("/login", url.Values{"csrf_token": {token}, "name": {"carla"}, "password": {testPassword}, "next": {next}})
		// Bytes no form field may hold are refused outright (400); any
		// other target sends the reader home.
		if (code != http.StatusSeeOther || loc != "/") && code != http.StatusBadRequest {
			t.Errorf("next=%q: %d to %q; want 303 to / (never off-site) or 400", next, code, loc)
		}
	}
	// The form carries next from the query it was opened with.
	if _, form := b.get("/login?next=/%09/evil.example"); !strings.Contains(form, `name="next" value="/"`) {
		t.Errorf("sign-in form opened with next=/%%09/evil.example should carry next=/")
	}
	code, _, _ = b.post("/login", url.Values{"name": {"carla"}, "password": {testPassword}})
	if code != http.StatusForbidden {
		t.Errorf("sign-in without CSRF token: %d, want 403", code)
	}
}

func TestUnknownRequirementIsNotFound(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.SQLite(t, testClock))
	b := s.signIn(t, "carla", evident.RoleComplianceManager)
	code, body := b.get("/catalog/REQ-7.8-99")
	if code != http.StatusNotFound || !strings.Contains(body, "REQ-7.8-99") {
		t.Errorf("GET /catalog/REQ-7.8-99: %d; want 404 naming the id", code)
	}
}

func TestAuditTrailPagesNewestFirst(t *testing.T) {
	t.Parallel()
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		b := s.signIn(t, "carla", evident.RoleComplianceManager)
		ctx := context.Background()
		var size int64
		for i := range 60 {
			err := st.Write(ctx, func(tx *sqlstore.Tx) error {
				_, err := tx.Audit(ctx, "test.note", "note", "alice@example", map[string]int{"n": i + 1})
				size, _ = tx.LedgerSize(ctx)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		code, body := b.get("/audit")
		if code != 200 {
			t.Fatalf("GET /audit: %d", code)
		}
		newest, oldest := size-1, size-auditPageSize
		first := strings.Index(body, `id="leaf-`+itoa(newest)+`"`)
		last := strings.Index(body, `id="leaf-`+itoa(oldest)+`"`)
		if first < 0 || last < 0 || first > last {
			t.Errorf("first page does not list leaves %d down to %d newest first", newest, oldest)
		}
		if strings.Contains(body, `id="leaf-`+itoa(oldest-1)+`"`) || !strings.Contains(body, `href="/audit?before=`+itoa(oldest)+`"`) {
			t.Errorf("first page should stop at leaf %d and link to older records", oldest)
		}
		_, body = b.get("/audit?before=" + itoa(oldest))
		if !strings.Contains(body, `id="leaf-0"`) || !strings.Contains(body, "program.create") {
			t.Errorf("second page does not reach the program's creation at leaf 0")
		}
		if code, _ := b.get("/audit?before=x"); code != http.StatusBadRequest {
			t.Errorf("GET /audit?before=x: %d, want 400", code)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestSignOutEndsTheSession(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.SQLite(t, testClock))
	b := s.signIn(t, "carla", evident.RoleComplianceManager)
	token := b.csrf("/")
	if code, _, _ := b.post("/logout", url.Values{}); code != http.StatusForbidden {
		t.Errorf("sign-out without the CSRF token: %d, want 403", code)
	}
	code, _, loc := b.post("/logout", url.Values{"csrf_token": {token}})
	if code != http.StatusSeeOther || loc != "/login" {
		t.Errorf("sign-out: %d to %q, want 303 to /login", code, loc)
	}
	resp, err := b.c.Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("after sign-out GET /: %d, want a redirect to sign in", resp.StatusCode)
	}
}

// TestAuditFiltersFillTheirPages: the audit trail hides sign-ins unless
// asked, filters by kind prefix, actor and dates in the URL, and a
// filtered page is full (the filter runs in the query, not on a page
// already cut), with pager links that keep the filter.
func TestAuditFiltersFillTheirPages(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		b := s.signIn(t, "carla", evident.RoleComplianceManager)
		ctx := context.Background()
		// 60 notes by alice, each followed by two records by bob: a
		// filter on alice must reach past many pages of bob.
		for i := range 60 {
			err := st.Write(ctx, func(tx *sqlstore.Tx) error {
				if _, err := tx.Audit(ctx, "test.note", "note", "alice@example", map[string]int{"n": i + 1}); err != nil {
					return err
				}
				for range 2 {
					if _, err := tx.Audit(ctx, "test.other", "other", "bob@example", map[string]int{"n": i + 1}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		count := func(body, s string) int { return strings.Count(body, s) }
		_, body := b.get("/audit")
		if strings.Contains(body, "<code>auth.login</code>") {
			t.Errorf("sign-ins shown by default")
		}
		_, body = b.get("/audit?signins=1&kind=auth.")
		if !strings.Contains(body, "<code>auth.login</code>") {
			t.Errorf("sign-ins not shown when asked for")
		}
		_, body = b.get("/audit?actor=alice%40example")
		if n := count(body, "<code>test.note</code>"); n != auditPageSize || count(body, "<code>test.other</code>") != 0 {
			t.Fatalf("alice's first page lists %d of her notes, want a full page of %d and none of bob's", n, auditPageSize)
		}
		older := regexp.MustCompile(`href="(/audit\?actor=alice%40example&amp;before=\d+)">Older`).FindStringSubmatch(body)
		if older == nil {
			t.Fatalf("no Older link keeping the filter")
		}
		_, body = b.get(html.UnescapeString(older[1]))
		if n := count(body, "<code>test.note</code>"); n != 10 {
			t.Errorf("alice's second page lists %d notes, want the other 10", n)
		}
		if !regexp.MustCompile(`href="/audit\?actor=alice%40example&amp;before=\d+">Newer`).MatchString(body) {
			t.Errorf("no Newer link keeping the filter on the second page")
		}
		_, body = b.get("/audit?kind=test.n")
		if count(body, "<code>test.other</code>") != 0 || count(body, "<code>test.note</code>") == 0 {
			t.Errorf("kind prefix filter lists other kinds")
		}
		_, body = b.get("/audit?to=2000-01-01")
		if !strings.Contains(body, "No record matches the filter.") {
			t.Errorf("a period with no record does not say so")
		}
		if code, _ := b.get("/audit?from=yesterday"); code != http.StatusBadRequest {
			t.Errorf("a bad date: %d, want 400", code)
		}
	})
}

// TestAuditLinksItsObjects: a record about an incident links the
// incident's page, and the link opens.
func TestAuditLinksItsObjects(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		_, carla, loc := incidentSite(t, st)
		_, body := carla.get("/audit?kind=incident.")
		if !strings.Contains(body, `href="`+loc+`"`) {
			t.Fatalf("the incident's records do not link %s", loc)
		}
		if code, _ := carla.get(loc); code != 200 {
			t.Errorf("%s: %d", loc, code)
		}
	})
}
