package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Principal is who made a request: a user signed in with a session, or a
// user's API token. Handlers get it with FromContext.
type Principal struct {
	User  evident.User
	Token *sqlstore.APIToken // set when the request used an API token
	// MustEnrolMFA marks a password session of a user whose role requires
	// a second factor they have not enrolled: it may enrol (AccountPath)
	// and sign out, nothing else.
	MustEnrolMFA bool
}

// Actor is the name every write by this principal is recorded under.
func (p Principal) Actor() string {
	if p.Token != nil {
		return p.Token.Actor()
	}
	return p.User.Name
}

// Can reports whether the principal holds permission perm.
func (p Principal) Can(perm Permission) bool {
	return !p.User.Disabled && perm.Allows(p.User.Role)
}

// CheckEvidenceControls refuses evidence a control owner does not own,
// naming the controls. Other roles with WriteEvidence may write for any
// control; without it, nothing.
func (p Principal) CheckEvidenceControls(controls []string) error {
	if !p.Can(WriteEvidence) {
		return evident.Errorf(evident.EFORBIDDEN, "%s may not add evidence", p.describe())
	}
	if p.User.Role != evident.RoleControlOwner {
		return nil
	}
	if len(controls) == 0 {
		return evident.Errorf(evident.EFORBIDDEN, "a control owner adds evidence for their own controls: name one")
	}
	var foreign []string
	for _, c := range controls {
		if !p.User.OwnsControl(c) {
			foreign = append(foreign, c)
		}
	}
	if len(foreign) > 0 {
		return evident.Errorf(evident.EFORBIDDEN, "%s does not own control %s", p.describe(), strings.Join(foreign, ", "))
	}
	return nil
}

// CheckSupersede refuses a correction of a record the principal could not
// have written: a correction takes the old record's place in every
// control it was for, so it needs write permission on each of them, not
// only on the controls the correction names.
func (p Principal) CheckSupersede(old evident.Evidence) error {
	if err := p.CheckEvidenceControls(old.Controls); err != nil {
		return evident.ErrorAt(evident.EFORBIDDEN, "supersedes", "evidence %s is for control %s: %s", old.ID, strings.Join(old.Controls, ", "), evident.ErrorMessage(err))
	}
	return nil
}

// Period returns the time range the principal may see: an assessor's
// audit period, or the zero range (everything) for other roles.
func (p Principal) Period() (from, to time.Time) {
	if p.User.Role != evident.RoleAssessor {
		return time.Time{}, time.Time{}
	}
	return p.User.PeriodFrom, p.User.PeriodTo
}

// CheckPeriod refuses a request about [from, to) that reaches outside an
// assessor's period. A zero bound means open-ended, which for an assessor
// reaches outside too.
func (p Principal) CheckPeriod(from, to time.Time) error {
	if p.User.Role != evident.RoleAssessor {
		return nil
	}
	pf, pt := p.Period()
	if from.IsZero() || to.IsZero() || from.Before(pf) || to.After(pt) {
		return evident.Errorf(evident.EFORBIDDEN, "assessor %s may only see %s to %s", p.User.Name, evident.UTC(pf), evident.UTC(pt))
	}
	return nil
}

// CheckInstant refuses an instant outside an assessor's period (status
// "as of T" for example).
func (p Principal) CheckInstant(t time.Time) error {
	if p.User.InPeriod(t) {
		return nil
	}
	pf, pt := p.Period()
	return evident.Errorf(evident.EFORBIDDEN, "assessor %s may only see %s to %s, not %s", p.User.Name, evident.UTC(pf), evident.UTC(pt), evident.UTC(t))
}

func (p Principal) describe() string {
	return fmt.Sprintf("%s (%s)", p.Actor(), p.User.Role)
}

type ctxKey int

const (
	principalKey ctxKey = iota
	stateKey
)

// FromContext returns the request's principal; ok is false for an
// anonymous request.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey).(Principal)
	return p, ok
}

// WithPrincipal returns ctx carrying p and, for an assessor, their grant,
// which narrows every store read made with ctx: the one place the
// assessor's period is applied for the web, the API and the pack alike.
// The middleware uses it; tests of handlers that run without the
// middleware can too.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	if g, ok := p.Grant(); ok {
		ctx = sqlstore.WithGrant(ctx, g)
	}
	return context.WithValue(ctx, principalKey, p)
}

// Grant returns the store grant that narrows what the principal reads;
// ok is false for the roles that read everything.
func (p Principal) Grant() (sqlstore.Grant, bool) {
	if p.User.Role != evident.RoleAssessor {
		return sqlstore.Grant{}, false
	}
	return sqlstore.Grant{From: p.User.PeriodFrom, To: p.User.PeriodTo}, true
}
