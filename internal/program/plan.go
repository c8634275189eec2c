package program

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/evidenthq/evident"
)

// Op is what a plan does to one object.
type Op string

// Plan operations.
const (
	Add    Op = "add"
	Change Op = "change"
	Remove Op = "remove"
)

// Step is one object's change. Fields lists the changed fields of a
// changed object, as "path: old -> new".
type Step struct {
	Op      Op          `json:"op"`
	Section string      `json:"section"` // "controls", "program", "soa", ...
	ID      string      `json:"id"`
	Fields  []FieldDiff `json:"fields,omitempty"`
	obj     any         // the wanted object, for Apply
}

// FieldDiff is one changed field.
type FieldDiff struct {
	Path string `json:"path"`
	Old  string `json:"old,omitempty"`
	New  string `json:"new,omitempty"`
}

// Plan is the list of steps that make a stored program equal to a wanted
// one, in section order then id order.
type Plan struct {
	Steps []Step `json:"steps"`
}

// Empty reports whether the plan changes nothing.
func (p Plan) Empty() bool { return len(p.Steps) == 0 }

// Count returns how many steps of each operation the plan has.
func (p Plan) Count() (add, change, remove int) {
	for _, s := range p.Steps {
		switch s.Op {
		case Add:
			add++
		case Change:
			change++
		case Remove:
			remove++
		}
	}
	return add, change, remove
}

// String renders the plan as a readable diff: "+" added, "~" changed with
// its fields, "-" removed, and a summary line.
func (p Plan) String() string {
	var b strings.Builder
	for _, s := range p.Steps {
		sign := map[Op]string{Add: "+", Change: "~", Remove: "-"}[s.Op]
		fmt.Fprintf(&b, "%s %s %s\n", sign, s.Section, s.ID)
		for _, f := range s.Fields {
			fmt.Fprintf(&b, "    %s: %s -> %s\n", f.Path, orNone(f.Old), orNone(f.New))
		}
	}
	a, c, r := p.Count()
	if p.Empty() {
		b.WriteString("No changes: the stored program matches.\n")
	} else {
		fmt.Fprintf(&b, "Plan: %d to add, %d to change, %d to remove.\n", a, c, r)
	}
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// Diff returns the plan that turns have into want. Objects are compared by
// their JSON encoding, so any field that would be stored differently is a
// change; order within a section does not matter.
func Diff(have, want *evident.Model) Plan {
	var p Plan
	hp, wp := programFields(have.Program), programFields(want.Program)
	if d := fieldDiffs(hp, wp); len(d) > 0 {
		p.Steps = append(p.Steps, Step{Op: Change, Section: "program", ID: "program", Fields: d, obj: want.Program})
	}
	for _, sec := range sections {
		p.Steps = append(p.Steps, diffSection(sec.name, sec.objects(have), sec.objects(want))...)
	}
	return p
}

// programFields leaves out what the store sets itself: when and by whom
// the program was created.
func programFields(p evident.Program) evident.Program {
	p.CreatedAt, p.CreatedBy = time.Time{}, ""
	if p.Overlays == nil {
		p.Overlays = []string{}
	}
	return p
}

// keyed is one object with its id.
type keyed struct {
	id  string
	obj any
}

// section describes how to list one section's objects.
type section struct {
	name    string
	objects func(*evident.Model) []keyed
}

func keyAll[T any](xs []T, id func(T) string) []keyed {
	out := make([]keyed, len(xs))
	for i, x := range xs {
		out[i] = keyed{id(x), x}
	}
	return out
}

// sections in the order a plan lists them and apply writes them.
var sections = []section{
	{"services", func(m *evident.Model) []keyed {
		return keyAll(m.Services, func(x evident.Service) string { return x.ID })
	}},
	{"systems", func(m *evident.Model) []keyed {
		return keyAll(m.Systems, func(x evident.System) string { return x.ID })
	}},
	{"zones", func(m *evident.Model) []keyed { return keyAll(m.Zones, func(x evident.Zone) string { return x.ID }) }},
	{"suppliers", func(m *evident.Model) []keyed {
		return keyAll(m.Suppliers, func(x evident.Supplier) string { return x.ID })
	}},
	{"roles", func(m *evident.Model) []keyed { return keyAll(m.Roles, func(x evident.Role) string { return x.ID }) }},
	{"people", func(m *evident.Model) []keyed { return keyAll(m.People, func(x evident.Person) string { return x.ID }) }},
	{"risks", func(m *evident.Model) []keyed { return keyAll(m.Risks, func(x evident.Risk) string { return x.ID }) }},
	{"treatments", func(m *evident.Model) []keyed {
		return keyAll(m.Treatments, func(x evident.Treatment) string { return x.ID })
	}},
	{"acceptances", func(m *evident.Model) []keyed {
		return keyAll(m.Acceptances, func(x evident.Acceptance) string { return x.ID })
	}},
	{"controls", func(m *evident.Model) []keyed {
		return keyAll(m.Controls, func(x evident.Control) string { return x.ID })
	}},
	{"policies", func(m *evident.Model) []keyed {
		return keyAll(m.Policies, func(x evident.Policy) string { return x.ID })
	}},
	{"soa", func(m *evident.Model) []keyed {
		return keyAll(m.SoA, func(x evident.Applicability) string { return x.Requirement.String() })
	}},
}

func diffSection(name string, have, want []keyed) []Step {
	old := map[string]any{}
	for _, k := range have {
		old[k.id] = k.obj
	}
	var steps []Step
	seen := map[string]bool{}
	for _, k := range want {
		seen[k.id] = true
		o, ok := old[k.id]
		if !ok {
			steps = append(steps, Step{Op: Add, Section: name, ID: k.id, obj: k.obj})
			continue
		}
		if d := fieldDiffs(o, k.obj); len(d) > 0 {
			steps = append(steps, Step{Op: Change, Section: name, ID: k.id, Fields: d, obj: k.obj})
		}
	}
	for _, k := range have {
		if !seen[k.id] {
			steps = append(steps, Step{Op: Remove, Section: name, ID: k.id})
		}
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].ID < steps[j].ID })
	return steps
}

// fieldDiffs compares two objects field by field through their JSON
// encodings, flattened to paths such as "method.criteria[0]".
func fieldDiffs(a, b any) []FieldDiff {
	fa, fb := flatten(a), flatten(b)
	var paths []string
	for p := range fa {
		paths = append(paths, p)
	}
	for p := range fb {
		if _, ok := fa[p]; !ok {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	var out []FieldDiff
	for _, p := range paths {
		if fa[p] != fb[p] {
			out = append(out, FieldDiff{Path: p, Old: fa[p], New: fb[p]})
		}
	}
	return out
}

// flatten encodes v as JSON and returns its leaves by path. Leaves are
// rendered as JSON text, so "1" and "\"1\"" stay different.
func flatten(v any) map[string]string {
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]string{"": fmt.Sprintf("unencodable: %v", err)}
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		return map[string]string{"": string(b)}
	}
	out := map[string]string{}
	walk("", x, out)
	return out
}

func walk(path string, x any, out map[string]string) {
	switch t := x.(type) {
	case map[string]any:
		for k, v := range t {
			p := k
			if path != "" {
				p = path + "." + k
			}
			walk(p, v, out)
		}
	case []any:
		for i, v := range t {
			walk(fmt.Sprintf("%s[%d]", path, i), v, out)
		}
	case string:
		out[path] = t
	default:
		b, _ := json.Marshal(t)
		out[path] = string(b)
	}
}
