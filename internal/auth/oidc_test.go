package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/coreos/go-oidc/v3/oidc/oidctest"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// provider is a small OpenID Connect provider: discovery and keys from
// oidctest, plus a token endpoint that checks the PKCE verifier against
// the challenge of the authorisation request and signs an ID token for
// the subject the test chose.
type provider struct {
	*httptest.Server
	key *rsa.PrivateKey

	mu        sync.Mutex
	subject   string
	nonce     string // nonce of the last authorisation request
	challenge string
	audience  string
}

func newProvider(t *testing.T) *provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{key: key, audience: "evident"}
	disc := &oidctest.Server{PublicKeys: []oidctest.PublicKey{{PublicKey: key.Public(), KeyID: "k1", Algorithm: oidc.RS256}}}
	mux := http.NewServeMux()
	mux.Handle("/", disc)
	mux.HandleFunc("POST /token", p.token)
	p.Server = httptest.NewServer(mux)
	disc.SetIssuer(p.URL)
	t.Cleanup(p.Close)
	return p
}

// authorize plays the provider's sign-in page: it reads the request the
// browser was sent with and answers with a code, as after a good sign-in.
func (p *provider) authorize(t *testing.T, location string) (state string) {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil || !strings.HasPrefix(location, p.URL+"/auth") {
		t.Fatalf("sign-in sent the browser to %q, not the provider", location)
	}
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || q.Get("state") == "" {
		t.Errorf("authorisation request lacks PKCE, nonce or state: %s", u.RawQuery)
	}
	p.mu.Lock()
	p.nonce, p.challenge = q.Get("nonce"), q.Get("code_challenge")
	p.mu.Unlock()
	return q.Get("state")
}

func (p *provider) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	p.mu.Lock()
	defer p.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != p.challenge || r.PostForm.Get("code") != "good-code" {
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		return
	}
	claims, _ := json.Marshal(map[string]any{
		"iss": p.URL, "aud": p.audience, "sub": p.subject, "nonce": p.nonce,
		"iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix(),
	})
	idt := oidctest.SignIDToken(p.key, "k1", oidc.RS256, string(claims))
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":"at","token_type":"Bearer","expires_in":3600,"id_token":%q}`, idt)
}

// oidcSite is a site with OIDC sign-in switched on.
func oidcSite(t *testing.T, p *provider) *site {
	t.Helper()
	s := newSite(t, auth.Config{InsecureCookies: true})
	if err := s.auth.EnableOIDC(context.Background(), auth.OIDCConfig{Issuer: p.URL, ClientID: "evident", ClientSecret: "s", RedirectURL: s.URL + auth.OIDCCallbackPath}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+auth.OIDCLoginPath, s.auth.OIDCLogin())
	mux.Handle("GET "+auth.OIDCCallbackPath, s.auth.OIDCCallback())
	mux.Handle("GET /whoami", s.auth.Require(auth.Read, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pr, _ := auth.FromContext(r.Context())
		fmt.Fprint(w, pr.User.Name)
	})))
	s.Config.Handler = s.auth.Middleware(mux)
	return s
}

// signInOIDC runs the flow with the given code and returns the callback's
// status and the page it sends the browser to.
func signInOIDC(t *testing.T, s *site, p *provider, c *http.Client, code string, tamperState bool) (int, string) {
	t.Helper()
	resp, err := c.Get(s.URL + auth.OIDCLoginPath + "?next=/evidence")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	state := p.authorize(t, resp.Header.Get("Location"))
	if tamperState {
		// Another character in the first place, always: the state is
		// random, and one in 64 starts with whatever a fixed one would be.
		first := "x"
		if state[0] == 'x' {
			first = "y"
		}
		state = first + state[1:]
	}
	resp, err = c.Get(s.URL + auth.OIDCCallbackPath + "?" + url.Values{"code": {code}, "state": {state}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

func TestOIDCSignInForALinkedUser(t *testing.T) {
	p := newProvider(t)
	s := oidcSite(t, p)
	subject := p.URL + " 248289761001"
	if err := s.store.CreateUser(context.Background(), evident.User{Name: "olivia", Role: evident.RoleAssessor, PeriodFrom: t0.AddDate(-1, 0, 0), PeriodTo: t0, OIDCSubject: subject}, "", "root"); err != nil {
		t.Fatal(err)
	}
	p.subject = "248289761001"
	c := browser(t)
	code, next := signInOIDC(t, s, p, c, "good-code", false)
	if code != http.StatusSeeOther || next != "/evidence" {
		t.Fatalf("callback: %d to %q, want 303 to /evidence", code, next)
	}
	if code, body := get(t, c, s.URL+"/whoami"); code != 200 || body != "olivia" {
		t.Errorf("after OIDC sign-in: %d %q", code, body)
	}
	var method string
	s.store.Read(context.Background(), func(tx *sqlstore.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT method FROM sessions WHERE user_name = 'olivia'`).Scan(&method)
	})
	if method != "oidc" {
		t.Errorf("session method %q, want oidc", method)
	}
}

func TestOIDCRefusesUnlinkedIdentityBadStateAndBadCode(t *testing.T) {
	p := newProvider(t)
	s := oidcSite(t, p)
	if err := s.store.CreateUser(context.Background(), evident.User{Name: "olivia", Role: evident.RoleAdmin, OIDCSubject: p.URL + " 1"}, "", "root"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, subject, code string
		tamper              bool
		want                int
	}{
		{"unlinked identity", "2", "good-code", false, http.StatusForbidden},
		{"state from another flow", "1", "good-code", true, http.StatusUnauthorized},
		{"code the provider refuses", "1", "bad-code", false, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.subject = tc.subject
			c := browser(t)
			code, _ := signInOIDC(t, s, p, c, tc.code, tc.tamper)
			if code != tc.want {
				t.Errorf("callback: %d, want %d", code, tc.want)
			}
			if code, _ := get(t, c, s.URL+"/whoami"); code != http.StatusUnauthorized {
				t.Errorf("signed in after a refused callback: %d", code)
			}
		})
	}
	var refused int
	s.store.Read(context.Background(), func(tx *sqlstore.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM ledger_leaves WHERE kind = 'auth.login.refused'`).Scan(&refused)
	})
	if refused != 1 {
		t.Errorf("audited refusals: %d, want 1 (the unlinked identity)", refused)
	}
}

func TestOIDCOpenRedirectIsRefused(t *testing.T) {
	p := newProvider(t)
	s := oidcSite(t, p)
	if err := s.store.CreateUser(context.Background(), evident.User{Name: "olivia", Role: evident.RoleAdmin, OIDCSubject: p.URL + " 1"}, "", "root"); err != nil {
		t.Fatal(err)
	}
	p.subject = "1"
	c := browser(t)
	resp, err := c.Get(s.URL + auth.OIDCLoginPath + "?next=//evil.example/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	state := p.authorize(t, resp.Header.Get("Location"))
	resp, err = c.Get(s.URL + auth.OIDCCallbackPath + "?" + url.Values{"code": {"good-code"}, "state": {state}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Errorf("after sign-in with next=//evil.example/: sent to %q, want /", loc)
	}
}
