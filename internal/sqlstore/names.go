package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/evidenthq/evident"
)

// Refs are the names of the program's objects a write was given, as the
// user typed them. ResolveRefs checks each against the program before
// anything is stored: the ledger is append-only, so a typo written into
// it stays there for good.
type Refs struct {
	Controls   []string
	Systems    []evident.SystemVersion // NAME@VERSION: the system must exist, its version may be any
	Services   []string
	About      []string // KIND/ID, such as incident/INC-7 or change/CHG-2
	Supersedes string   // an evidence record id
}

// aboutTables maps the kinds an evidence record may be about to the table
// holding their ids. The table names are constants, never user input.
var aboutTables = map[string]string{
	"service": "services", "system": "systems", "zone": "zones", "supplier": "suppliers", "role": "roles",
	"person": "people", "risk": "risks", "treatment": "treatments", "acceptance": "acceptances",
	"control": "controls", "policy": "policies", "change": "changes", "exception": "exceptions",
	"incident": "incidents", "evidence": "evidence",
}

// AboutKinds lists the kinds an evidence record may be about, for
// messages and usage text.
func AboutKinds() []string {
	return []string{"incident", "change", "exception", "control", "system", "service", "risk", "treatment", "acceptance",
		"policy", "supplier", "zone", "role", "person", "evidence"}
}

// ResolveRefs checks every name in rs against the program and the records
// as they are in tx, and writes systems given by name back as their ids.
// An unknown name is refused with code EREFUSED, located at the field as
// the caller's user knows it (field("system") might be "--system"; nil
// leaves names as they are), and naming the value, so nothing is stored
// on its account.
func (tx *Tx) ResolveRefs(ctx context.Context, field func(string) string, rs ...*Refs) error {
	if field == nil {
		field = func(f string) string { return f }
	}
	m, err := tx.Model(ctx)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if err := tx.resolveRefs(ctx, m, r, field); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) resolveRefs(ctx context.Context, m *evident.Model, r *Refs, field func(string) string) error {
	refuse := func(f, format string, args ...any) error {
		return evident.ErrorAt(evident.EREFUSED, field(f), format, args...)
	}
	for _, c := range r.Controls {
		if m.ControlByID(c) == nil {
			return refuse("control", "no control %q in the program", c)
		}
	}
	for i, sv := range r.Systems {
		s := m.SystemByID(sv.Name)
		if s == nil {
			s = m.SystemByName(sv.Name)
		}
		if s == nil {
			return refuse("system", "no system %q in the program (%s)", sv.Name, sv)
		}
		r.Systems[i].Name = s.ID
	}
	for _, s := range r.Services {
		if m.ServiceByID(s) == nil {
			return refuse("service", "no service %q in the program", s)
		}
	}
	for _, a := range r.About {
		kind, id, ok := strings.Cut(a, "/")
		table := aboutTables[kind]
		if !ok || id == "" || table == "" {
			return refuse("about", "%q: want KIND/ID with KIND one of %s", a, strings.Join(AboutKinds(), ", "))
		}
		found, err := tx.exists(ctx, `SELECT 1 FROM `+table+` WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("look up %s: %w", a, err)
		}
		if !found {
			return refuse("about", "no %s %q", kind, id)
		}
	}
	if r.Supersedes != "" {
		found, err := tx.exists(ctx, `SELECT 1 FROM evidence WHERE id = ?`, r.Supersedes)
		if err != nil {
			return err
		}
		if !found {
			return refuse("supersedes", "no evidence record %q to supersede", r.Supersedes)
		}
	}
	return nil
}
