package sqlstore

import (
	"encoding/json"
	"fmt"
	"time"
)

// Users and their owned controls: who may do what. Every change is a
// user.* leaf carrying the user's role, period, controls and whether the
// account is disabled (userAudit); secrets and contact details are not in
// the log (see the exempt list).

var usersProjection = projection{
	table:   "users",
	key:     []string{"name"},
	columns: []string{"role", "period_from", "period_to", "disabled", "created_at", "created_by", "oidc_subject", "mfa_enrolled_at"},
	kinds: map[string]applyFunc{
		"user.add": applyUser, "user.role": applyUser, "user.disable": applyUser, "user.enable": applyUser,
		"user.mfa.enrol": applyMFAUser, "user.mfa.reset": applyMFAUser,
	},
}

var userControlsProjection = projection{
	table: "user_controls",
	key:   []string{"user_name", "control_id"},
	kinds: nil, // written by applyUser
}

func applyUser(r *Replay, l ReplayLeaf) error {
	var a userAudit
	if err := json.Unmarshal(l.Record.Body, &a); err != nil {
		return err
	}
	from, err := auditTime(a.PeriodFrom)
	if err != nil {
		return err
	}
	to, err := auditTime(a.PeriodTo)
	if err != nil {
		return err
	}
	vals := map[string]Value{"name": Text(a.Name), "role": Text(a.Role), "period_from": from, "period_to": to,
		"disabled": Int(int64(boolInt(a.Disabled)))}
	switch l.Record.Kind {
	case "user.add":
		// CreateUser stores every new account enabled.
		vals["created_at"], vals["created_by"], vals["disabled"] = Text(TS(l.Record.At)), Text(l.Record.Actor), Int(0)
		vals["mfa_enrolled_at"] = Null // a new user has no second factor
		vals["oidc_subject"] = Unknown // a version 1 leaf does not say
		if a.V >= 2 {
			vals["oidc_subject"] = OptText(a.OIDCSubject)
		}
		r.put("users", l.Index, vals)
	case "user.role":
		delete(vals, "disabled") // a role change keeps the account's state
		if err := r.update("users", []string{a.Name}, l.Index, vals); err != nil {
			return err
		}
	default:
		if err := r.update("users", []string{a.Name}, l.Index, map[string]Value{"disabled": vals["disabled"]}); err != nil {
			return err
		}
		return nil // enabling or disabling keeps the owned controls
	}
	r.deleteWhere("user_controls", "user_name", Text(a.Name))
	for _, c := range uniqueIDs(a.Controls) {
		r.put("user_controls", l.Index, map[string]Value{"user_name": Text(a.Name), "control_id": Text(c)})
	}
	return nil
}

// auditTime turns an RFC 3339 time of an audit body into the stored
// form; "" is NULL.
func auditTime(s string) (Value, error) {
	if s == "" {
		return Null, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return Null, err
	}
	return Text(TS(t)), nil
}

// API tokens: whose rights a token carries, until when, and whether it
// was revoked. The token's hash is kept out of the leaves on purpose
// (see the unprojected list).
var apiTokensProjection = projection{
	table:   "api_tokens",
	key:     []string{"id"},
	columns: []string{"user_name", "name", "created_at", "created_by", "expires_at", "revoked_at"},
	kinds:   map[string]applyFunc{"token.create": applyToken, "token.revoke": applyToken},
}

func applyToken(r *Replay, l ReplayLeaf) error {
	var t APIToken
	if err := json.Unmarshal(l.Record.Body, &t); err != nil {
		return err
	}
	opt := func(t time.Time) Value {
		if t.IsZero() {
			return Null
		}
		return Text(TS(t))
	}
	r.put("api_tokens", l.Index, map[string]Value{"id": Text(t.ID), "user_name": Text(t.User), "name": Text(t.Name),
		"created_at": Text(TS(t.CreatedAt)), "created_by": Text(t.CreatedBy), "expires_at": opt(t.ExpiresAt), "revoked_at": opt(t.RevokedAt)})
	return nil
}

