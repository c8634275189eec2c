package auth_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// codeAt is what an authenticator app shows at t.
func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// addApprover adds a management approver with the test password: a role
// that must use a second factor by default.
func (s *site) addApprover(t *testing.T, name string) {
	t.Helper()
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.store.CreateUser(context.Background(), evident.User{Name: name, Role: evident.RoleApprover}, hash, "root"); err != nil {
		t.Fatal(err)
	}
}

// login posts the sign-in form from a fresh page of c.
func (s *site) login(t *testing.T, c *http.Client, name, code string) (int, string) {
	t.Helper()
	_, tok := get(t, c, s.URL+"/form")
	resp, body := post(t, c, s.URL+"/login", url.Values{"name": {name}, "password": {password}, "code": {code}, auth.CSRFField: {tok}})
	return resp.StatusCode, body
}

// enrol takes name through enrolment at the site's clock and returns
// the secret and the recovery codes.
func (s *site) enrol(t *testing.T, name string) (string, []string) {
	t.Helper()
	ctx := context.Background()
	e, err := s.auth.BeginMFA(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.URI, "otpauth://totp/") || !strings.Contains(e.URI, "secret="+e.Secret) {
		t.Errorf("enrolment URI %q: want an otpauth://totp/ URI with the secret", e.URI)
	}
	codes, err := s.auth.ConfirmMFA(ctx, name, "192.0.2.1", codeAt(t, e.Secret, s.now))
	if err != nil {
		t.Fatal(err)
	}
	return e.Secret, codes
}

