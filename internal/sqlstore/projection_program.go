package sqlstore

import (
	"encoding/json"
	"fmt"

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

// programProjections is every table program.apply writes.
func programProjections() []projection {
	out := []projection{controlRequirementsProjection, treatmentRisksProjection}
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
		if !sec.valid() {
			continue // the program row and the statement of applicability are not projected yet
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
