package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/evidenthq/evident"
)

// Passkeys: WebAuthn credentials a user signs in with instead of a
// password and code. The public key is not a secret, so registering one
// is a user.passkey.add leaf that carries it, and removing one a
// user.passkey.remove leaf: which keys can sign in as whom is derivable
// from the log and compared by verify. The authenticator's signature
// counter and the last use are operational (see the exempt list). Checking
// a ceremony is the auth package's work; the store keeps the credentials
// and the challenges between a ceremony's two requests.

// Passkey is one registered credential.
type Passkey struct {
	ID         string `json:"id"`          // credential id, base64url
	User       string `json:"user"`        // login
	UserHandle string `json:"user_handle"` // WebAuthn user handle, base64url
	Label      string `json:"label"`
	PublicKey  string `json:"public_key"` // COSE key, base64url
	AAGUID     string `json:"aaguid,omitempty"`
	// BackupEligible marks a passkey that may be synced between devices;
	// WebAuthn forbids it to change, so an answer that differs is refused.
	BackupEligible bool      `json:"backup_eligible,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	SignCount      uint32    `json:"-"`
	LastUsedAt     time.Time `json:"-"`
}

// passkeyAudit is the body of user.passkey.add and user.passkey.remove.
type passkeyAudit struct {
	Name           string `json:"name"`
	ID             string `json:"id"`
	UserHandle     string `json:"user_handle,omitempty"`
	Label          string `json:"label,omitempty"`
	PublicKey      string `json:"public_key,omitempty"`
	AAGUID         string `json:"aaguid,omitempty"`
	BackupEligible bool   `json:"backup_eligible,omitempty"`
}

// PasskeyUse is a passkey sign-in already checked against the credential:
// CreateSession records the new counter in the sign-in's transaction and
// refuses a credential removed meanwhile.
type PasskeyUse struct {
	ID        string
	SignCount uint32
}

// MaxPasskeys bounds the credentials one user may register: enough for
// every device a person carries, and a bound on what a stolen session
// can add.
const MaxPasskeys = 20

// AddPasskey registers a credential for its user, as the user's own act.
func (s *Store) AddPasskey(ctx context.Context, p Passkey) error {
	if err := evident.CheckName("label", p.Label); err != nil {
		return err
	}
	if p.Label == "" || len(p.Label) > 64 {
		return evident.ErrorAt(evident.EINVALID, "label", "name the passkey in 1 to 64 bytes (for example the device it is on)")
	}
	return s.Write(ctx, func(tx *Tx) error {
		u, _, err := tx.UserByName(ctx, p.User)
		if err != nil {
			return err
		}
		if u.Disabled {
			return evident.Errorf(evident.EFORBIDDEN, "user %q is disabled", p.User)
		}
		var n int
		var handle sql.NullString
		if err := tx.QueryRow(ctx, `SELECT COUNT(*), MIN(user_handle) FROM passkeys WHERE user_name = ?`, p.User).Scan(&n, &handle); err != nil {
			return err
		}
		if n >= MaxPasskeys {
			return evident.Errorf(evident.ECONFLICT, "user %q already has %d passkeys: remove one first", p.User, n)
		}
		if handle.Valid && handle.String != p.UserHandle {
			return evident.Errorf(evident.ECONFLICT, "the passkey was made for another user handle than %q's: start again", p.User)
		}
		var other string
		err = tx.QueryRow(ctx, `SELECT user_name FROM passkeys WHERE id = ?`, p.ID).Scan(&other)
		if err == nil {
			return evident.Errorf(evident.ECONFLICT, "this passkey is registered already")
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO passkeys (id, user_name, user_handle, label, public_key, aaguid, backup_eligible, created_at, sign_count)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, p.User, p.UserHandle, p.Label, p.PublicKey, p.AAGUID, boolInt(p.BackupEligible), TS(tx.Now), int64(p.SignCount)); err != nil {
			return fmt.Errorf("store passkey of %s: %w", p.User, err)
		}
		_, err = tx.Audit(ctx, "user.passkey.add", p.User, p.User, passkeyAudit{Name: p.User, ID: p.ID, UserHandle: p.UserHandle,
			Label: p.Label, PublicKey: p.PublicKey, AAGUID: p.AAGUID, BackupEligible: p.BackupEligible})
		return err
	})
}

// RemovePasskey removes a user's credential: by the user, or by an admin
// for a lost device. The user's sessions opened with it end too.
func (s *Store) RemovePasskey(ctx context.Context, user, id, actor string) error {
	return s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM passkeys WHERE id = ? AND user_name = ?`, id, user)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return evident.Errorf(evident.ENOTFOUND, "user %q has no passkey %q", user, id)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_name = ? AND method = 'passkey'`, user); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, "user.passkey.remove", user, actor, passkeyAudit{Name: user, ID: id})
		return err
	})
}

// Passkeys lists a user's credentials, oldest first.
func (s *Store) Passkeys(ctx context.Context, user string) ([]Passkey, error) {
	var out []Passkey
	err := s.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, user_name, user_handle, label, public_key, aaguid, backup_eligible, created_at, sign_count, last_used_at
			FROM passkeys WHERE user_name = ? ORDER BY created_at, id`, user)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanPasskey(rows)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}

