package sqlstore

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/evidenthq/evident"
)

// Program objects (services, systems, ..., controls with their cadence,
// policies) and the links controls and treatments imply. Each
// program.apply leaf lists its steps with the object as applied, which is
// byte for byte the body PutObject stores.

// objectColumns are the compared columns of every section table.
var objectColumns = []string{"body", "updated_at", "updated_by"}

func sectionProjection(sec Section) projection {
	p := projection{table: string(sec), key: []string{"id"}, columns: objectColumns}
	if sec == Services { // one applier for every section, registered once
		p.kinds = map[string]applyFunc{"program.apply": applyProgram}
	}
	return p
}

var controlRequirementsProjection = projection{
	table: "control_requirements",
	key:   []string{"control_id", "standard", "version", "requirement_id"},
	kinds: nil, // written by applyProgram
}

var treatmentRisksProjection = projection{
	table:   "treatment_risks",
	key:     []string{"treatment_id"},
	columns: []string{"risk_id"},
	kinds:   nil, // written by applyProgram
}

var programProjection = projection{
	table: "program",
	key:   []string{"id"},
	columns: []string{"name", "standard", "version", "overlays", "created_at", "created_by", "legal_name",
		"supervisory_body", "country", "risk_scale", "risk_appetite", "next_audit", "anchor_every", "retention", "requirement_retention", "updated_at", "updated_by"},
	kinds: map[string]applyFunc{"program.create": applyProgramCreate},
}

var soaProjection = projection{
	table:   "soa",
	key:     []string{"standard", "version", "requirement_id"},
	columns: []string{"applicable", "body", "updated_at", "updated_by"},
	kinds:   nil, // written by applyProgram
}

// programProjections is every table program.create and program.apply
// write.
func programProjections() []projection {
	out := []projection{programProjection, soaProjection, controlRequirementsProjection, treatmentRisksProjection}
	for _, sec := range Sections {
		out = append(out, sectionProjection(sec))
	}
	return out
}

