package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

var t0 = time.Date(2026, 7, 1, 9, 30, 0, 0, time.UTC)

const password = "correct horse battery staple"

// site is a small app behind the middleware: a sign-in form, a page that
// shows the CSRF token, and a form that changes state.
type site struct {
	*httptest.Server
	store *sqlstore.Store
	auth  *auth.Auth
	now   time.Time
}

func newSite(t *testing.T, cfg auth.Config) *site {
	t.Helper()
	return newSiteOn(t, cfg, func(now func() time.Time) *sqlstore.Store { return storetest.SQLite(t, now) })
}

// newSiteOn is newSite on the store open returns. A request's X-Test-Peer
// header stands for the client address it comes from.
func newSiteOn(t *testing.T, cfg auth.Config, open func(now func() time.Time) *sqlstore.Store) *site {
	t.Helper()
	s := &site{now: t0}
	clock := func() time.Time { return s.now }
	s.store = open(clock)
	ctx := context.Background()
	if err := s.store.CreateProgram(ctx, evident.Program{Name: "Test TSP", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "root"}); err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.store.CreateUser(ctx, evident.User{Name: "alice", Role: evident.RoleComplianceManager}, hash, "root"); err != nil {
		t.Fatal(err)
	}
	cfg.Store = s.store
	s.auth = auth.New(cfg)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, auth.CSRFToken(r))
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.auth.Login(w, r, r.FormValue("name"), r.FormValue("password"), r.FormValue("code")); err != nil {
			var rl *auth.RateLimitError
			switch {
			case evident.ErrorCode(err) == evident.EFORBIDDEN:
				http.Error(w, err.Error(), http.StatusForbidden)
			case errors.As(err, &rl):
				w.Header().Set("Retry-After", fmt.Sprint(int(rl.RetryAfter.Seconds())))
				http.Error(w, err.Error(), http.StatusTooManyRequests)
			default:
				http.Error(w, err.Error(), http.StatusUnauthorized)
			}
			return
		}
		fmt.Fprint(w, "welcome")
	})
	mux.Handle("POST /change", s.auth.Require(auth.ManageProgram, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := auth.FromContext(r.Context())
		fmt.Fprint(w, "changed by ", p.Actor())
	})))
	mux.Handle("GET /page", s.auth.RequirePage(auth.Read, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "page")
	})))
	mux.Handle("GET /api/read", s.auth.Require(auth.Read, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "read")
	})))
	mux.Handle("GET "+auth.AccountPath, s.auth.RequirePage(auth.Self, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "account")
	})))
	h := s.auth.Middleware(mux)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if peer := r.Header.Get("X-Test-Peer"); peer != "" {
			r.RemoteAddr = peer + ":40000"
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// browser is a client with a cookie jar that does not follow redirects.
func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// signIn fetches a form token and signs alice in; it returns the token
// of the signed-in session.
func (s *site) signIn(t *testing.T, c *http.Client) string {
	t.Helper()
	_, tok := get(t, c, s.URL+"/form")
	resp, body := post(t, c, s.URL+"/login", url.Values{"name": {"alice"}, "password": {password}, auth.CSRFField: {tok}})
	if resp.StatusCode != 200 {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
	}
	_, tok = get(t, c, s.URL+"/form")
	return tok
}

func TestFormPostNeedsTheSessionsCSRFToken(t *testing.T) {
	s := newSite(t, auth.Config{InsecureCookies: true})
	c := browser(t)
	tok := s.signIn(t, c)
	other := browser(t)
	otherTok := s.signIn(t, other)
	for _, tc := range []struct {
		name  string
		form  url.Values
		want  int
		inMsg string
	}{
		{"no token", url.Values{}, 403, "missing CSRF token"},
		{"wrong token", url.Values{auth.CSRFField: {otherChar(tok[0]) + tok[1:]}}, 403, "invalid CSRF token"},
		{"another session's token", url.Values{auth.CSRFField: {otherTok}}, 403, "invalid CSRF token"},
		{"right token", url.Values{auth.CSRFField: {tok}}, 200, "changed by alice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(t, c, s.URL+"/change", tc.form)
			if resp.StatusCode != tc.want || !strings.Contains(body, tc.inMsg) {
				t.Errorf("POST /change: got %d %q, want %d containing %q", resp.StatusCode, body, tc.want, tc.inMsg)
			}
		})
	}
}

func TestCSRFTokenHeaderWorksForScripts(t *testing.T) {
	s := newSite(t, auth.Config{InsecureCookies: true})
	c := browser(t)
	tok := s.signIn(t, c)
	req, _ := http.NewRequest("POST", s.URL+"/change", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(auth.CSRFHeader, tok)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("POST with X-CSRF-Token: got %d, want 200", resp.StatusCode)
	}
}

