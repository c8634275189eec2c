package readiness

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/evidenthq/evident"
)

// applyBody is the part of a program.apply audit record replay reads: each
// step carries the object as applied, so the trail alone rebuilds the
// program as it stood at any instant.
type applyBody struct {
	Steps []struct {
		Op      string          `json:"op"`
		Section string          `json:"section"`
		ID      string          `json:"id"`
		Object  json.RawMessage `json:"object"`
	} `json:"steps"`
}

// ReplayModel rebuilds the program from its program.create and
// program.apply records, oldest first. The creation time and creator come
// from the create record, which later program changes do not repeat.
func ReplayModel(recs []evident.Record) (*evident.Model, error) {
	var created evident.Program
	var program json.RawMessage
	sections := map[string]map[string]json.RawMessage{}
	for _, r := range recs {
		switch r.Kind {
		case "program.create":
			if err := json.Unmarshal(r.Body, &created); err != nil {
				return nil, fmt.Errorf("replay program.create: %w", err)
			}
			program = r.Body
		case "program.apply":
			var b applyBody
			if err := json.Unmarshal(r.Body, &b); err != nil {
				return nil, fmt.Errorf("replay program.apply at %s: %w", evident.UTC(r.At), err)
			}
			for _, s := range b.Steps {
				if s.Section == "program" {
					if s.Op != "remove" && len(s.Object) > 0 {
						program = s.Object
					}
					continue
				}
				if sections[s.Section] == nil {
					sections[s.Section] = map[string]json.RawMessage{}
				}
				if s.Op == "remove" {
					delete(sections[s.Section], s.ID)
				} else {
					sections[s.Section][s.ID] = s.Object
				}
			}
		}
	}
	doc := map[string]any{"program": program}
	for name, objs := range sections {
		ids := make([]string, 0, len(objs))
		for id := range objs {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		list := make([]json.RawMessage, len(ids))
		for i, id := range ids {
			list[i] = objs[id]
		}
		doc[name] = list
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	m := &evident.Model{}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("replay the program: %w", err)
	}
	m.Program.CreatedAt, m.Program.CreatedBy = created.CreatedAt, created.CreatedBy
	return m, nil
}
