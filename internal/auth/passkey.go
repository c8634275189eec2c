package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Passkeys (WebAuthn): a key pair on a device the user holds, unlocked by
// their fingerprint, face or device PIN. A passkey sign-in is both factors
// at once and cannot be phished: the browser binds each answer to this
// site's origin. Sign-in is "discoverable": the device offers the user's
// passkeys for this site, so no name is typed. Each ceremony is two
// requests (options, then the device's answer); the challenge between them
// lives in the store under the hash of a cookie, so any replica can finish
// it.

// passkeyCookie carries the id of a ceremony under way.
const passkeyCookie = "evident_passkey"

// errBadPasskey is the one refusal of a passkey sign-in that did not
// check out, whatever the reason (recorded in the audit trail).
var errBadPasskey = evident.Errorf(evident.EUNAUTHORIZED, "the passkey was not accepted: use another passkey or sign in with your password")

// relyingParty is who the passkeys are for: the public URL when one is
// configured, else the origin the request came to. Browsers refuse
// WebAuthn for an IP address, so such an origin is refused here first,
// with what to do instead.
func (a *Auth) relyingParty(r *http.Request) (*webauthn.WebAuthn, error) {
	origin := a.cfg.PublicURL
	if origin == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		origin = scheme + "://" + r.Host
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return nil, evident.Errorf(evident.EINVALID, "the public URL %q is not a URL such as https://evident.example.org", origin)
	}
	host := u.Hostname()
	if net.ParseIP(host) != nil {
		return nil, evident.Errorf(evident.EINVALID, "passkeys need this server reached by a name, not the IP address %s: open it as localhost or by its domain name (EVIDENT_PUBLIC_URL)", host)
	}
	return webauthn.New(&webauthn.Config{
		RPID:          host,
		RPDisplayName: "Evident",
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
	})
}

// passkeyUser is a user as WebAuthn sees them: a random handle, and the
// credentials registered so far.
type passkeyUser struct {
	name   string
	handle []byte
	creds  []webauthn.Credential
}