// leafWith reports whether a leaf of kind about ref holds text.
func leafWith(t *testing.T, st *sqlstore.Store, kind, ref, text string) bool {
	t.Helper()
	found := false
	err := st.Read(context.Background(), func(tx *sqlstore.Tx) error {
		n, err := tx.LedgerSize(context.Background())
		if err != nil {
			return err
		}
		leaves, err := tx.LedgerLeaves(context.Background(), 0, n)
		for _, l := range leaves {
			if l.Kind == kind && l.Ref == ref && strings.Contains(string(l.Data), text) {
				found = true
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// eachSite runs fn against a site on SQLite and on PostgreSQL, the
// store's clock being the site's, which the test moves.
func eachSite(t *testing.T, fn func(t *testing.T, s *site)) {
	var cur *site
	clock := func() time.Time {
		if cur == nil {
			return t0
		}
		return cur.now
	}
	storetest.Each(t, clock, func(t *testing.T, st *sqlstore.Store) {
		cur = nil
		cur = newSiteOn(t, auth.Config{InsecureCookies: true}, func(func() time.Time) *sqlstore.Store { return st })
		fn(t, cur)
	})
}

func TestApproverWithoutEnrolmentMayOnlyEnrol(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		s.addApprover(t, "ada")
		c := browser(t)
		if code, body := s.login(t, c, "ada", ""); code != 200 {
			t.Fatalf("first sign-in with the password: got %d %s, want 200 (to enrol)", code, body)
		}
		resp, err := c.Get(s.URL + "/page")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != auth.AccountPath {
			t.Errorf("GET /page before enrolling: got %d to %q, want 303 to %s", resp.StatusCode, resp.Header.Get("Location"), auth.AccountPath)
		}
		if code, body := get(t, c, s.URL+"/api/read"); code != 403 || !strings.Contains(body, "second factor") {
			t.Errorf("API read before enrolling: got %d %s, want 403 naming the second factor", code, body)
		}
		if code, body := get(t, c, s.URL+auth.AccountPath); code != 200 || body != "account" {
			t.Errorf("own page before enrolling: got %d %s, want 200", code, body)
		}
		s.enrol(t, "ada")
		if code, body := get(t, c, s.URL+"/api/read"); code != 200 {
			t.Errorf("API read after enrolling in this session: got %d %s, want 200", code, body)
		}
		if !leafWith(t, s.store, "user.mfa.enrol", "ada", `"recovery_codes":10`) {
			t.Errorf("no user.mfa.enrol leaf for ada with 10 recovery codes")
		}
	})
}

func TestEnrolledApproverNeedsTheCode(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		s.addApprover(t, "ada")
		secret, _ := s.enrol(t, "ada")
		c := browser(t)
		if code, body := s.login(t, c, "ada", ""); code != 401 || !strings.Contains(body, "second factor") {
			t.Errorf("password alone: got %d %s, want 401 asking for the second factor", code, body)
		}
		if code, _ := get(t, c, s.URL+"/api/read"); code != 401 {
			t.Errorf("API read after a refused sign-in: got %d, want 401", code)
		}
		if code, body := s.login(t, c, "ada", "000000"); code != 401 || !strings.Contains(body, "wrong or already used") {
			t.Errorf("wrong code: got %d %s, want 401", code, body)
		}
		// The enrolment spent the current step: its code is refused.
		if code, body := s.login(t, c, "ada", codeAt(t, secret, s.now)); code != 401 {
			t.Errorf("code of the step enrolment used: got %d %s, want 401", code, body)
		}
		s.now = s.now.Add(30 * time.Second)
		if code, body := s.login(t, c, "ada", codeAt(t, secret, s.now)); code != 200 {
			t.Fatalf("password and code: got %d %s, want 200", code, body)
		}
		if code, body := get(t, c, s.URL+"/api/read"); code != 200 {
			t.Errorf("API read after signing in: got %d %s, want 200", code, body)
		}
		if !leafWith(t, s.store, "auth.login", "ada", `"method":"password+totp"`) {
			t.Errorf("no auth.login leaf with method password+totp")
		}
		if !leafWith(t, s.store, "auth.login.refused", "ada", `"reason":"no second factor"`) {
			t.Errorf("the refused password-only sign-in is not in the log")
		}
	})
}

func TestTOTPAllowsOneStepOfSkewAndRefusesReplay(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		s.addApprover(t, "ada")
		secret, _ := s.enrol(t, "ada")
		s.now = s.now.Add(5 * time.Minute)
		for _, tc := range []struct {
			name string
			at   time.Duration
			want int
		}{
			{"two steps behind", -60 * time.Second, 401},
			{"one step behind", -30 * time.Second, 200},
			{"the same code again", -30 * time.Second, 401},
			{"current step", 0, 200},
			{"current step replayed", 0, 401},
			{"one step ahead", 30 * time.Second, 200},
			{"two steps ahead", 60 * time.Second, 401},
		} {
			code, body := s.login(t, browser(t), "ada", codeAt(t, secret, s.now.Add(tc.at)))
			if code != tc.want {
				t.Errorf("%s: got %d %s, want %d", tc.name, code, body, tc.want)
			}
		}
		if !leafWith(t, s.store, "auth.login.refused", "ada", `"reason":"second factor already used"`) {
			t.Errorf("no refusal naming the replayed code in the log")
		}
	})
}

func TestRecoveryCodeIsSpentOnce(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		s.addApprover(t, "ada")
		_, codes := s.enrol(t, "ada")
		if len(codes) != auth.RecoveryCodes {
			t.Fatalf("got %d recovery codes, want %d", len(codes), auth.RecoveryCodes)
		}
		if code, body := s.login(t, browser(t), "ada", codes[3]); code != 200 {
			t.Fatalf("recovery code: got %d %s, want 200", code, body)
		}
		if code, _ := s.login(t, browser(t), "ada", codes[3]); code != 401 {
			t.Errorf("the same recovery code again: got %d, want 401", code)
		}
		// Typed without dashes and in capitals, the next one still works.
		typed := strings.ToUpper(strings.ReplaceAll(codes[4], "-", ""))
		if code, body := s.login(t, browser(t), "ada", typed); code != 200 {
			t.Errorf("recovery code typed as %q: got %d %s, want 200", typed, code, body)
		}
		m, err := s.store.UserMFA(context.Background(), "ada")
		if err != nil {
			t.Fatal(err)
		}
		if m.RecoveryLeft != auth.RecoveryCodes-2 {
			t.Errorf("recovery codes left: got %d, want %d", m.RecoveryLeft, auth.RecoveryCodes-2)
		}
		if !leafWith(t, s.store, "auth.login.refused", "ada", `"reason":"wrong or spent recovery code"`) {
			t.Errorf("the spent recovery code's refusal is not in the log with its reason")
		}
		if !leafWith(t, s.store, "user.mfa.recovery", "ada", `"left":8`) {
			t.Errorf("no user.mfa.recovery leaf saying 8 are left")
		}
		if !leafWith(t, s.store, "auth.login", "ada", `"method":"password+recovery"`) {
			t.Errorf("no auth.login leaf with method password+recovery")
		}
	})
}