func applyProgram(r *Replay, l ReplayLeaf) error {
	var rec struct {
		Steps []struct {
			Op      string          `json:"op"`
			Section string          `json:"section"`
			ID      string          `json:"id"`
			Object  json.RawMessage `json:"object"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(l.Record.Body, &rec); err != nil {
		return err
	}
	for _, s := range rec.Steps {
		sec := Section(s.Section)
		switch {
		case s.Section == "program":
			if err := applyProgramUpdate(r, l, s.Object); err != nil {
				return err
			}
			continue
		case s.Section == "soa":
			if err := applySoA(r, l, s.Op, s.ID, s.Object); err != nil {
				return fmt.Errorf("soa %s: %w", s.ID, err)
			}
			continue
		case !sec.valid():
			return fmt.Errorf("unknown program section %q", s.Section)
		}
		id := Text(s.ID)
		switch sec {
		case Controls:
			r.deleteWhere("control_requirements", "control_id", id)
		case Treatments:
			r.deleteWhere("treatment_risks", "treatment_id", id)
		}
		if s.Op == "remove" {
			r.deleteWhere(string(sec), "id", id)
			continue
		}
		r.put(string(sec), l.Index, map[string]Value{"id": id, "body": Text(string(s.Object)),
			"updated_at": Text(TS(l.Record.At)), "updated_by": Text(l.Record.Actor)})
		if err := applyLinks(r, l, sec, s.Object); err != nil {
			return fmt.Errorf("%s %s: %w", sec, s.ID, err)
		}
	}
	return nil
}

// applyLinks writes the link rows PutObject derives from a control or a
// treatment.
func applyLinks(r *Replay, l ReplayLeaf, sec Section, obj json.RawMessage) error {
	switch sec {
	case Controls:
		var c evident.Control
		if err := json.Unmarshal(obj, &c); err != nil {
			return err
		}
		for _, q := range c.Requirements {
			r.put("control_requirements", l.Index, map[string]Value{"control_id": Text(c.ID), "standard": Text(string(q.Standard)),
				"version": Text(q.Version), "requirement_id": Text(string(q.ID))})
		}
	case Treatments:
		var t evident.Treatment
		if err := json.Unmarshal(obj, &t); err != nil {
			return err
		}
		r.put("treatment_risks", l.Index, map[string]Value{"treatment_id": Text(t.ID), "risk_id": Text(t.Risk)})
	}
	return nil
}

// programRow is the program row's values as CreateProgram and
// UpdateProgram write them.
func programRow(p evident.Program) (map[string]Value, error) {
	if p.Overlays == nil {
		p.Overlays = []string{}
	}
	ov, err := json.Marshal(p.Overlays)
	if err != nil {
		return nil, err
	}
	return map[string]Value{"id": Int(1), "name": Text(p.Name), "standard": Text(string(p.Standard)),
		"version": Text(p.Version), "overlays": Text(string(ov))}, nil
}

func applyProgramCreate(r *Replay, l ReplayLeaf) error {
	var p evident.Program
	if err := json.Unmarshal(l.Record.Body, &p); err != nil {
		return err
	}
	vals, err := programRow(p)
	if err != nil {
		return err
	}
	vals["created_at"], vals["created_by"] = Text(TS(p.CreatedAt)), Text(p.CreatedBy)
	for _, c := range []string{"legal_name", "supervisory_body", "country", "updated_at", "updated_by"} {
		vals[c] = Text("")
	}
	vals["risk_scale"], vals["risk_appetite"], vals["next_audit"], vals["anchor_every"] = Text("{}"), Int(0), Text(""), Text("")
	vals["retention"], vals["requirement_retention"] = Text(""), Text("{}")
	r.put("program", l.Index, vals)
	return nil
}

func applyProgramUpdate(r *Replay, l ReplayLeaf, obj json.RawMessage) error {
	var p evident.Program
	if err := json.Unmarshal(obj, &p); err != nil {
		return err
	}
	vals, err := programRow(p)
	if err != nil {
		return err
	}
	scale, err := json.Marshal(p.RiskScale)
	if err != nil {
		return err
	}
	vals["legal_name"], vals["supervisory_body"], vals["country"] = Text(p.LegalName), Text(p.SupervisoryBody), Text(p.Country)
	vals["risk_scale"], vals["updated_at"], vals["updated_by"] = Text(string(scale)), Text(TS(l.Record.At)), Text(l.Record.Actor)
	audit := ""
	if !p.NextAudit.IsZero() {
		audit = TS(p.NextAudit)
	}
	vals["risk_appetite"], vals["next_audit"], vals["anchor_every"] = Int(int64(p.RiskAppetite)), Text(audit), Text(anchorEvery(p))
	keep, reqKeep := retentionColumns(p)
	vals["retention"], vals["requirement_retention"] = Text(keep), Text(reqKeep)
	delete(vals, "id")
	return r.update("program", []string{"1"}, l.Index, vals)
}

func applySoA(r *Replay, l ReplayLeaf, op, id string, obj json.RawMessage) error {
	if op == "remove" {
		ref, err := evident.ParseRequirementRef(id, "", "")
		if err != nil {
			return err
		}
		delete(r.rows["soa"], strings.Join([]string{string(ref.Standard), ref.Version, string(ref.ID)}, "/"))
		return nil
	}
	var a evident.Applicability
	if err := json.Unmarshal(obj, &a); err != nil {
		return err
	}
	q := a.Requirement
	r.put("soa", l.Index, map[string]Value{"standard": Text(string(q.Standard)), "version": Text(q.Version),
		"requirement_id": Text(string(q.ID)), "applicable": Int(int64(boolInt(a.Applicable))), "body": Text(string(obj)),
		"updated_at": Text(TS(l.Record.At)), "updated_by": Text(l.Record.Actor)})
	return nil
}
