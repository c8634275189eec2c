package readiness

import (
	"encoding/json"
	"testing"

	"github.com/evidenthq/evident"
)

func TestReplayModelFollowsAddChangeRemove(t *testing.T) {
	rec := func(kind string, body any) evident.Record {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		return evident.Record{Kind: kind, Body: b}
	}
	step := func(op, section, id string, obj any) map[string]any {
		return map[string]any{"op": op, "section": section, "id": id, "object": obj}
	}
	created := evident.Program{Name: "Example", Version: "3.2.1", CreatedAt: at(t, "2025-01-01"), CreatedBy: "alice"}
	recs := []evident.Record{
		rec("program.create", created),
		rec("program.apply", map[string]any{"steps": []any{
			step("add", "controls", "scan", evident.Control{ID: "scan", Title: "Scan"}),
			step("add", "systems", "ca", evident.System{ID: "ca", Name: "CA"}),
			step("add", "soa", "EN319401@3.2.1:REQ-7.8-23", evident.Applicability{Requirement: ref("REQ-7.8-23"), Justification: "none"}),
		}}),
		rec("program.apply", map[string]any{"steps": []any{
			step("change", "program", "program", evident.Program{Name: "Example Trust", Version: "3.2.1"}),
			step("change", "controls", "scan", evident.Control{ID: "scan", Title: "Quarterly scan"}),
			step("remove", "systems", "ca", nil),
		}}),
	}
	m, err := ReplayModel(recs)
	if err != nil {
		t.Fatal(err)
	}
	if m.Program.Name != "Example Trust" || !m.Program.CreatedAt.Equal(created.CreatedAt) || m.Program.CreatedBy != "alice" {
		t.Errorf("program = %+v, want the renamed program keeping its creation", m.Program)
	}
	if len(m.Controls) != 1 || m.Controls[0].Title != "Quarterly scan" {
		t.Errorf("controls = %+v, want the changed scan", m.Controls)
	}
	if len(m.Systems) != 0 {
		t.Errorf("systems = %+v, want the removed system gone", m.Systems)
	}
	if a, ok := m.Applicability(ref("REQ-7.8-23")); !ok || a.Justification != "none" {
		t.Errorf("statement of applicability lost in replay: %+v", m.SoA)
	}
	// Replaying only the first two records gives the program before the change.
	m, err = ReplayModel(recs[:2])
	if err != nil || len(m.Systems) != 1 || m.Controls[0].Title != "Scan" || m.Program.Name != "Example" {
		t.Errorf("replay of the first apply = %+v, %v", m, err)
	}
}
