package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Cookie names. Both cookies are HttpOnly: no script needs them, and an
// injected one must not read them.
const (
	SessionCookie = "evident_session"
	csrfCookie    = "evident_csrf"
)

// Config is what Auth needs; zero values get the defaults below.
type Config struct {
	Store  *sqlstore.Store
	Logger *slog.Logger
	// SessionTTL is how long a session lasts from sign-in; default 12 h,
	// a working day, so a forgotten browser does not stay signed in.
	SessionTTL time.Duration
	// InsecureCookies drops the Secure flag, for a server reached over
	// plain HTTP on something other than localhost (browsers accept
	// Secure cookies from http://localhost and http://127.0.0.1).
	InsecureCookies bool
	// PublicURL is the origin browsers reach the server at
	// (https://evident.example.org), which passkeys are bound to; empty
	// takes the origin of each request.
	PublicURL string
	// AccountBurst/AccountEvery and AddrBurst/AddrEvery tune sign-in rate
	// limiting; defaults 5 attempts then one a minute per account, 20
	// then one every 10 s per client address, each slowing on refusal.
	AccountBurst int
	AccountEvery time.Duration
	AddrBurst    int
	AddrEvery    time.Duration
}

// Auth authenticates requests and signs users in and out.
type Auth struct {
	cfg      Config
	accounts *limiter
	addrs    *limiter
	origin   *http.CrossOriginProtection
	oidc     *oidcClient // nil unless EnableOIDC succeeded
}

// New returns an Auth for cfg.
func New(cfg Config) *Auth {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.AccountBurst == 0 {
		cfg.AccountBurst, cfg.AccountEvery = 5, time.Minute
	}
	if cfg.AddrBurst == 0 {
		cfg.AddrBurst, cfg.AddrEvery = 20, 10*time.Second
	}
	a := &Auth{
		cfg:      cfg,
		accounts: newLimiter(cfg.AccountBurst, cfg.AccountEvery),
		addrs:    newLimiter(cfg.AddrBurst, cfg.AddrEvery),
		origin:   http.NewCrossOriginProtection(),
	}
	a.origin.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.deny(w, r, evident.Errorf(evident.EFORBIDDEN, "cross-origin request refused"))
	}))
	return a
}

// RateLimitError is a sign-in refused because of too many attempts. It
// carries when to try again; the HTTP layer answers 429 with Retry-After.
type RateLimitError struct {
	RetryAfter time.Duration
	err        *evident.Error
}

func (e *RateLimitError) Error() string { return e.err.Error() }

// Unwrap makes the code EUNAUTHORIZED for code-based handling.
func (e *RateLimitError) Unwrap() error { return e.err }

