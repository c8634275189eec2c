package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/evidenthq/evident"
)

// AddChange records a change and the tasks it triggers in one transaction,
// with an audit record, and returns both. The system, service or supplier
// must exist in the program (a system may be named by id or display name;
// the id is stored). At defaults to the time of recording.
func (s *Store) AddChange(ctx context.Context, c evident.Change) (evident.Change, []evident.ChangeTask, error) {
	var tasks []evident.ChangeTask
	err := s.Write(ctx, func(tx *Tx) error {
		m, err := tx.Model(ctx)
		if err != nil {
			return err
		}
		// Times are kept to the microsecond the store holds, so the change
		// returned is the change read back.
		now := tx.Now.UTC().Truncate(time.Microsecond)
		c.ID, c.RecordedAt = evident.NewID(now), now
		if c.At.IsZero() {
			c.At = now
		}
		c.At = c.At.UTC().Truncate(time.Microsecond)
		if !c.Notified.IsZero() {
			c.Notified = c.Notified.UTC().Truncate(time.Microsecond)
		}
		if err := c.Validate(); err != nil {
			return err
		}
		if err := resolveSubject(m, &c); err != nil {
			return err
		}
		body, _ := json.Marshal(c)
		if _, err := tx.Exec(ctx, `INSERT INTO changes (id, system, service, supplier, version, significant, at, recorded_at, actor, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.System, c.Service, c.Supplier, c.Version, boolInt(c.Significant), TS(c.At), TS(c.RecordedAt), c.Actor, string(body)); err != nil {
			return fmt.Errorf("record change: %w", err)
		}
		for _, tr := range c.Triggers(m.Program.Version) {
			t := evident.ChangeTask{ID: evident.NewID(now), Change: c.ID, Trigger: tr, Subject: c.Subject(), After: c.At, OpenedAt: now}
			if _, err := tx.Exec(ctx, `INSERT INTO change_tasks (id, change_id, kind, requirement, title, due, opened_at, opens_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				t.ID, t.Change, t.Kind, t.Requirement.String(), t.Title, TS(t.Due), TS(t.OpenedAt), TS(t.After)); err != nil {
				return fmt.Errorf("record change task: %w", err)
			}
			tasks = append(tasks, t)
		}
		_, err = tx.Audit(ctx, "change.add", c.ID, c.Actor, struct {
			Change evident.Change       `json:"change"`
			Tasks  []evident.ChangeTask `json:"tasks"`
		}{c, tasks})
		return err
	})
	return c, tasks, err
}

// resolveSubject checks that what changed is in the program and stores a
// system by its id, so every later lookup has one spelling.
func resolveSubject(m *evident.Model, c *evident.Change) error {
	switch {
	case c.System != "":
		sys := m.SystemByName(c.System)
		if sys == nil {
			return evident.ErrorAt(evident.EINVALID, "system", "no system %q in the program (see `evident list systems`)", c.System)
		}
		c.System = sys.ID
	case c.Service != "":
		if m.ServiceByID(c.Service) == nil {
			return evident.ErrorAt(evident.EINVALID, "service", "no service %q in the program (see `evident list services`)", c.Service)
		}
	case m.SupplierByID(c.Supplier) == nil:
		return evident.ErrorAt(evident.EINVALID, "supplier", "no supplier %q in the program (see `evident list suppliers`)", c.Supplier)
	}
	return nil
}

// Changes returns the changes recorded at or before at (zero: all), in
// the order they took effect.
func (tx *Tx) Changes(ctx context.Context, at time.Time) ([]evident.Change, error) {
	rows, err := tx.Query(ctx, `SELECT body FROM changes WHERE recorded_at <= ? ORDER BY at, id`, asOf(at))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []evident.Change
	for rows.Next() {
		var body string
		var c evident.Change
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(body), &c); err != nil {
			return nil, fmt.Errorf("stored change: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ChangeTasks returns the tasks opened at or before at (zero: all), by due date.
func (tx *Tx) ChangeTasks(ctx context.Context, at time.Time) ([]evident.ChangeTask, error) {
	rows, err := tx.Query(ctx, `SELECT id, change_id, kind, requirement, title, due, opened_at, opens_at FROM change_tasks c
		WHERE opened_at <= ? ORDER BY due, id`, asOf(at))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []evident.ChangeTask
	for rows.Next() {
		var t evident.ChangeTask
		var req, due, opened, after string
		if err := rows.Scan(&t.ID, &t.Change, &t.Kind, &req, &t.Title, &due, &opened, &after); err != nil {
			return nil, err
		}
		if t.Requirement, err = evident.ParseRequirementRef(req, "", ""); err != nil {
			return nil, err
		}
		if t.Due, err = ParseTS(due); err != nil {
			return nil, err
		}
		if t.OpenedAt, err = ParseTS(opened); err != nil {
			return nil, err
		}
		if t.After, err = ParseTS(after); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// asOf formats an "as of" bound; the zero time means no bound.
func asOf(at time.Time) string {
	if at.IsZero() {
		return "9999-12-31T23:59:59.999999Z"
	}
	return TS(at)
}

// Changes returns every recorded change, in the order they took effect;
// a reader with a grant sees those that took effect in it.
func (s *Store) Changes(ctx context.Context) ([]evident.Change, error) {
	out := []evident.Change{}
	err := s.Read(ctx, func(tx *Tx) error {
		cs, err := tx.Changes(ctx, time.Time{})
		g, narrowed := GrantOf(ctx)
		for _, c := range cs {
			if !narrowed || g.Contains(c.At) {
				out = append(out, c)
			}
		}
		return err
	})
	return out, err
}
