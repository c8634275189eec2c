package oscal

import (
	"strings"

	types "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"

	"github.com/evidenthq/evident"
)

// Catalog is the standard's requirements as an OSCAL catalog: one group
// per clause, one control per requirement (its id as the control id),
// with the requirement's types, figures and overlay adaptations as
// properties and our paraphrase as the statement. Requirements must be in
// catalog order (clauses contiguous), as the catalog package gives them.
func Catalog(m Meta, reqs []evident.Requirement) *types.OscalModels {
	var groups []types.Group
	for _, r := range reqs {
		if n := len(groups); n == 0 || groups[n-1].ID != clauseID(r.Clause) {
			groups = append(groups, types.Group{ID: clauseID(r.Clause), Title: clean(r.Clause + " " + r.ClauseTitle),
				Props: &[]types.Property{{Name: "label", Value: clean(r.Clause)}}, Controls: &[]types.Control{}})
		}
		g := &groups[len(groups)-1]
		*g.Controls = append(*g.Controls, control(r))
	}
	var version string
	if len(reqs) > 0 {
		version = string(reqs[0].Standard) + " V" + reqs[0].Version
	}
	return &types.OscalModels{Catalog: &types.Catalog{UUID: ID("catalog", version), Metadata: metadata(m), Groups: &groups}}
}

func clauseID(clause string) string { return "clause-" + token(clause) }

func control(r evident.Requirement) types.Control {
	props := []types.Property{{Name: "label", Value: string(r.ID)}, prop("reference", r.Ref().String())}
	for _, t := range r.Types {
		props = append(props, prop("requirement-type", string(t)))
	}
	for _, f := range r.Figures {
		props = append(props, prop("figure", f.String()))
	}
	for _, a := range r.Adaptations {
		props = append(props, prop("adaptation", a))
	}
	if !r.Confirmed {
		props = append(props, prop("confirmed", "false"))
	}
	parts := []types.Part{{ID: token(string(r.ID)) + "_smt", Name: "statement", Prose: clean(r.Text)}}
	if strings.TrimSpace(r.Note) != "" {
		parts = append(parts, types.Part{ID: token(string(r.ID)) + "_gdn", Name: "guidance", Prose: clean(r.Note)})
	}
	return types.Control{ID: token(string(r.ID)), Title: string(r.ID), Class: "requirement", Props: &props, Parts: &parts}
}

// ControlIDs lists the control ids of a catalog document, in order: what
// a round trip (export, parse back) must keep.
func ControlIDs(doc *types.OscalModels) []string {
	var out []string
	if doc.Catalog == nil || doc.Catalog.Groups == nil {
		return nil
	}
	for _, g := range *doc.Catalog.Groups {
		if g.Controls == nil {
			continue
		}
		for _, c := range *g.Controls {
			out = append(out, c.ID)
		}
	}
	return out
}
