package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// totpAt is the code an authenticator app shows at t.
func totpAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var (
	secretOnPage   = regexp.MustCompile(`id="mfa-secret">([A-Z2-7]+)<`)
	recoveryOnPage = regexp.MustCompile(`<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code></li>`)
)

// login posts the sign-in form as name with a second factor code.
func (b *browser) login(name, code string) (int, string, string) {
	b.t.Helper()
	return b.post("/login", url.Values{"csrf_token": {b.csrf("/login")}, "name": {name}, "password": {testPassword}, "code": {code}, "next": {"/"}})
}

// TestApproverEnrolsThenCannotSignInWithoutTheCode walks a management
// approver through the browser: the first sign-in leads only to
// enrolment; once enrolled, the password alone is refused and the
// password with a code, or with a recovery code, signs in.
func TestApproverEnrolsThenCannotSignInWithoutTheCode(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		s.addUser(t, evident.User{Name: "mira", Role: evident.RoleApprover})
		b := s.browser(t)
		if code, _, loc := b.login("mira", ""); code != http.StatusSeeOther || loc != "/" {
			t.Fatalf("first sign-in: %d to %q, want 303 to /", code, loc)
		}
		resp, err := b.c.Get(s.URL + "/risks")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
			t.Fatalf("GET /risks before enrolling: %d to %q, want 303 to /account", resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, page := b.get("/account"); !strings.Contains(page, `id="mfa-required"`) || strings.Contains(page, `href="/risks"`) {
			t.Errorf("the account page does not say the role requires a second factor, or offers pages it may not use")
		}
		_, page, _ := b.post("/account/mfa", url.Values{"csrf_token": {b.csrf("/account")}})
		m := secretOnPage.FindStringSubmatch(page)
		if m == nil || !strings.Contains(html.UnescapeString(page), "otpauth://totp/Evident:mira?") {
			t.Fatalf("enrolment page shows no secret and otpauth URI:\n%.2000s", page)
		}
		secret := m[1]
		code, page, _ := b.post("/account/mfa/confirm", url.Values{"csrf_token": {b.csrf("/account")}, "code": {"000000"}})
		if code != http.StatusBadRequest || !strings.Contains(page, `id="mfa-error"`) || !strings.Contains(page, secret) {
			t.Errorf("wrong first code: %d, want 400 with the error and the same secret again", code)
		}
		code, page, _ = b.post("/account/mfa/confirm", url.Values{"csrf_token": {b.csrf("/account")}, "code": {totpAt(t, secret, testNow)}})
		codes := recoveryOnPage.FindAllStringSubmatch(page, -1)
		if code != http.StatusOK || len(codes) != 10 {
			t.Fatalf("confirm: %d with %d recovery codes, want 200 with 10", code, len(codes))
		}
		if code, _ := b.get("/risks"); code != http.StatusOK {
			t.Errorf("GET /risks once enrolled: %d, want 200", code)
		}
		if _, page := b.get("/account"); strings.Contains(page, codes[0][1]) || !strings.Contains(page, "10 recovery codes left") {
			t.Errorf("the account page shows recovery codes again, or not how many are left")
		}

		other := s.browser(t)
		code, page, _ = other.login("mira", "")
		if code != http.StatusUnauthorized || !strings.Contains(page, "second factor") {
			t.Errorf("password alone: %d, want 401 asking for the second factor", code)
		}
		if code, _ := other.get("/risks"); code != http.StatusSeeOther {
			t.Errorf("after the refused sign-in GET /risks: %d, want 303 to sign in", code)
		}
		// The enrolment spent the current step; the next one (one step
		// of skew) signs in.
		if code, _, loc := other.login("mira", totpAt(t, secret, testNow.Add(30*time.Second))); code != http.StatusSeeOther || loc != "/" {
			t.Errorf("password and code: %d to %q, want 303 to /", code, loc)
		}
		if code, _ := other.get("/risks"); code != http.StatusOK {
			t.Errorf("signed in with the code: GET /risks %d, want 200", code)
		}
		third := s.browser(t)
		if code, _, loc := third.login("mira", codes[0][1]); code != http.StatusSeeOther || loc != "/" {
			t.Errorf("password and recovery code: %d to %q, want 303 to /", code, loc)
		}
		if code, _, _ := s.browser(t).login("mira", codes[0][1]); code != http.StatusUnauthorized {
			t.Errorf("a recovery code used twice: %d, want 401", code)
		}
	})
}