// PasskeyByID returns a credential, or ENOTFOUND.
func (s *Store) PasskeyByID(ctx context.Context, id string) (Passkey, error) {
	var p Passkey
	err := s.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, user_name, user_handle, label, public_key, aaguid, backup_eligible, created_at, sign_count, last_used_at
			FROM passkeys WHERE id = ?`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return evident.Errorf(evident.ENOTFOUND, "no such passkey")
		}
		p, err = scanPasskey(rows)
		return err
	})
	return p, err
}

func scanPasskey(rows *sql.Rows) (Passkey, error) {
	var p Passkey
	var created string
	var last sql.NullString
	var count, be int64
	if err := rows.Scan(&p.ID, &p.User, &p.UserHandle, &p.Label, &p.PublicKey, &p.AAGUID, &be, &created, &count, &last); err != nil {
		return p, err
	}
	p.BackupEligible = be != 0
	p.SignCount = uint32(count)
	var err error
	if p.CreatedAt, err = ParseTS(created); err != nil {
		return p, err
	}
	p.LastUsedAt, err = ParseNullTS(last)
	return p, err
}

// usePasskey records a passkey sign-in's counter. A counter that did not
// grow, from an authenticator that counts, means a cloned credential: the
// sign-in is refused.
func (tx *Tx) usePasskey(ctx context.Context, user string, use PasskeyUse) error {
	var count int64
	err := tx.QueryRow(ctx, `SELECT sign_count FROM passkeys WHERE id = ? AND user_name = ?`, use.ID, user).Scan(&count)
	if errors.Is(err, sql.ErrNoRows) {
		return evident.Errorf(evident.EUNAUTHORIZED, "the passkey was removed: sign in another way")
	}
	if err != nil {
		return err
	}
	if (count != 0 || use.SignCount != 0) && int64(use.SignCount) <= count {
		return evident.Errorf(evident.EUNAUTHORIZED, "the passkey's signature counter went back from %d to %d: it may be cloned; ask an admin", count, use.SignCount)
	}
	_, err = tx.Exec(ctx, `UPDATE passkeys SET sign_count = ?, last_used_at = ? WHERE id = ?`, int64(use.SignCount), TS(tx.Now), use.ID)
	return err
}

// PasskeyChallengeTTL is how long a ceremony may take, from the options
// the server sends to the browser's answer.
const PasskeyChallengeTTL = 5 * time.Minute

// PutPasskeyChallenge keeps a ceremony's session data under the hash of
// the id the browser holds. Expired challenges are swept here.
func (s *Store) PutPasskeyChallenge(ctx context.Context, idHash, user string, data json.RawMessage) error {
	return s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM passkey_challenges WHERE expires_at <= ?`, TS(tx.Now)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO passkey_challenges (id_hash, user_name, data, expires_at) VALUES (?, ?, ?, ?)`,
			idHash, user, string(data), TS(tx.Now.Add(PasskeyChallengeTTL)))
		return err
	})
}

// TakePasskeyChallenge returns and deletes a ceremony's session data, so
// an answer is checked against its challenge once. It is ECONFLICT
// when there is none for the user (empty for a sign-in) or it expired.
func (s *Store) TakePasskeyChallenge(ctx context.Context, idHash, user string) (json.RawMessage, error) {
	var data string
	err := s.Write(ctx, func(tx *Tx) error {
		var expires string
		err := tx.QueryRow(ctx, `SELECT data, expires_at FROM passkey_challenges WHERE id_hash = ? AND user_name = ?`, idHash, user).Scan(&data, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return evident.Errorf(evident.ECONFLICT, "no passkey ceremony under way, or it was used: start again")
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM passkey_challenges WHERE id_hash = ?`, idHash); err != nil {
			return err
		}
		exp, err := ParseTS(expires)
		if err != nil {
			return err
		}
		if !tx.Now.Before(exp) {
			return evident.Errorf(evident.ECONFLICT, "the passkey ceremony took longer than %s: start again", PasskeyChallengeTTL)
		}
		return nil
	})
	return json.RawMessage(data), err
}
