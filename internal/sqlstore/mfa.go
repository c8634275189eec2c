package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/evidenthq/evident"
)

// A second factor for password sign-in: a TOTP secret per user, confirmed
// by a first valid code, and one-time recovery codes. Enrolment, each
// recovery code spent, a reset and every change of which roles must use
// it are leaves; the secret, the codes' hashes and the last step accepted
// stay out of the log (see the exempt list). Checking a code is the auth
// package's work: the store only keeps what makes a code count once.

// MFADefaultRoles must use a second factor until an admin says otherwise:
// those who run the system and those whose decisions bind the TSP.
var MFADefaultRoles = []evident.UserRole{evident.RoleAdmin, evident.RoleApprover}

// MFA is a user's second-factor state.
type MFA struct {
	// Secret is the base32 TOTP secret: set when enrolment begins, in
	// use only once EnrolledAt is set.
	Secret     string
	EnrolledAt time.Time
	// LastStep is the last TOTP time step accepted; a code of that step
	// or an earlier one is refused, so a code seen once is spent.
	LastStep int64
	// Required says the user's role must use a second factor.
	Required bool
	// RecoveryLeft is how many recovery codes are not yet spent.
	RecoveryLeft int
}

// Enrolled reports whether the user signs in with a second factor.
func (m MFA) Enrolled() bool { return !m.EnrolledAt.IsZero() }

// MFAProof is the second factor a sign-in presents, already checked
// against the secret: the TOTP step its code matched, or the hash of a
// recovery code. CreateSession spends it in the sign-in's transaction.
type MFAProof struct {
	Step         int64
	RecoveryHash []byte
}

// mfaAudit is the body of the user.mfa.* leaves. No secret, no hash.
type mfaAudit struct {
	Name string `json:"name"`
	// Codes is how many recovery codes enrolment issued.
	Codes int `json:"recovery_codes,omitempty"`
	// N numbers the recovery code a user.mfa.recovery leaf spent; Left
	// is how many remain.
	N    int `json:"n,omitempty"`
	Left int `json:"left,omitempty"`
}

// mfaRoleAudit is the body of an mfa.require leaf.
type mfaRoleAudit struct {
	Role     string `json:"role"`
	Required bool   `json:"required"`
}

// UserMFA returns a user's second-factor state, or ENOTFOUND.
func (s *Store) UserMFA(ctx context.Context, name string) (MFA, error) {
	var m MFA
	err := s.Read(ctx, func(tx *Tx) error {
		var err error
		m, err = tx.userMFA(ctx, name)
		return err
	})
	return m, err
}

func (tx *Tx) userMFA(ctx context.Context, name string) (MFA, error) {
	var m MFA
	var role string
	var enrolled sql.NullString
	err := tx.QueryRow(ctx, `SELECT role, mfa_secret, mfa_enrolled_at, mfa_last_step FROM users WHERE name = ?`, name).
		Scan(&role, &m.Secret, &enrolled, &m.LastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return m, evident.Errorf(evident.ENOTFOUND, "no user %q", name)
	}
	if err != nil {
		return m, fmt.Errorf("read second factor of %s: %w", name, err)
	}
	if m.EnrolledAt, err = ParseNullTS(enrolled); err != nil {
		return m, err
	}
	if m.Required, err = tx.mfaRequired(ctx, evident.UserRole(role)); err != nil {
		return m, err
	}
	err = tx.QueryRow(ctx, `SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_name = ? AND used_at IS NULL`, name).Scan(&m.RecoveryLeft)
	return m, err
}

func (tx *Tx) mfaRequired(ctx context.Context, role evident.UserRole) (bool, error) {
	var req int
	err := tx.QueryRow(ctx, `SELECT required FROM mfa_roles WHERE role = ?`, string(role)).Scan(&req)
	if errors.Is(err, sql.ErrNoRows) {
		return slices.Contains(MFADefaultRoles, role), nil
	}
	return req != 0, err
}

