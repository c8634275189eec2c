package catalog

import (
	"fmt"
	"strings"

	"github.com/evidenthq/evident"
)

// Format renders a requirement as the human text of "evident catalog
// show": reference and types, clause, paraphrase, then each figure both as
// the program reads it and as a reader says it, so a wrong figure in the
// data is visible at a glance.
func Format(r evident.Requirement) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  [%s]\n", r.Ref(), joinTypes(r.Types))
	fmt.Fprintf(&b, "Clause %s  %s\n", r.Clause, r.ClauseTitle)
	fmt.Fprintf(&b, "\n%s\n", r.Text)
	if len(r.Figures) > 0 {
		b.WriteString("\nFigures:\n")
		for _, f := range r.Figures {
			fmt.Fprintf(&b, "  %s  (%q)\n", f, f.Text)
			if f.Law != "" {
				fmt.Fprintf(&b, "    also set by %s\n", f.Law)
			}
		}
	}
	if len(r.Adaptations) > 0 {
		fmt.Fprintf(&b, "\nAdapted by: %s\n", strings.Join(r.Adaptations, "; "))
	}
	if r.Note != "" {
		fmt.Fprintf(&b, "\nNote: %s\n", r.Note)
	}
	if !r.Confirmed {
		b.WriteString("\nUnconfirmed: the identifier is cited publicly, but this wording, type and figures are inferred.\n")
	}
	return b.String()
}

// FormatLine renders a requirement on one line for "evident catalog list":
// id, types, a short form of its figures, and the start of the text.
func FormatLine(r evident.Requirement) string {
	line := fmt.Sprintf("%-14s %-24s %s", r.ID, joinTypes(r.Types), r.Text)
	var figs []string
	for _, f := range r.Figures {
		figs = append(figs, f.Text)
	}
	if len(figs) > 0 {
		line += "  {" + strings.Join(figs, "; ") + "}"
	}
	return line
}

// FormatDiff renders a Diff as the human text of "evident catalog diff".
// The added and removed lists are summarised as counts when the diff is
// partial, since they then mostly say what one version does not list.
func FormatDiff(d Diff) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s -> %s\n", evident.EN319401, d.From, d.To)
	if d.Partial {
		b.WriteString("partial: one version lists only confirmed identifiers; added/removed mean \"not known in the other version\"\n")
	}
	fmt.Fprintf(&b, "\nRenumbered (%d):\n", len(d.Renumbered))
	for _, c := range d.Renumbered {
		fmt.Fprintf(&b, "  %s -> %s  (%s)\n", c.From.ID, c.To.ID, c.Basis)
	}
	fmt.Fprintf(&b, "\nChanged (%d):\n", len(d.Changed))
	for _, ch := range d.Changed {
		fmt.Fprintf(&b, "  %s -> %s  (%s)\n", ch.From.ID, ch.To.ID, ch.Basis)
		for _, f := range ch.FiguresAdded {
			fmt.Fprintf(&b, "    + %s\n", f)
		}
		for _, f := range ch.FiguresRemoved {
			fmt.Fprintf(&b, "    - %s\n", f)
		}
		for _, t := range ch.TypesAdded {
			fmt.Fprintf(&b, "    + type %s\n", t)
		}
		for _, t := range ch.TypesRemoved {
			fmt.Fprintf(&b, "    - type %s\n", t)
		}
	}
	list := func(title string, reqs []evident.Requirement) {
		fmt.Fprintf(&b, "\n%s (%d)", title, len(reqs))
		if d.Partial && len(reqs) > 20 {
			b.WriteString(": not listed, see --json\n")
			return
		}
		b.WriteString(":\n")
		for _, r := range reqs {
			fmt.Fprintf(&b, "  %s\n", r.ID)
		}
	}
	list("Added", d.Added)
	list("Removed", d.Removed)
	return b.String()
}

func joinTypes(ts []evident.RequirementType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}
