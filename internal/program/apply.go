package program

import (
	"context"
	"errors"
	"fmt"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Apply makes the stored program equal to want in one transaction and
// returns the plan it carried out. The plan is computed inside the
// transaction, against what is stored at that instant, so two applies
// cannot interleave. Every applied plan is recorded in the audit trail as
// one "program.apply" record naming the actor and each step; every new
// policy approval and every new risk acceptance also gets its own record
// ("policy.approval", "risk.acceptance") because those are the decisions
// an assessor asks about by name. A plan with no steps writes nothing.
func Apply(ctx context.Context, st *sqlstore.Store, want *evident.Model, actor string) (Plan, error) {
	if actor == "" {
		return Plan{}, evident.Errorf(evident.EINVALID, "apply needs an actor")
	}
	if probs := want.Check(nil); len(probs) > 0 {
		errs := make([]error, len(probs))
		for i, p := range probs {
			errs[i] = evident.Errorf(evident.EINVALID, "%s", p.Error())
		}
		return Plan{}, errors.Join(errs...)
	}
	var plan Plan
	err := st.Write(ctx, func(tx *sqlstore.Tx) error {
		have, err := tx.Model(ctx)
		if err != nil {
			return err
		}
		plan = Diff(have, want)
		if plan.Empty() {
			return nil
		}
		for _, s := range plan.Steps {
			if err := applyStep(ctx, tx, have.Program, s, actor); err != nil {
				return err
			}
		}
		if _, err := tx.Audit(ctx, "program.apply", "program", actor, auditBody(plan)); err != nil {
			return err
		}
		return auditDecisions(ctx, tx, have, want, actor)
	})
	if err != nil {
		return Plan{}, err
	}
	return plan, nil
}

func applyStep(ctx context.Context, tx *sqlstore.Tx, cur evident.Program, s Step, actor string) error {
	switch {
	case s.Section == "program":
		p := s.obj.(evident.Program)
		p.CreatedAt, p.CreatedBy = cur.CreatedAt, cur.CreatedBy
		return tx.UpdateProgram(ctx, p, actor)
	case s.Section == "soa" && s.Op == Remove:
		ref, err := evident.ParseRequirementRef(s.ID, "", "")
		if err != nil {
			return err
		}
		return tx.DeleteApplicability(ctx, ref)
	case s.Section == "soa":
		return tx.PutApplicability(ctx, s.obj.(evident.Applicability), actor)
	case s.Op == Remove:
		return tx.DeleteObject(ctx, sqlstore.Section(s.Section), s.ID)
	default:
		return tx.PutObject(ctx, sqlstore.Section(s.Section), s.ID, s.obj, actor)
	}
}

// applyRecord is the body of a "program.apply" audit record.
type applyRecord struct {
	Added   int        `json:"added"`
	Changed int        `json:"changed"`
	Removed int        `json:"removed"`
	Steps   []stepNote `json:"steps"`
}

type stepNote struct {
	Op      Op       `json:"op"`
	Section string   `json:"section"`
	ID      string   `json:"id"`
	Fields  []string `json:"fields,omitempty"`
	Object  any      `json:"object,omitempty"` // the object as applied, so the trail alone can rebuild the program
}

func auditBody(p Plan) applyRecord {
	a, c, r := p.Count()
	rec := applyRecord{Added: a, Changed: c, Removed: r}
	for _, s := range p.Steps {
		n := stepNote{Op: s.Op, Section: s.Section, ID: s.ID, Object: s.obj}
		for _, f := range s.Fields {
			n.Fields = append(n.Fields, f.Path)
		}
		rec.Steps = append(rec.Steps, n)
	}
	return rec
}

// approvalRecord and acceptanceRecord are the bodies of the decision records.
type approvalRecord struct {
	Policy   string           `json:"policy"`
	Version  string           `json:"version"`
	SHA256   string           `json:"sha256,omitempty"`
	Approval evident.Approval `json:"approval"`
}

// auditDecisions records each approval and acceptance that is new in want.
func auditDecisions(ctx context.Context, tx *sqlstore.Tx, have, want *evident.Model, actor string) error {
	old := map[string]bool{}
	for _, p := range have.Policies {
		for _, v := range p.Versions {
			for _, a := range v.Approvals {
				old[approvalKey(p.ID, v.Version, a)] = true
			}
		}
	}
	for _, p := range want.Policies {
		for _, v := range p.Versions {
			for _, a := range v.Approvals {
				k := approvalKey(p.ID, v.Version, a)
				if old[k] {
					continue
				}
				rec := approvalRecord{Policy: p.ID, Version: v.Version, SHA256: v.SHA256, Approval: a}
				if _, err := tx.Audit(ctx, "policy.approval", p.ID+"@"+v.Version, actor, rec); err != nil {
					return err
				}
			}
		}
	}
	for _, a := range want.Acceptances {
		if prev := have.AcceptanceByID(a.ID); prev != nil && sameJSON(*prev, a) {
			continue
		}
		if _, err := tx.Audit(ctx, "risk.acceptance", a.ID, actor, a); err != nil {
			return err
		}
	}
	return nil
}

func approvalKey(policy, version string, a evident.Approval) string {
	return fmt.Sprintf("%s\x00%s\x00%s\x00%s", policy, version, a.By, a.At)
}

func sameJSON(a, b any) bool { return len(fieldDiffs(a, b)) == 0 }