// mustEnrol reports whether u's role requires a second factor u has not
// enrolled. One statement: it runs on every request of a password
// session.
func (tx *Tx) mustEnrol(ctx context.Context, u evident.User) (bool, error) {
	var notEnrolled int
	var req sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT CASE WHEN u.mfa_enrolled_at IS NULL THEN 1 ELSE 0 END, r.required
		FROM users u LEFT JOIN mfa_roles r ON r.role = u.role WHERE u.name = ?`, u.Name).Scan(&notEnrolled, &req)
	if err != nil {
		return false, fmt.Errorf("read second factor of %s: %w", u.Name, err)
	}
	required := slices.Contains(MFADefaultRoles, u.Role)
	if req.Valid {
		required = req.Int64 != 0
	}
	return notEnrolled == 1 && required, nil
}

// MFARoles says for every role whether its members must use a second
// factor, the default applied where no admin decided.
func (s *Store) MFARoles(ctx context.Context) (map[evident.UserRole]bool, error) {
	out := map[evident.UserRole]bool{}
	err := s.Read(ctx, func(tx *Tx) error {
		for _, r := range evident.UserRoles {
			req, err := tx.mfaRequired(ctx, r)
			if err != nil {
				return err
			}
			out[r] = req
		}
		return nil
	})
	return out, err
}

// SetMFARequired decides whether members of role must use a second
// factor. Members already signed in without one are held to it on their
// next request (the auth middleware reads the rule each time).
func (s *Store) SetMFARequired(ctx context.Context, role evident.UserRole, required bool, actor string) error {
	if !slices.Contains(evident.UserRoles, role) {
		return evident.ErrorAt(evident.EINVALID, "role", "unknown role %q", role)
	}
	return s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO mfa_roles (role, required, updated_at, updated_by) VALUES (?, ?, ?, ?)
			ON CONFLICT (role) DO UPDATE SET required = excluded.required, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			string(role), boolInt(required), TS(tx.Now), actor); err != nil {
			return fmt.Errorf("set second factor rule of %s: %w", role, err)
		}
		_, err := tx.Audit(ctx, "mfa.require", string(role), actor, mfaRoleAudit{Role: string(role), Required: required})
		return err
	})
}

// BeginMFA keeps a new secret for a user who is not enrolled, replacing
// one from an enrolment never confirmed. It decides nothing until
// ConfirmMFA, so it is no leaf. An enrolled user is ECONFLICT: replacing a
// working factor takes an admin's reset, which the log shows.
func (s *Store) BeginMFA(ctx context.Context, name, secret string) error {
	return s.Write(ctx, func(tx *Tx) error {
		m, err := tx.userMFA(ctx, name)
		if err != nil {
			return err
		}
		if m.Enrolled() {
			return evident.Errorf(evident.ECONFLICT, "user %q already uses a second factor: an admin resets it with `evident user mfa reset`", name)
		}
		_, err = tx.Exec(ctx, `UPDATE users SET mfa_secret = ?, updated_at = ? WHERE name = ?`, secret, TS(tx.Now), name)
		return err
	})
}

// ConfirmMFA completes enrolment once the user typed a valid code of step
// for the pending secret: the secret is in use from now on, the step is
// spent, and codeHashes become the recovery codes. secret must be the one
// the code was checked against, so a second BeginMFA in between fails
// the confirmation rather than enrolling a secret the user never saw.
func (s *Store) ConfirmMFA(ctx context.Context, name, secret string, step int64, codeHashes [][]byte) error {
	return s.Write(ctx, func(tx *Tx) error {
		m, err := tx.userMFA(ctx, name)
		if err != nil {
			return err
		}
		switch {
		case m.Enrolled():
			return evident.Errorf(evident.ECONFLICT, "user %q already uses a second factor", name)
		case m.Secret == "" || m.Secret != secret:
			return evident.Errorf(evident.ECONFLICT, "the enrolment was started again elsewhere: start over")
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET mfa_enrolled_at = ?, mfa_last_step = ?, updated_at = ? WHERE name = ?`,
			TS(tx.Now), step, TS(tx.Now), name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM mfa_recovery_codes WHERE user_name = ?`, name); err != nil {
			return err
		}
		for i, h := range codeHashes {
			if _, err := tx.Exec(ctx, `INSERT INTO mfa_recovery_codes (user_name, n, code_hash) VALUES (?, ?, ?)`, name, i+1, h); err != nil {
				return fmt.Errorf("store recovery code: %w", err)
			}
		}
		_, err = tx.Audit(ctx, "user.mfa.enrol", name, name, mfaAudit{Name: name, Codes: len(codeHashes)})
		return err
	})
}

// ResetMFA removes a user's second factor and recovery codes, for a lost
// device, and ends their sessions. If their role requires a second
// factor they must enrol again at their next sign-in.
func (s *Store) ResetMFA(ctx context.Context, name, actor string) error {
	return s.Write(ctx, func(tx *Tx) error {
		m, err := tx.userMFA(ctx, name)
		if err != nil {
			return err
		}
		if !m.Enrolled() && m.Secret == "" {
			return evident.Errorf(evident.ECONFLICT, "user %q has no second factor to reset", name)
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET mfa_secret = '', mfa_enrolled_at = NULL, mfa_last_step = 0, updated_at = ? WHERE name = ?`,
			TS(tx.Now), name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM mfa_recovery_codes WHERE user_name = ?`, name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_name = ?`, name); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, "user.mfa.reset", name, actor, mfaAudit{Name: name})
		return err
	})
}