func rateLimited(wait time.Duration) error {
	secs := int(wait.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return &RateLimitError{RetryAfter: time.Duration(secs) * time.Second,
		err: evident.Errorf(evident.EUNAUTHORIZED, "too many sign-in attempts: try again in %d s", secs)}
}

// errBadCredentials is the one refusal for a wrong name or password, so
// the answer does not reveal which names exist.
var errBadCredentials = evident.Errorf(evident.EUNAUTHORIZED, "wrong user name or password")

// errNeedCode refuses a right password without the second factor its
// user enrolled.
var errNeedCode = evident.ErrorAt(evident.EUNAUTHORIZED, "code", "this account signs in with a second factor: enter the code from the authenticator app, or a recovery code")

// errBadCode refuses a wrong or spent second factor.
var errBadCode = evident.ErrorAt(evident.EUNAUTHORIZED, "code", "wrong or already used authenticator code or recovery code")

// Login checks name and password and, when they match, the second factor
// code of a user who enrolled one (a TOTP code or a recovery code, which
// is then spent), then starts a session and sets its cookie on w.
// Attempts are rate-limited per client address and per account before
// the password is even hashed, a wrong code counts as a wrong password,
// and every outcome is in the audit trail. This is the one password
// sign-in: the web form calls it, and API clients that use a session
// sign in through that form.
func (a *Auth) Login(w http.ResponseWriter, r *http.Request, name, password, code string) (evident.User, error) {
	ctx := r.Context()
	if err := CheckCSRF(r); err != nil {
		return evident.User{}, err
	}
	now := a.cfg.Store.Now()
	ip := clientAddr(r)
	if len(name) > 64 {
		name = name[:64]
	}
	if ok, wait, first := a.addrs.take(ip, now); !ok {
		return evident.User{}, a.limited(ctx, name, ip, wait, first)
	}
	// The account's bucket is per client: failures from elsewhere must
	// not lock the account holder out (a denial of service needing only
	// their user name); the address bucket bounds each client's guesses
	// over all accounts.
	key := name + "\x00" + ip
	if ok, wait, first := a.accounts.take(key, now); !ok {
		return evident.User{}, a.limited(ctx, name, ip, wait, first)
	}
	u, hash, err := a.cfg.Store.UserCredentials(ctx, name)
	reason := ""
	switch {
	case evident.ErrorCode(err) == evident.ENOTFOUND:
		CheckPassword(dummyHash, password)
		reason = "unknown user"
	case err != nil:
		return evident.User{}, err
	case u.Disabled:
		CheckPassword(dummyHash, password)
		reason = "user disabled"
	case hash == "":
		CheckPassword(dummyHash, password)
		reason = "user has no password"
	default:
		ok, err := CheckPassword(hash, password)
		if err != nil {
			return evident.User{}, fmt.Errorf("user %s: %w", name, err)
		}
		if !ok {
			reason = "wrong password"
		}
	}
	if reason != "" {
		if err := a.refused(ctx, name, ip, reason); err != nil {
			return evident.User{}, err
		}
		return evident.User{}, errBadCredentials
	}
	proof, reason, err := a.secondFactor(ctx, name, code, now)
	if err != nil {
		return evident.User{}, err
	}
	if reason == "" {
		err = a.startSession(ctx, w, r, u, "password", proof)
		if evident.ErrorCode(err) != evident.EUNAUTHORIZED {
			if err == nil {
				a.accounts.forgive(key)
			}
			return u, err
		}
		// The store refused the factor: a TOTP step already accepted, or
		// a recovery code that is not (or no longer) one of the user's.
		reason = "second factor already used"
		if proof.RecoveryHash != nil {
			reason = "wrong or spent recovery code"
		}
	}
	if err := a.refused(ctx, name, ip, reason); err != nil {
		return evident.User{}, err
	}
	if reason == "no second factor" {
		return evident.User{}, errNeedCode
	}
	return evident.User{}, errBadCode
}

// secondFactor checks the code of a user who enrolled a second factor.
// It returns the proof to spend with the session (nil for a user without
// one), or why the sign-in is refused.
func (a *Auth) secondFactor(ctx context.Context, name, code string, now time.Time) (*sqlstore.MFAProof, string, error) {
	m, err := a.cfg.Store.UserMFA(ctx, name)
	if err != nil || !m.Enrolled() {
		return nil, "", err
	}
	if strings.TrimSpace(code) == "" {
		return nil, "no second factor", nil
	}
	p, ok := proofOf(m, name, code, now)
	if !ok {
		return nil, "wrong second factor", nil
	}
	return &p, "", nil
}

// UnknownUser is the name a refused sign-in is recorded under when no
// user has the name typed: people type passwords into the name field,
// and the audit trail is append-only and readable by every role.
const UnknownUser = "unknown user"

// refused records a refused sign-in in the audit trail, under the user's
// name only if there is such a user.
func (a *Auth) refused(ctx context.Context, name, ip, reason string) error {
	if _, _, err := a.cfg.Store.UserCredentials(ctx, name); evident.ErrorCode(err) == evident.ENOTFOUND {
		name = UnknownUser
	} else if err != nil {
		return err
	}
	ev := sqlstore.AuthEvent{User: name, Method: "password", IP: ip, Reason: reason}
	return a.cfg.Store.RecordAuthEvent(ctx, "auth.login.refused", "system:auth", ev)
}

// limited refuses a sign-in over its rate. The first refusal of a run
// goes into the audit trail; the rest of the run would only grow the
// append-only log at the guesser's pace, so they go to the operator's
// log.
func (a *Auth) limited(ctx context.Context, name, ip string, wait time.Duration, first bool) error {
	a.cfg.Logger.Warn("sign-in rate-limited", "addr", ip, "retry_after", wait)
	if first {
		if err := a.refused(ctx, name, ip, "rate limited"); err != nil {
			return err
		}
	}
	return rateLimited(wait)
}

// startSession creates a session for u and sets its cookie.
func (a *Auth) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, u evident.User, method string, proof *sqlstore.MFAProof) error {
	id := newSecret()
	now := a.cfg.Store.Now().UTC()
	se := sqlstore.Session{IDHash: HashSecret(id), User: u.Name, Method: method, CreatedAt: now,
		ExpiresAt: now.Add(a.cfg.SessionTTL), IP: clientAddr(r), UserAgent: r.UserAgent(), Proof: proof}
	if err := a.cfg.Store.CreateSession(ctx, se); err != nil {
		return err
	}
	http.SetCookie(w, a.cookie(SessionCookie, id, int(a.cfg.SessionTTL/time.Second)))
	return nil
}

