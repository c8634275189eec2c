package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/evidenthq/evident"
)

// CreateProgram creates the program row and records it in the ledger. A
// store holds one program; creating a second is ECONFLICT, which is how
// `evident init` refuses to touch an existing program.
func (s *Store) CreateProgram(ctx context.Context, p evident.Program) error {
	return s.Write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM program`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return evident.Errorf(evident.ECONFLICT, "a program already exists in this store")
		}
		if p.Overlays == nil {
			p.Overlays = []string{}
		}
		ov, _ := json.Marshal(p.Overlays)
		p.CreatedAt = tx.Now
		if _, err := tx.Exec(ctx, `INSERT INTO program (id, name, standard, version, overlays, created_at, created_by) VALUES (1, ?, ?, ?, ?, ?, ?)`,
			p.Name, string(p.Standard), p.Version, string(ov), TS(p.CreatedAt), p.CreatedBy); err != nil {
			return fmt.Errorf("create program: %w", err)
		}
		_, err := tx.Audit(ctx, "program.create", "program", p.CreatedBy, p)
		return err
	})
}

// Program returns the program, or ENOTFOUND when the store has none yet.
func (s *Store) Program(ctx context.Context) (evident.Program, error) {
	var p evident.Program
	err := s.Read(ctx, func(tx *Tx) error {
		var err error
		p, err = tx.Program(ctx)
		return err
	})
	return p, err
}

// Program reads the program inside a transaction.
func (tx *Tx) Program(ctx context.Context) (evident.Program, error) {
	var p evident.Program
	var std, ov, at, scale, audit, anchor, keep, reqKeep string
	err := tx.QueryRow(ctx, `SELECT name, standard, version, overlays, created_at, created_by, legal_name, supervisory_body, country, risk_scale, risk_appetite, next_audit, anchor_every, retention, requirement_retention FROM program WHERE id = 1`).
		Scan(&p.Name, &std, &p.Version, &ov, &at, &p.CreatedBy, &p.LegalName, &p.SupervisoryBody, &p.Country, &scale, &p.RiskAppetite, &audit, &anchor, &keep, &reqKeep)
	if errors.Is(err, sql.ErrNoRows) {
		return p, evident.Errorf(evident.ENOTFOUND, "no program in this store: run `evident init`")
	}
	if err != nil {
		return p, err
	}
	p.Standard = evident.Standard(std)
	if err := json.Unmarshal([]byte(ov), &p.Overlays); err != nil {
		return p, fmt.Errorf("program overlays: %w", err)
	}
	if err := json.Unmarshal([]byte(scale), &p.RiskScale); err != nil {
		return p, fmt.Errorf("program risk scale: %w", err)
	}
	if audit != "" {
		if p.NextAudit, err = ParseTS(audit); err != nil {
			return p, fmt.Errorf("program next audit: %w", err)
		}
	}
	if anchor != "" {
		if p.AnchorEvery, err = evident.ParseSpan(anchor); err != nil {
			return p, fmt.Errorf("program anchor_every: %w", err)
		}
	}
	if keep != "" {
		if p.Retention, err = evident.ParseRetention(keep); err != nil {
			return p, fmt.Errorf("program retention: %w", err)
		}
	}
	if err := json.Unmarshal([]byte(reqKeep), &p.RequirementRetention); err != nil {
		return p, fmt.Errorf("program requirement retention: %w", err)
	}
	if len(p.RequirementRetention) == 0 {
		p.RequirementRetention = nil
	}
	p.CreatedAt, err = ParseTS(at)
	return p, err
}

// retentionColumns are how the program row keeps its retention periods:
// "" for a default of for ever, and the requirements' periods as JSON.
func retentionColumns(p evident.Program) (string, string) {
	keep := ""
	if !p.Retention.Forever() {
		keep = p.Retention.String()
	}
	m := p.RequirementRetention
	if m == nil {
		m = map[string]evident.Retention{}
	}
	b, _ := json.Marshal(m) // map keys are sorted: one text per content
	return keep, string(b)
}

// anchorEvery is how the program row keeps its anchoring schedule.
func anchorEvery(p evident.Program) string {
	if p.AnchorEvery.Amount <= 0 {
		return ""
	}
	return p.AnchorEvery.Short()
}

// UpdateProgram changes the program's own fields (name, legal name,
// supervisory body, version in force, overlays, risk scale and appetite,
// next audit date, anchoring schedule, retention periods) inside tx. The creation time and creator never change.
func (tx *Tx) UpdateProgram(ctx context.Context, p evident.Program, actor string) error {
	if p.Overlays == nil {
		p.Overlays = []string{}
	}
	ov, _ := json.Marshal(p.Overlays)
	scale, _ := json.Marshal(p.RiskScale)
	audit := ""
	if !p.NextAudit.IsZero() {
		audit = TS(p.NextAudit)
	}
	keep, reqKeep := retentionColumns(p)
	res, err := tx.Exec(ctx, `UPDATE program SET name = ?, standard = ?, version = ?, overlays = ?, legal_name = ?, supervisory_body = ?, country = ?, risk_scale = ?, risk_appetite = ?, next_audit = ?, anchor_every = ?, retention = ?, requirement_retention = ?, updated_at = ?, updated_by = ? WHERE id = 1`,
		p.Name, string(p.Standard), p.Version, string(ov), p.LegalName, p.SupervisoryBody, p.Country, string(scale), p.RiskAppetite, audit, anchorEvery(p), keep, reqKeep, TS(tx.Now), actor)
	if err != nil {
		return fmt.Errorf("update program: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return evident.Errorf(evident.ENOTFOUND, "no program in this store: run `evident init`")
	}
	return nil
}