func (u *passkeyUser) WebAuthnID() []byte                         { return u.handle }
func (u *passkeyUser) WebAuthnName() string                       { return u.name }
func (u *passkeyUser) WebAuthnDisplayName() string                { return u.name }
func (u *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// loadPasskeyUser reads a user's passkeys. A user without one gets a new
// random handle, which their first passkey records.
func (a *Auth) loadPasskeyUser(ctx context.Context, name string) (*passkeyUser, error) {
	keys, err := a.cfg.Store.Passkeys(ctx, name)
	if err != nil {
		return nil, err
	}
	u := &passkeyUser{name: name}
	for _, k := range keys {
		c, err := credentialOf(k)
		if err != nil {
			return nil, err
		}
		u.creds = append(u.creds, c)
		if u.handle == nil {
			if u.handle, err = base64.RawURLEncoding.DecodeString(k.UserHandle); err != nil {
				return nil, fmt.Errorf("passkey %s of %s: user handle: %w", k.ID, name, err)
			}
		}
	}
	if u.handle == nil {
		u.handle = make([]byte, 32)
		rand.Read(u.handle)
	}
	return u, nil
}

func credentialOf(k sqlstore.Passkey) (webauthn.Credential, error) {
	id, err1 := base64.RawURLEncoding.DecodeString(k.ID)
	pub, err2 := base64.RawURLEncoding.DecodeString(k.PublicKey)
	aaguid, err3 := hex.DecodeString(k.AAGUID)
	if err := errors.Join(err1, err2, err3); err != nil {
		return webauthn.Credential{}, fmt.Errorf("passkey %s of %s: %w", k.ID, k.User, err)
	}
	return webauthn.Credential{ID: id, PublicKey: pub,
		Flags:         webauthn.CredentialFlags{BackupEligible: k.BackupEligible, UserPresent: true, UserVerified: true},
		Authenticator: webauthn.Authenticator{AAGUID: aaguid, SignCount: k.SignCount}}, nil
}

// startCeremony keeps a ceremony's session data for user ("" for a
// sign-in) and gives the browser the cookie that finds it again.
func (a *Auth) startCeremony(ctx context.Context, w http.ResponseWriter, user string, sd *webauthn.SessionData) error {
	data, err := json.Marshal(sd)
	if err != nil {
		return err
	}
	id := newSecret()
	if err := a.cfg.Store.PutPasskeyChallenge(ctx, hex.EncodeToString(HashSecret(id)), user, data); err != nil {
		return err
	}
	http.SetCookie(w, a.cookie(passkeyCookie, id, int(sqlstore.PasskeyChallengeTTL.Seconds())))
	return nil
}

// takeCeremony returns the session data of the request's ceremony, once.
func (a *Auth) takeCeremony(ctx context.Context, w http.ResponseWriter, r *http.Request, user string) (webauthn.SessionData, error) {
	var sd webauthn.SessionData
	c, err := r.Cookie(passkeyCookie)
	if err != nil || c.Value == "" {
		return sd, evident.Errorf(evident.ECONFLICT, "no passkey ceremony under way in this browser: start again")
	}
	http.SetCookie(w, a.cookie(passkeyCookie, "", -1))
	data, err := a.cfg.Store.TakePasskeyChallenge(ctx, hex.EncodeToString(HashSecret(c.Value)), user)
	if err != nil {
		return sd, err
	}
	if err := json.Unmarshal(data, &sd); err != nil {
		return sd, fmt.Errorf("passkey ceremony: %w", err)
	}
	return sd, nil
}

// BeginPasskeyRegistration returns the options (JSON, for
// navigator.credentials.create) that make a new passkey for the signed-in
// user on their device. The device must keep the passkey (a discoverable
// credential) and verify the user. The middleware checked the session's
// CSRF token.
func (a *Auth) BeginPasskeyRegistration(w http.ResponseWriter, r *http.Request, user string) (json.RawMessage, error) {
	rp, err := a.relyingParty(r)
	if err != nil {
		return nil, err
	}
	u, err := a.loadPasskeyUser(r.Context(), user)
	if err != nil {
		return nil, err
	}
	var exclude []protocol.CredentialDescriptor
	for _, c := range u.creds {
		exclude = append(exclude, c.Descriptor())
	}
	opts, sd, err := rp.BeginRegistration(u,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, UserVerification: protocol.VerificationRequired}),
		webauthn.WithExclusions(exclude))
	if err != nil {
		return nil, fmt.Errorf("begin passkey registration: %w", err)
	}
	if err := a.startCeremony(r.Context(), w, user, sd); err != nil {
		return nil, err
	}
	return json.Marshal(opts)
}

// FinishPasskeyRegistration checks the device's answer to the options
// BeginPasskeyRegistration sent and registers the passkey under label,
// as a user.passkey.add leaf.
func (a *Auth) FinishPasskeyRegistration(w http.ResponseWriter, r *http.Request, user, label string, answer []byte) (sqlstore.Passkey, error) {
	if err := evident.CheckName("label", label); err != nil {
		return sqlstore.Passkey{}, err
	}
	rp, err := a.relyingParty(r)
	if err != nil {
		return sqlstore.Passkey{}, err
	}
	sd, err := a.takeCeremony(r.Context(), w, r, user)
	if err != nil {
		return sqlstore.Passkey{}, err
	}
	u, err := a.loadPasskeyUser(r.Context(), user)
	if err != nil {
		return sqlstore.Passkey{}, err
	}
	if !bytes.Equal(u.handle, sd.UserID) {
		if len(u.creds) > 0 {
			return sqlstore.Passkey{}, evident.Errorf(evident.ECONFLICT, "another passkey was added meanwhile: start again")
		}
		u.handle = sd.UserID // the random handle the options carried
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(answer)
	if err != nil {
		return sqlstore.Passkey{}, evident.ErrorAt(evident.EINVALID, "credential", "not a WebAuthn registration answer: %s", webauthnDetail(err))
	}
	cred, err := rp.CreateCredential(u, sd, parsed)
	if err != nil {
		return sqlstore.Passkey{}, evident.ErrorAt(evident.EINVALID, "credential", "the device's answer does not check out: %s", webauthnDetail(err))
	}
	p := sqlstore.Passkey{ID: base64.RawURLEncoding.EncodeToString(cred.ID), User: user,
		UserHandle: base64.RawURLEncoding.EncodeToString(u.handle), Label: label,
		PublicKey: base64.RawURLEncoding.EncodeToString(cred.PublicKey), AAGUID: hex.EncodeToString(cred.Authenticator.AAGUID),
		BackupEligible: cred.Flags.BackupEligible, SignCount: cred.Authenticator.SignCount}
	if err := a.cfg.Store.AddPasskey(r.Context(), p); err != nil {
		return sqlstore.Passkey{}, err
	}
	return p, nil
}

// BeginPasskeyLogin returns the options (JSON, for
// navigator.credentials.get) of a passkey sign-in. It is rate-limited per
// client address like a password sign-in.
func (a *Auth) BeginPasskeyLogin(w http.ResponseWriter, r *http.Request) (json.RawMessage, error) {
	if err := CheckCSRF(r); err != nil {
		return nil, err
	}
	ip := clientAddr(r)
	if ok, wait, first := a.addrs.take(ip, a.cfg.Store.Now()); !ok {
		return nil, a.limited(r.Context(), UnknownUser, ip, wait, first)
	}
	rp, err := a.relyingParty(r)
	if err != nil {
		return nil, err
	}
	opts, sd, err := rp.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, fmt.Errorf("begin passkey sign-in: %w", err)
	}
	if err := a.startCeremony(r.Context(), w, "", sd); err != nil {
		return nil, err
	}
	return json.Marshal(opts)
}

