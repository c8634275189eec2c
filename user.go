package evident

import (
	"strings"
	"time"
)

// UserRole is what a user of Evident may do (not to be confused with Role,
// a role in the TSP's organisation). The set is fixed by the product: each role
// matches a person in a TSP's compliance program, and the authorisation
// table (internal/auth) names every role explicitly, so a new role is a
// deliberate change there too.
type UserRole string

// The roles of DESIGN.md.
const (
	// RoleAdmin manages users, roles and tokens and may change anything
	// except approve: approval belongs to the management body.
	RoleAdmin UserRole = "admin"
	// RoleComplianceManager keeps scope, risks, policies and controls and
	// exports packs.
	RoleComplianceManager UserRole = "compliance-manager"
	// RoleControlOwner pushes evidence, but only for the controls they own.
	RoleControlOwner UserRole = "control-owner"
	// RoleApprover is the management body: approves risk acceptances,
	// policies and exceptions (REQ-5-05, REQ-6.3-01).
	RoleApprover UserRole = "management-approver"
	// RoleAssessor is the conformity assessment body: read-only and
	// limited to the audit period.
	RoleAssessor UserRole = "assessor"
)

// Roles lists every role in a stable order, for messages and tables.
var UserRoles = []UserRole{RoleAdmin, RoleComplianceManager, RoleControlOwner, RoleApprover, RoleAssessor}

// ParseRole reads a role name, naming the valid ones when it is not one.
func ParseRole(s string) (UserRole, error) {
	for _, r := range UserRoles {
		if string(r) == s {
			return r, nil
		}
	}
	names := make([]string, len(UserRoles))
	for i, r := range UserRoles {
		names[i] = string(r)
	}
	return "", Errorf(EINVALID, "unknown role %q: want one of %s", s, strings.Join(names, ", "))
}

// User is a person who signs in to Evident, or the owner of API tokens a
// pipeline uses. Name is the login name and the actor recorded with every
// write the user makes.
type User struct {
	Name        string   `json:"name"`
	DisplayName string   `json:"display_name,omitempty"`
	Email       string   `json:"email,omitempty"`
	Role        UserRole `json:"role"`
	Disabled    bool     `json:"disabled,omitempty"`
	// Controls are the controls a control owner may write evidence for.
	Controls []string `json:"controls,omitempty"`
	// PeriodFrom and PeriodTo bound what an assessor may see: the audit
	// period under assessment, [from, to).
	PeriodFrom time.Time `json:"period_from,omitzero"`
	PeriodTo   time.Time `json:"period_to,omitzero"`
	// OIDCSubject links the user to an identity provider account
	// ("issuer sub"), so OIDC sign-in finds the same user and role.
	OIDCSubject string    `json:"oidc_subject,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by"`
}

// ValidUserName reports whether s can be a user name: it is recorded as
// the actor of writes and shown everywhere, so it is short and plain.
func ValidUserName(s string) error {
	if s == "" || len(s) > 64 {
		return Errorf(EINVALID, "user name %q: want 1 to 64 characters", s)
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@", r)
		if !ok {
			return Errorf(EINVALID, "user name %q: only letters, digits and . _ - @ are allowed", s)
		}
	}
	if strings.HasPrefix(s, "token:") || strings.HasPrefix(s, "system:") {
		return Errorf(EINVALID, "user name %q: reserved prefix", s)
	}
	return nil
}

// Validate checks the fields that must agree with the role.
func (u User) Validate() error {
	if err := ValidUserName(u.Name); err != nil {
		return err
	}
	if _, err := ParseRole(string(u.Role)); err != nil {
		return ErrorAt(EINVALID, "role", "%s", err.(*Error).Message)
	}
	if u.Role == RoleAssessor {
		if u.PeriodFrom.IsZero() || u.PeriodTo.IsZero() {
			return ErrorAt(EINVALID, "period", "an assessor needs the audit period they assess (--from and --to)")
		}
		if !u.PeriodFrom.Before(u.PeriodTo) {
			return ErrorAt(EINVALID, "period", "assessor period from %s is not before to %s", UTC(u.PeriodFrom), UTC(u.PeriodTo))
		}
	} else if !u.PeriodFrom.IsZero() || !u.PeriodTo.IsZero() {
		return ErrorAt(EINVALID, "period", "only an assessor is limited to a period, not a %s", u.Role)
	}
	if u.Role != RoleControlOwner && len(u.Controls) > 0 {
		return ErrorAt(EINVALID, "controls", "only a control owner is given controls, not a %s", u.Role)
	}
	return nil
}

// InPeriod reports whether t falls in an assessor's period. Other roles
// are not limited, so it is always true for them.
func (u User) InPeriod(t time.Time) bool {
	if u.Role != RoleAssessor {
		return true
	}
	return !t.Before(u.PeriodFrom) && t.Before(u.PeriodTo)
}

// OwnsControl reports whether a control owner was given control id.
func (u User) OwnsControl(id string) bool {
	for _, c := range u.Controls {
		if c == id {
			return true
		}
	}
	return false
}
