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
	var std, ov, at, scale, audit, anchor string
	err := tx.QueryRow(ctx, `SELECT name, standard, version, overlays, created_at, created_by, legal_name, supervisory_body, country, risk_scale, risk_appetite, next_audit, anchor_every FROM program WHERE id = 1`).
		Scan(&p.Name, &std, &p.Version, &ov, &at, &p.CreatedBy, &p.LegalName, &p.SupervisoryBody, &p.Country, &scale, &p.RiskAppetite, &audit, &anchor)
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
	p.CreatedAt, err = ParseTS(at)
	return p, err
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
// next audit date, anchoring schedule) inside tx. The creation time and creator never change.
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
	res, err := tx.Exec(ctx, `UPDATE program SET name = ?, standard = ?, version = ?, overlays = ?, legal_name = ?, supervisory_body = ?, country = ?, risk_scale = ?, risk_appetite = ?, next_audit = ?, anchor_every = ?, updated_at = ?, updated_by = ? WHERE id = 1`,
		p.Name, string(p.Standard), p.Version, string(ov), p.LegalName, p.SupervisoryBody, p.Country, string(scale), p.RiskAppetite, audit, anchorEvery(p), TS(tx.Now), actor)
	if err != nil {
		return fmt.Errorf("update program: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return evident.Errorf(evident.ENOTFOUND, "no program in this store: run `evident init`")
	}
	return nil
}
