package pack

import (
	_ "embed"
	"html/template"
	"io"
	"sync"

	"github.com/evidenthq/evident"
)

//go:embed report.html.tmpl
var reportTmpl string

// reportPage is report.html: the printable report, one page per clause
// (print CSS breaks a page after each), then the registers. Like
// index.html it has its styles inline and no script, so it prints the
// same from an offline laptop.
var reportPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Funcs(pageFuncs).Parse(reportTmpl))
})

// reportView is what report.html is rendered from.
type reportView struct {
	Index     *Index
	Registers *Registers
	Clauses   []clausePage
	Verified  int // requirements verified over the period
	// Counts is how many evidence items each control has: the traces
	// do not hold their evidence.
	Counts map[string]int
}

// clausePage is one clause of the standard with its requirements' traces.
type clausePage struct {
	Clause, Title string
	Requirements  []RequirementTrace
}

// clauses groups the traces by clause, in catalog order.
func clauses(ts []RequirementTrace) []clausePage {
	var out []clausePage
	for _, t := range ts {
		if n := len(out); n == 0 || out[n-1].Clause != t.Clause {
			out = append(out, clausePage{Clause: t.Clause, Title: t.ClauseTitle})
		}
		out[len(out)-1].Requirements = append(out[len(out)-1].Requirements, t)
	}
	return out
}

func writeReport(w io.Writer, ix *Index, regs *Registers, ev indexEvidence) error {
	counts := map[string]int{}
	for _, c := range ix.Controls {
		counts[c.ID] = ev.count(c.ID)
	}
	return reportPage().Execute(w, reportView{Index: ix, Registers: regs, Clauses: clauses(regs.Requirements),
		Verified: ix.Summary.Readiness.Counts[evident.ReadinessVerified], Counts: counts})
}
