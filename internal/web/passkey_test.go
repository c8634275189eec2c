package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// passkeyPost posts JSON to a passkey endpoint as the page's script does,
// to the server reached as host, and decodes the JSON answer.
func (b *browser) passkeyPost(path, host, csrf, contentType, body string) (int, map[string]any) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.s.URL+path, strings.NewReader(body))
	req.Host = host
	req.Header.Set("Content-Type", contentType)
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil && resp.StatusCode != http.StatusUnauthorized {
		b.t.Fatalf("POST %s: %d, not JSON: %v", path, resp.StatusCode, err)
	}
	return resp.StatusCode, out
}

// csrfAt reads the sign-in page's CSRF token with the server reached as
// host (the cookie jar keys cookies on the Host header).
func (b *browser) csrfAt(host string) string {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.s.URL+"/login", nil)
	req.Host = host
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := csrfField.FindStringSubmatch(string(body))
	if resp.StatusCode != http.StatusOK || m == nil {
		b.t.Fatalf("GET /login at %s: %d, no CSRF token", host, resp.StatusCode)
	}
	return m[1]
}

// TestPasskeySignInRefusesWhatIsNotAnAnswer: the options ask for a
// verified user on this host; a malformed answer, an answer without a
// ceremony, a request without the CSRF token or not JSON, and a server
// reached by IP address are refused with a JSON error naming the problem.
// The ceremony with a real device is the browser test's (e2e).
func TestPasskeySignInRefusesWhatIsNotAnAnswer(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		b := s.browser(t)
		u, _ := url.Parse(s.URL)
		host := "localhost:" + u.Port()
		csrf := b.csrfAt(host)
		code, opts := b.passkeyPost("/login/passkey/options", host, csrf, "application/json", "{}")
		pk, _ := opts["publicKey"].(map[string]any)
		if code != http.StatusOK || pk == nil || pk["rpId"] != "localhost" || pk["userVerification"] != "required" || pk["challenge"] == "" {
			t.Fatalf("options: %d %v; want 200 with rpId localhost and userVerification required", code, opts)
		}
		code, out := b.passkeyPost("/login/passkey", host, csrf, "application/json", `{"credential":{"id":"x","type":"public-key"}}`)
		if code != http.StatusBadRequest || !strings.Contains(out["error"].(string), "not a WebAuthn sign-in answer") {
			t.Errorf("a malformed answer: %d %v, want 400 naming it", code, out)
		}
		code, out = b.passkeyPost("/login/passkey", host, csrf, "application/json", `{"credential":{}}`)
		if code != http.StatusConflict || !strings.Contains(out["error"].(string), "no passkey ceremony") {
			t.Errorf("an answer after the ceremony was used: %d %v, want 409", code, out)
		}
		if code, out = b.passkeyPost("/login/passkey/options", host, "", "application/json", "{}"); code != http.StatusForbidden {
			t.Errorf("without the CSRF token: %d %v, want 403", code, out)
		}
		if code, out = b.passkeyPost("/login/passkey/options", host, csrf, "text/plain", "{}"); code != http.StatusBadRequest {
			t.Errorf("not JSON: %d %v, want 400", code, out)
		}
		code, out = b.passkeyPost("/login/passkey/options", u.Host, b.csrfAt(u.Host), "application/json", "{}")
		if code != http.StatusBadRequest || !strings.Contains(out["error"].(string), "localhost") {
			t.Errorf("reached by IP address: %d %v, want 400 saying to use localhost or a name", code, out)
		}
		if code, out = b.passkeyPost("/account/passkeys/options", host, csrf, "application/json", "{}"); code != http.StatusUnauthorized {
			t.Errorf("adding a passkey signed out: %d %v, want 401", code, out)
		}
	})
}
