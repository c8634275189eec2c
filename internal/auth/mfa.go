package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// A second factor for password sign-in: TOTP (RFC 6238: 30 s steps, six
// digits, SHA-1, which is what authenticator apps implement) and one-time
// recovery codes. The password is checked first; the code only after
// it, under the same rate limits, so guessing a code costs as much as
// guessing a password.

// AccountPath is the signed-in user's own page, where they enrol. A
// session that must enrol first may reach it and nothing else but
// sign-out.
const AccountPath = "/account"

// RecoveryCodes is how many recovery codes enrolment issues.
const RecoveryCodes = 10

// totpOpts are the TOTP parameters; Skew is applied by matchTOTP, which
// also needs to know which step matched.
var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Enrolment is a secret waiting for its first code: shown once to the
// user as text and as an otpauth:// URI for an authenticator app.
type Enrolment struct {
	Secret string
	URI    string
}

// BeginMFA makes a new TOTP secret for user and keeps it until a first
// valid code confirms it (ConfirmMFA). Beginning again replaces it.
func (a *Auth) BeginMFA(ctx context.Context, user string) (Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Evident", AccountName: user, Rand: rand.Reader})
	if err != nil {
		return Enrolment{}, err
	}
	if err := a.cfg.Store.BeginMFA(ctx, user, key.Secret()); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URI: key.String()}, nil
}

// PendingMFA returns the enrolment user began and has not confirmed, so
// a page can show it again after a mistyped code; ok is false when there
// is none.
func (a *Auth) PendingMFA(ctx context.Context, user string) (e Enrolment, ok bool, err error) {
	m, err := a.cfg.Store.UserMFA(ctx, user)
	if err != nil || m.Secret == "" || m.Enrolled() {
		return Enrolment{}, false, err
	}
	q := url.Values{"secret": {m.Secret}, "issuer": {"Evident"}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/Evident:" + user, RawQuery: q.Encode()}
	return Enrolment{Secret: m.Secret, URI: u.String()}, true, nil
}

// ClientAddr is the request's client address as the rate limits key it.
func ClientAddr(r *http.Request) string { return clientAddr(r) }

// ConfirmMFA enrols user once code is valid for the secret BeginMFA made,
// and returns the recovery codes, which are shown this once and kept only
// as hashes. Wrong codes are rate-limited like passwords.
func (a *Auth) ConfirmMFA(ctx context.Context, user, ip, code string) ([]string, error) {
	now := a.cfg.Store.Now()
	key := user + "\x00" + ip
	if ok, wait, _ := a.accounts.take(key, now); !ok {
		return nil, rateLimited(wait)
	}
	m, err := a.cfg.Store.UserMFA(ctx, user)
	if err != nil {
		return nil, err
	}
	if m.Secret == "" || m.Enrolled() {
		return nil, evident.Errorf(evident.ECONFLICT, "no enrolment in progress: start it again")
	}
	step, ok := matchTOTP(m.Secret, code, now)
	if !ok {
		return nil, evident.ErrorAt(evident.EINVALID, "code", "the code does not match: check the authenticator app's clock and type the code it shows now")
	}
	codes := make([]string, RecoveryCodes)
	hashes := make([][]byte, RecoveryCodes)
	for i := range codes {
		codes[i] = newRecoveryCode()
		hashes[i] = recoveryHash(user, codes[i])
	}
	if err := a.cfg.Store.ConfirmMFA(ctx, user, m.Secret, step, hashes); err != nil {
		return nil, err
	}
	a.accounts.forgive(key)
	return codes, nil
}

// matchTOTP finds the step whose code is code, allowing one step of clock
// skew either way. Every candidate is compared, in constant time, so the
// answer's timing does not say which step was close.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	code = strings.TrimSpace(code)
	var step int64
	found := false
	for _, d := range []int64{-1, 0, 1} {
		t := now.Add(time.Duration(d) * 30 * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && !found {
			step, found = t.Unix()/30, true
		}
	}
	return step, found
}

// proofOf turns what the user typed into a second factor: six digits are
// a TOTP code, anything else a recovery code. ok is false for a code that
// matches nothing; a recovery code is checked by the store, which holds
// the hashes.
func proofOf(m sqlstore.MFA, user, code string, now time.Time) (sqlstore.MFAProof, bool) {
	code = strings.TrimSpace(code)
	if len(code) == 6 && strings.Trim(code, "0123456789") == "" {
		step, ok := matchTOTP(m.Secret, code, now)
		return sqlstore.MFAProof{Step: step}, ok
	}
	return sqlstore.MFAProof{RecoveryHash: recoveryHash(user, code)}, code != ""
}

// recoveryEncoding leaves out the characters people confuse: l, o, 0, 1.
var recoveryEncoding = base32.NewEncoding("abcdefghijkmnpqrstuvwxyz23456789").WithPadding(base32.NoPadding)

// newRecoveryCode returns 80 random bits as four groups of four
// characters: too many to guess online or, salted with the user name,
// to search offline from a copy of the hashes.
func newRecoveryCode() string {
	b := make([]byte, 10)
	rand.Read(b)
	s := recoveryEncoding.EncodeToString(b)
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

// recoveryHash is what the store keeps of a recovery code: typed with or
// without dashes and spaces, in either case, it hashes the same.
func recoveryHash(user, code string) []byte {
	norm := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(code))
	h := sha256.Sum256([]byte("evident mfa recovery v1\x00" + user + "\x00" + norm))
	return h[:]
}
