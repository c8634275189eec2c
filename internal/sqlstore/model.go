package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/evidenthq/evident"
)

// Model returns the whole program in one read transaction, so every part
// of it reflects the same instant.
func (s *Store) Model(ctx context.Context) (*evident.Model, error) {
	var m *evident.Model
	err := s.Read(ctx, func(tx *Tx) error {
		var err error
		m, err = tx.Model(ctx)
		return err
	})
	return m, err
}

// Model reads the whole program inside tx. Sections come back sorted by id
// (the statement of applicability by requirement), the order export
// writes them in.
func (tx *Tx) Model(ctx context.Context) (*evident.Model, error) {
	p, err := tx.Program(ctx)
	if err != nil {
		return nil, err
	}
	m := &evident.Model{Program: p}
	steps := []struct {
		table string
		into  func([]byte) error
	}{
		{"services", appendTo(&m.Services)},
		{"systems", appendTo(&m.Systems)},
		{"zones", appendTo(&m.Zones)},
		{"suppliers", appendTo(&m.Suppliers)},
		{"roles", appendTo(&m.Roles)},
		{"people", appendTo(&m.People)},
		{"risks", appendTo(&m.Risks)},
		{"treatments", appendTo(&m.Treatments)},
		{"acceptances", appendTo(&m.Acceptances)},
		{"controls", appendTo(&m.Controls)},
		{"policies", appendTo(&m.Policies)},
	}
	for _, st := range steps {
		if err := tx.scanBodies(ctx, `SELECT body FROM `+st.table+` ORDER BY id`, st.into); err != nil {
			return nil, fmt.Errorf("read %s: %w", st.table, err)
		}
	}
	err = tx.scanBodies(ctx, `SELECT body FROM soa ORDER BY standard, version, requirement_id`, appendTo(&m.SoA))
	if err != nil {
		return nil, fmt.Errorf("read statement of applicability: %w", err)
	}
	return m, nil
}

// Services reads the program's services alone, sorted by id as Model
// returns them: choosing the program's overlays needs them and nothing
// else, and `status` would otherwise decode every section to get them.
func (s *Store) Services(ctx context.Context) ([]evident.Service, error) {
	var out []evident.Service
	err := s.Read(ctx, func(tx *Tx) error {
		if err := tx.scanBodies(ctx, `SELECT body FROM services ORDER BY id`, appendTo(&out)); err != nil {
			return fmt.Errorf("read services: %w", err)
		}
		return nil
	})
	return out, err
}

// appendTo returns a decoder that appends one JSON body to *xs.
func appendTo[T any](xs *[]T) func([]byte) error {
	return func(b []byte) error {
		var x T
		if err := json.Unmarshal(b, &x); err != nil {
			return err
		}
		*xs = append(*xs, x)
		return nil
	}
}

func (tx *Tx) scanBodies(ctx context.Context, q string, into func([]byte) error) error {
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return err
		}
		if err := into([]byte(body)); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Section names a kind of program object: the table it lives in and the
// key it has in program files and in `evident list KIND`.
type Section string

// The program sections stored one row per object.
const (
	Services    Section = "services"
	Systems     Section = "systems"
	Zones       Section = "zones"
	Suppliers   Section = "suppliers"
	Roles       Section = "roles"
	People      Section = "people"
	Risks       Section = "risks"
	Treatments  Section = "treatments"
	Acceptances Section = "acceptances"
	Controls    Section = "controls"
	Policies    Section = "policies"
)

// Sections lists the sections in the order apply writes them.
var Sections = []Section{Services, Systems, Zones, Suppliers, Roles, People, Risks, Treatments, Acceptances, Controls, Policies}

func (s Section) valid() bool {
	for _, x := range Sections {
		if x == s {
			return true
		}
	}
	return false
}

// PutObject inserts or replaces one program object, v being its evident
// type (evident.Control for Controls, ...). Controls and treatments also
// refresh their link rows. actor is kept as the row's updated_by; the
// audit trail, written by the caller in the same transaction, is the record.
func (tx *Tx) PutObject(ctx context.Context, sec Section, id string, v any, actor string) error {
	if !sec.valid() {
		return fmt.Errorf("put: unknown section %q", sec)
	}
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("put %s %s: %w", sec, id, err)
	}
	// One upsert statement per object: on PostgreSQL every statement is a
	// round trip, and a whole program is hundreds of objects.
	if _, err := tx.Exec(ctx, `INSERT INTO `+string(sec)+` (id, body, updated_at, updated_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		id, string(body), TS(tx.Now), actor); err != nil {
		return fmt.Errorf("put %s %s: %w", sec, id, err)
	}
	switch x := v.(type) {
	case evident.Control:
		return tx.linkControl(ctx, x)
	case evident.Treatment:
		return tx.linkTreatment(ctx, x)
	}
	return nil
}

// DeleteObject removes one program object; link rows go with it.
func (tx *Tx) DeleteObject(ctx context.Context, sec Section, id string) error {
	if !sec.valid() {
		return fmt.Errorf("delete: unknown section %q", sec)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM `+string(sec)+` WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete %s %s: %w", sec, id, err)
	}
	return nil
}