// Second factors: when each user enrolled (user.mfa.enrol, undone by
// user.mfa.reset), which of their recovery codes are spent
// (user.mfa.recovery), and which roles must use one (mfa.require). The
// secret and the codes' hashes are never in a leaf.

var mfaRecoveryProjection = projection{
	table:   "mfa_recovery_codes",
	key:     []string{"user_name", "n"},
	columns: []string{"used_at"},
	kinds:   map[string]applyFunc{"user.mfa.enrol": applyMFACodes, "user.mfa.recovery": applyMFACodes, "user.mfa.reset": applyMFACodes},
}

var mfaRolesProjection = projection{
	table:   "mfa_roles",
	key:     []string{"role"},
	columns: []string{"required", "updated_at", "updated_by"},
	kinds:   map[string]applyFunc{"mfa.require": applyMFARole},
}

func applyMFAUser(r *Replay, l ReplayLeaf) error {
	var a mfaAudit
	if err := json.Unmarshal(l.Record.Body, &a); err != nil {
		return err
	}
	at := Null
	if l.Record.Kind == "user.mfa.enrol" {
		at = Text(TS(l.Record.At))
	}
	return r.update("users", []string{a.Name}, l.Index, map[string]Value{"mfa_enrolled_at": at})
}

func applyMFACodes(r *Replay, l ReplayLeaf) error {
	var a mfaAudit
	if err := json.Unmarshal(l.Record.Body, &a); err != nil {
		return err
	}
	switch l.Record.Kind {
	case "user.mfa.recovery":
		return r.update("mfa_recovery_codes", []string{a.Name, fmt.Sprint(a.N)}, l.Index, map[string]Value{"used_at": Text(TS(l.Record.At))})
	case "user.mfa.enrol":
		r.deleteWhere("mfa_recovery_codes", "user_name", Text(a.Name))
		for n := 1; n <= a.Codes; n++ {
			r.put("mfa_recovery_codes", l.Index, map[string]Value{"user_name": Text(a.Name), "n": Int(int64(n)), "used_at": Null})
		}
	default:
		r.deleteWhere("mfa_recovery_codes", "user_name", Text(a.Name))
	}
	return nil
}

func applyMFARole(r *Replay, l ReplayLeaf) error {
	var a mfaRoleAudit
	if err := json.Unmarshal(l.Record.Body, &a); err != nil {
		return err
	}
	r.put("mfa_roles", l.Index, map[string]Value{"role": Text(a.Role), "required": Int(int64(boolInt(a.Required))),
		"updated_at": Text(TS(l.Record.At)), "updated_by": Text(l.Record.Actor)})
	return nil
}

// Passkeys: which credentials sign in as whom. A user.passkey.add leaf
// carries the public key; user.passkey.remove takes it away.
var passkeysProjection = projection{
	table:   "passkeys",
	key:     []string{"id"},
	columns: []string{"user_name", "user_handle", "label", "public_key", "aaguid", "backup_eligible", "created_at"},
	kinds:   map[string]applyFunc{"user.passkey.add": applyPasskey, "user.passkey.remove": applyPasskey},
}

func applyPasskey(r *Replay, l ReplayLeaf) error {
	var a passkeyAudit
	if err := json.Unmarshal(l.Record.Body, &a); err != nil {
		return err
	}
	if l.Record.Kind == "user.passkey.remove" {
		r.deleteWhere("passkeys", "id", Text(a.ID))
		return nil
	}
	r.put("passkeys", l.Index, map[string]Value{"id": Text(a.ID), "user_name": Text(a.Name), "user_handle": Text(a.UserHandle),
		"label": Text(a.Label), "public_key": Text(a.PublicKey), "aaguid": Text(a.AAGUID),
		"backup_eligible": Int(int64(boolInt(a.BackupEligible))), "created_at": Text(TS(l.Record.At))})
	return nil
}