func TestCrossSiteFormPostIsRefusedEvenWithToken(t *testing.T) {
	s := newSite(t, auth.Config{InsecureCookies: true})
	c := browser(t)
	tok := s.signIn(t, c)
	req, _ := http.NewRequest("POST", s.URL+"/change", strings.NewReader(url.Values{auth.CSRFField: {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("cross-site POST: got %d, want 403", resp.StatusCode)
	}
}

func TestSignInFormNeedsCSRFToken(t *testing.T) {
	s := newSite(t, auth.Config{InsecureCookies: true})
	c := browser(t)
	get(t, c, s.URL+"/form")
	resp, body := post(t, c, s.URL+"/login", url.Values{"name": {"alice"}, "password": {password}})
	if resp.StatusCode != 403 {
		t.Errorf("sign-in without CSRF token: got %d %q, want 403", resp.StatusCode, body)
	}
	if len(resp.Cookies()) > 0 {
		for _, ck := range resp.Cookies() {
			if ck.Name == auth.SessionCookie {
				t.Errorf("a session cookie was set on a refused sign-in")
			}
		}
	}
}

func TestSessionCookieFlags(t *testing.T) {
	s := newSite(t, auth.Config{SessionTTL: 8 * time.Hour})
	c := browser(t)
	// Secure cookies are not sent back over the test's plain HTTP, so the
	// flags are read from the Set-Cookie header of the sign-in itself.
	resp, _ := http.Get(s.URL + "/form")
	var csrf *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "evident_csrf" {
			csrf = ck
		}
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if csrf == nil {
		t.Fatal("no CSRF cookie set")
	}
	req, _ := http.NewRequest("POST", s.URL+"/login", strings.NewReader(url.Values{"name": {"alice"}, "password": {password}, auth.CSRFField: {string(b)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(csrf)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == auth.SessionCookie {
			session = ck
		}
	}
	if session == nil {
		t.Fatalf("sign-in (%d) set no session cookie", resp.StatusCode)
	}
	if !session.Secure || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
		t.Errorf("session cookie Secure=%v HttpOnly=%v SameSite=%v Path=%q, want Secure HttpOnly Lax /", session.Secure, session.HttpOnly, session.SameSite, session.Path)
	}
	if session.MaxAge != 8*3600 {
		t.Errorf("session cookie Max-Age = %d, want %d", session.MaxAge, 8*3600)
	}
	if len(session.Value) < 43 {
		t.Errorf("session id %q is shorter than 256 bits", session.Value)
	}
	if !csrf.HttpOnly || !csrf.Secure || csrf.SameSite != http.SameSiteLaxMode {
		t.Errorf("CSRF cookie flags: %+v", csrf)
	}
	// The cookie value is not what the store keeps.
	var n int
	s.store.Read(context.Background(), func(tx *sqlstore.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM sessions WHERE id_hash = ?`, []byte(session.Value)).Scan(&n)
	})
	if n != 0 {
		t.Error("the session id is stored in clear")
	}
	if _, _, err := s.store.SessionUser(context.Background(), auth.HashSecret(session.Value)); err != nil {
		t.Errorf("session not found by its hash: %v", err)
	}
}

func TestSessionExpires(t *testing.T) {
	s := newSite(t, auth.Config{InsecureCookies: true, SessionTTL: time.Hour})
	c := browser(t)
	s.signIn(t, c)
	if code, _ := get(t, c, s.URL+"/page"); code != 200 {
		t.Fatalf("page right after sign-in: %d", code)
	}
	s.now = t0.Add(time.Hour)
	code, _ := get(t, c, s.URL+"/page")
	if code != http.StatusSeeOther {
		t.Errorf("page after the session's lifetime: got %d, want 303 to sign-in", code)
	}
}

func TestAnonymousPageRedirectsToSignIn(t *testing.T) {
	s := newSite(t, auth.Config{InsecureCookies: true})
	resp, err := browser(t).Get(s.URL + "/page?x=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != "/login?next=%2Fpage%3Fx%3D1" {
		t.Errorf("anonymous page: got %d Location %q", resp.StatusCode, loc)
	}
}

func TestSignInIsRateLimitedPerAccountWithBackoff(t *testing.T) {
	s := newSite(t, auth.Config{InsecureCookies: true, AccountBurst: 3, AccountEvery: time.Minute})
	c := browser(t)
	_, tok := get(t, c, s.URL+"/form")
	try := func(pw string) (int, string) {
		resp, _ := post(t, c, s.URL+"/login", url.Values{"name": {"alice"}, "password": {pw}, auth.CSRFField: {tok}})
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	for i := 0; i < 3; i++ {
		if code, _ := try("wrong password " + fmt.Sprint(i)); code != 401 {
			t.Fatalf("attempt %d: got %d, want 401", i, code)
		}
	}
	// The right password is refused too while the bucket is empty: a
	// guesser must not learn that a guess was right.
	code, retry := try(password)
	if code != 429 || retry != "120" {
		t.Errorf("4th attempt: got %d Retry-After %q, want 429 after 120 s (backoff doubled)", code, retry)
	}
	s.now = t0.Add(90 * time.Second)
	if code, _ := try(password); code != 429 {
		t.Errorf("after 90 s: got %d, want still 429", code)
	}
	s.now = t0.Add(5 * time.Minute)
	if code, _ := try(password); code != 200 {
		t.Errorf("after the wait: got %d, want 200", code)
	}
	// The refused attempts that reached the password check are audited.
	var refused int
	s.store.Read(context.Background(), func(tx *sqlstore.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM ledger_leaves WHERE kind = 'auth.login.refused'`).Scan(&refused)
	})
	// Three wrong passwords and the first refusal of the rate limit.
	if refused != 4 {
		t.Errorf("audited refusals = %d, want 4", refused)
	}
}

func TestSignInIsRateLimitedPerAddress(t *testing.T) {
	s := newSite(t, auth.Config{InsecureCookies: true, AddrBurst: 4, AddrEvery: time.Minute})
	c := browser(t)
	_, tok := get(t, c, s.URL+"/form")
	codes := []int{}
	for i := 0; i < 6; i++ {
		// A different account each time: spraying one password over many
		// names is caught by the address bucket.
		resp, _ := post(t, c, s.URL+"/login", url.Values{"name": {fmt.Sprint("user", i)}, "password": {password}, auth.CSRFField: {tok}})
		codes = append(codes, resp.StatusCode)
	}
	want := []int{401, 401, 401, 401, 429, 429}
	if fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("codes = %v, want %v", codes, want)
	}
}

func TestUnknownUserAndWrongPasswordLookAlike(t *testing.T) {
	s := newSite(t, auth.Config{InsecureCookies: true})
	c := browser(t)
	_, tok := get(t, c, s.URL+"/form")
	_, a := post(t, c, s.URL+"/login", url.Values{"name": {"alice"}, "password": {"wrong password!"}, auth.CSRFField: {tok}})
	_, b := post(t, c, s.URL+"/login", url.Values{"name": {"mallory"}, "password": {"wrong password!"}, auth.CSRFField: {tok}})
	if a != b {
		t.Errorf("refusals differ: %q vs %q", a, b)
	}
}

func TestBearerTokenNeedsNoCSRFAndBadTokenIs401(t *testing.T) {
	s := newSite(t, auth.Config{InsecureCookies: true})
	ctx := context.Background()
	plain, hash := auth.NewToken()
	if _, err := s.store.CreateToken(ctx, sqlstore.APIToken{User: "alice", Name: "ci"}, hash, "root"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		header string
		want   int
		body   string
	}{
		{"Bearer " + plain, 200, "changed by token:alice/ci"},
		{"Bearer " + plain[:len(plain)-1] + otherChar(plain[len(plain)-1]), 401, "unauthorized"},
		{"Basic YWxpY2U6eA==", 401, "unauthorized"},
		{"", 401, "unauthorized"},
	} {
		req, _ := http.NewRequest("POST", s.URL+"/change", nil)
		req.Header.Set("Accept", "application/json")
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want || !strings.Contains(string(b), tc.body) {
			t.Errorf("Authorization %q: got %d %s, want %d with %q", tc.header, resp.StatusCode, b, tc.want, tc.body)
		}
		if tc.want == 401 {
			var e struct{ Error struct{ Code string } }
			if json.Unmarshal(b, &e); e.Error.Code != evident.EUNAUTHORIZED {
				t.Errorf("refusal body %s has no unauthorized code", b)
			}
		}
	}
}

func TestAnonymousUploadIsRefusedBeforeItsBodyIsRead(t *testing.T) {
	s := newSite(t, auth.Config{InsecureCookies: true})
	// The transport writes the body on its own goroutine, which may still
	// be running when Do returns, so the count is shared atomically.
	var read atomic.Int64
	body := readerFunc(func(p []byte) (int, error) {
		if read.Add(int64(len(p))) > 64<<20 {
			return 0, io.EOF
		}
		// Short lines without the boundary: a multipart parser reads
		// them all looking for the first part.
		for i := range p {
			p[i] = 'x'
			if i%64 == 63 {
				p[i] = '\n'
			}
		}
		return len(p), nil
	})
	req, _ := http.NewRequest("POST", s.URL+"/change", body)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=zzz")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("anonymous multipart POST: %d, want 401", resp.StatusCode)
	}
	// Refused at once, the server reads at most a little to keep the
	// connection; parsing the form would have read all 64 MiB.
	if n := read.Load(); n >= 16<<20 {
		t.Errorf("%d bytes of the anonymous body were read before the refusal", n)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// otherChar returns a token character other than c, so a test that
// changes one character of a random secret always changes it.
func otherChar(c byte) string {
	if c == 'x' {
		return "y"
	}
	return "x"
}