func TestAdminResetEndsSessionsAndAsksForEnrolmentAgain(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		s.addApprover(t, "ada")
		secret, _ := s.enrol(t, "ada")
		s.now = s.now.Add(time.Minute)
		c := browser(t)
		if code, body := s.login(t, c, "ada", codeAt(t, secret, s.now)); code != 200 {
			t.Fatalf("sign-in: got %d %s", code, body)
		}
		if err := s.store.ResetMFA(context.Background(), "ada", "root"); err != nil {
			t.Fatal(err)
		}
		if code, _ := get(t, c, s.URL+"/api/read"); code != 401 {
			t.Errorf("the session after a reset: got %d, want 401 (ended)", code)
		}
		if err := s.store.ResetMFA(context.Background(), "ada", "root"); evident.ErrorCode(err) != evident.ECONFLICT {
			t.Errorf("second reset: got %v, want ECONFLICT", err)
		}
		// The old secret is gone: its code is not asked for, and the
		// session that follows may only enrol again.
		if code, body := s.login(t, c, "ada", ""); code != 200 {
			t.Fatalf("sign-in after reset: got %d %s", code, body)
		}
		if code, _ := get(t, c, s.URL+"/api/read"); code != 403 {
			t.Errorf("API read before enrolling again: got %d, want 403", code)
		}
		if !leafWith(t, s.store, "user.mfa.reset", "ada", `"name":"ada"`) {
			t.Errorf("no user.mfa.reset leaf")
		}
	})
}

func TestWrongCodesAreRateLimitedLikePasswords(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		s.addApprover(t, "ada")
		s.enrol(t, "ada")
		c := browser(t)
		last := 0
		for range 6 {
			last, _ = s.login(t, c, "ada", "123456")
		}
		if last != 429 {
			t.Errorf("sixth wrong code in a row: got %d, want 429", last)
		}
	})
}

func TestRoleRuleDecidesWhoMustEnrol(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		c := browser(t)
		s.signIn(t, c) // alice, a compliance manager: not required by default
		if code, _ := get(t, c, s.URL+"/api/read"); code != 200 {
			t.Fatalf("compliance manager without a second factor: got %d, want 200", code)
		}
		if err := s.store.SetMFARequired(context.Background(), evident.RoleComplianceManager, true, "root"); err != nil {
			t.Fatal(err)
		}
		if code, _ := get(t, c, s.URL+"/api/read"); code != 403 {
			t.Errorf("once the role requires it: got %d, want 403 until enrolled", code)
		}
		if err := s.store.SetMFARequired(context.Background(), "auditor", true, "root"); evident.ErrorCode(err) != evident.EINVALID {
			t.Errorf("unknown role: got %v, want EINVALID", err)
		}
		roles, err := s.store.MFARoles(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !roles[evident.RoleAdmin] || !roles[evident.RoleApprover] || !roles[evident.RoleComplianceManager] || roles[evident.RoleAssessor] {
			t.Errorf("roles requiring a second factor: got %v", roles)
		}
	})
}