// Logout ends the request's session, if any, and clears its cookie.
func (a *Auth) Logout(w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, a.cookie(SessionCookie, "", -1))
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil
	}
	p, _ := FromContext(r.Context())
	return a.cfg.Store.DeleteSession(r.Context(), HashSecret(c.Value), p.User.Name)
}

func (a *Auth) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: !a.cfg.InsecureCookies, SameSite: http.SameSiteLaxMode}
}

// clientAddr is the peer's IP address. X-Forwarded-For is not trusted: a
// client could then pick its own rate-limit bucket.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// authenticate finds the request's principal: a bearer token, else a
// session cookie. A bad token is an error (the client meant to use it); a
// stale session cookie just makes the request anonymous.
func (a *Auth) authenticate(r *http.Request) (Principal, string, bool, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		const bearer = "Bearer "
		if len(h) <= len(bearer) || h[:len(bearer)] != bearer || !looksLikeToken(h[len(bearer):]) {
			return Principal{}, "", false, evident.Errorf(evident.EUNAUTHORIZED, "Authorization header: want \"Bearer %s...\" with an API token", TokenPrefix)
		}
		t, u, err := a.cfg.Store.TokenUser(ctx, HashSecret(h[len(bearer):]))
		if err != nil {
			return Principal{}, "", false, err
		}
		return Principal{User: u, Token: &t}, "", true, nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return Principal{}, "", false, nil
	}
	se, u, err := a.cfg.Store.SessionUser(ctx, HashSecret(c.Value))
	if evident.ErrorCode(err) == evident.EUNAUTHORIZED {
		return Principal{}, "", false, nil
	}
	if err != nil {
		return Principal{}, "", false, err
	}
	return Principal{User: u, MustEnrolMFA: se.MustEnrolMFA}, c.Value, true, nil
}

// deny writes a refusal: JSON for API clients, plain text otherwise.
func (a *Auth) deny(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusForbidden
	switch evident.ErrorCode(err) {
	case evident.EUNAUTHORIZED:
		status = http.StatusUnauthorized
	case evident.EFORBIDDEN:
	default:
		a.cfg.Logger.Error("authentication", "path", r.URL.Path, "err", err)
		status, err = http.StatusInternalServerError, errors.New("internal error")
	}
	writeRefusal(w, r, status, evident.ErrorCode(err), evident.ErrorMessage(err))
}