// spendMFA makes a sign-in's second factor count once: a TOTP step must
// be later than the last one accepted, a recovery code must be unspent.
// Both are conditional updates, so two sign-ins racing with one code
// cannot both win.
func (tx *Tx) spendMFA(ctx context.Context, name string, p MFAProof) error {
	if p.RecoveryHash == nil {
		res, err := tx.Exec(ctx, `UPDATE users SET mfa_last_step = ? WHERE name = ? AND mfa_last_step < ?`, p.Step, name, p.Step)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return evident.Errorf(evident.EUNAUTHORIZED, "this authenticator code was already used: wait for the next one")
		}
		return nil
	}
	var n int
	err := tx.QueryRow(ctx, `SELECT n FROM mfa_recovery_codes WHERE user_name = ? AND code_hash = ? AND used_at IS NULL`, name, p.RecoveryHash).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return evident.Errorf(evident.EUNAUTHORIZED, "wrong authenticator code or recovery code")
	}
	if err != nil {
		return err
	}
	res, err := tx.Exec(ctx, `UPDATE mfa_recovery_codes SET used_at = ? WHERE user_name = ? AND n = ? AND used_at IS NULL`, TS(tx.Now), name, n)
	if err != nil {
		return err
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return evident.Errorf(evident.EUNAUTHORIZED, "this recovery code was already used")
	}
	var left int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_name = ? AND used_at IS NULL`, name).Scan(&left); err != nil {
		return err
	}
	_, err = tx.Audit(ctx, "user.mfa.recovery", name, name, mfaAudit{Name: name, N: n, Left: left})
	return err
}

// checkSecondFactor refuses a password session for a user who uses a
// second factor unless the sign-in presents one, and spends it. Sessions
// from an identity provider are not asked: the provider decides how its
// users authenticate. A passkey sign-in is both factors at once (a
// device the user holds, unlocked by them): its counter is recorded.
func (tx *Tx) checkSecondFactor(ctx context.Context, se Session) error {
	if se.Method == "passkey" {
		if se.Passkey == nil {
			return evident.Errorf(evident.EUNAUTHORIZED, "a passkey sign-in without its passkey")
		}
		return tx.usePasskey(ctx, se.User, *se.Passkey)
	}
	if se.Method != "password" {
		return nil
	}
	m, err := tx.userMFA(ctx, se.User)
	if err != nil {
		return err
	}
	if !m.Enrolled() {
		return nil
	}
	if se.Proof == nil {
		return evident.Errorf(evident.EUNAUTHORIZED, "user %q signs in with an authenticator code as well", se.User)
	}
	return tx.spendMFA(ctx, se.User, *se.Proof)
}

// MethodWith names a sign-in method with the second factor it used, as
// the auth.login leaf records it.
func (se Session) MethodWith() string {
	switch {
	case se.Proof == nil:
		return se.Method
	case se.Proof.RecoveryHash != nil:
		return se.Method + "+recovery"
	default:
		return se.Method + "+totp"
	}
}