// PasskeyLogin checks the device's answer to BeginPasskeyLogin's options
// and, when it checks out for an enabled user, starts a session whose
// method is "passkey". Every refusal is in the audit trail.
func (a *Auth) PasskeyLogin(w http.ResponseWriter, r *http.Request, answer []byte) (evident.User, error) {
	ctx := r.Context()
	if err := CheckCSRF(r); err != nil {
		return evident.User{}, err
	}
	rp, err := a.relyingParty(r)
	if err != nil {
		return evident.User{}, err
	}
	sd, err := a.takeCeremony(ctx, w, r, "")
	if err != nil {
		return evident.User{}, err
	}
	ip := clientAddr(r)
	parsed, err := protocol.ParseCredentialRequestResponseBytes(answer)
	if err != nil {
		return evident.User{}, evident.ErrorAt(evident.EINVALID, "credential", "not a WebAuthn sign-in answer: %s", webauthnDetail(err))
	}
	var key sqlstore.Passkey
	var owner evident.User
	find := func(rawID, handle []byte) (webauthn.User, error) {
		k, err := a.cfg.Store.PasskeyByID(ctx, base64.RawURLEncoding.EncodeToString(rawID))
		if err != nil {
			return nil, err
		}
		u, _, err := a.cfg.Store.UserCredentials(ctx, k.User)
		if err != nil {
			return nil, err
		}
		if u.Disabled {
			return nil, evident.Errorf(evident.EUNAUTHORIZED, "user disabled")
		}
		key, owner = k, u
		return a.loadPasskeyUser(ctx, k.User)
	}
	_, cred, err := rp.ValidatePasskeyLogin(find, sd, parsed)
	if err != nil {
		name := UnknownUser
		if owner.Name != "" {
			name = owner.Name
		}
		a.cfg.Logger.Info("passkey sign-in refused", "addr", ip, "user", name, "err", webauthnDetail(err))
		ev := sqlstore.AuthEvent{User: name, Method: "passkey", IP: ip, Reason: "passkey refused"}
		if err := a.cfg.Store.RecordAuthEvent(ctx, "auth.login.refused", "system:auth", ev); err != nil {
			return evident.User{}, err
		}
		return evident.User{}, errBadPasskey
	}
	id := newSecret()
	now := a.cfg.Store.Now().UTC()
	se := sqlstore.Session{IDHash: HashSecret(id), User: owner.Name, Method: "passkey", CreatedAt: now,
		ExpiresAt: now.Add(a.cfg.SessionTTL), IP: ip, UserAgent: r.UserAgent(),
		Passkey: &sqlstore.PasskeyUse{ID: key.ID, SignCount: cred.Authenticator.SignCount}}
	if err := a.cfg.Store.CreateSession(ctx, se); err != nil {
		return evident.User{}, err
	}
	http.SetCookie(w, a.cookie(SessionCookie, id, int(a.cfg.SessionTTL.Seconds())))
	return owner, nil
}

// webauthnDetail is the reason a WebAuthn check failed, from the
// library's error, without its developer-only information.
func webauthnDetail(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Details != "" {
		return pe.Details
	}
	return err.Error()
}
