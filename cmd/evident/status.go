package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// cmdStatus prints the program's readiness now or at a past instant. The
// ledger is append-only and every read filters on receipt time, so
// `status --at T` is exactly what `status` said at T, with the program
// rebuilt from the audit trail if it was applied since. --from/--to add
// each control's expected
// versus found periods over a range, with the gaps and their dates.
func cmdStatus(a *app, args []string) error {
	fs := a.flags("status")
	atFlag := fs.String("at", "", "compute the status as of this `time` (RFC 3339 or a date; default now)")
	fromFlag := fs.String("from", "", "start of a `range` to count expected versus found periods over")
	toFlag := fs.String("to", "", "end of the range (exclusive; default --at)")
	stdFlag := fs.String("standard", "", "answer in this id space's own item `id`s (default en319401: the requirements themselves)")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	space, err := statusSpace(*stdFlag)
	if err != nil {
		return err
	}
	at, err := atTime(a, *atFlag)
	if err != nil {
		return err
	}
	from, to, err := statusRange(*fromFlag, *toFlag, at)
	if err != nil {
		return err
	}
	r, err := a.readinessReport(at, from, to)
	if err != nil {
		return err
	}
	if space != nil {
		// No program declares planned intervals yet, so items asking for
		// them stay at best implemented: unprovable never counts as verified.
		items := readiness.SpaceStatus(*space, r, nil)
		if a.json {
			return a.printJSON(spaceReport{Standard: space.ID, Title: space.Title, At: r.At, Items: items})
		}
		printSpace(a, *space, r.At, items)
		return nil
	}
	if a.json {
		return a.printJSON(r)
	}
	printStatus(a, r)
	return nil
}

// spaceReport is `status --standard ID --json`: each item of the id space
// with its state, derived by readiness.SpaceStatus from the one report.
type spaceReport struct {
	Standard string                 `json:"standard"`
	Title    string                 `json:"title"`
	At       time.Time              `json:"at"`
	Items    []readiness.ItemStatus `json:"items"`
}

// statusSpace resolves --standard: empty or en319401 is the standard
// itself (nil); any other id must be an id space of the catalog, else a
// usage error naming the known ones.
func statusSpace(id string) (*catalog.IDSpace, error) {
	if id == "" || id == "en319401" {
		return nil, nil
	}
	cat, err := catalog.Load()
	if err != nil {
		return nil, err
	}
	sp, err := cat.IDSpace(id)
	if err != nil {
		known := []string{"en319401"}
		for _, s := range cat.IDSpaces() {
			known = append(known, s.ID)
		}
		return nil, evident.ErrorAt(evident.EINVALID, "--standard", "unknown standard %q (known: %s)", id, strings.Join(known, ", "))
	}
	return &sp, nil
}

// printSpace prints an id space's items with their states and the
// EN 319 401 requirements each rests on.
func printSpace(a *app, sp catalog.IDSpace, at time.Time, items []readiness.ItemStatus) {
	a.out("Readiness in %s (%s) at %s, from the EN 319 401 requirements each item maps to\n\n", sp.ID, sp.Title, stamp(at))
	rows := make([][]string, 0, len(items))
	for _, it := range items {
		rows = append(rows, []string{it.ID, clip(it.Title, 40), string(it.State), strings.Join(it.Requirements, " "), it.Why})
	}
	printRows(a.stdout, "ITEM\tTITLE\tSTATE\tREQUIREMENTS\tWHY", rows)
}

// atTime reads --at; empty means now.
func atTime(a *app, s string) (time.Time, error) {
	if s == "" {
		return a.now().UTC().Truncate(time.Microsecond), nil
	}
	t, err := evident.ParseTime(s)
	if err != nil {
		return t, evident.ErrorAt(evident.EINVALID, "--at", "%s", err.(*evident.Error).Message)
	}
	return t, nil
}

func statusRange(fromS, toS string, at time.Time) (time.Time, time.Time, error) {
	if fromS == "" {
		if toS != "" {
			return time.Time{}, time.Time{}, evident.ErrorAt(evident.EINVALID, "--to", "give --from with --to")
		}
		return time.Time{}, time.Time{}, nil
	}
	from, err := evident.ParseTime(fromS)
	if err != nil {
		return from, from, evident.ErrorAt(evident.EINVALID, "--from", "%s", err.(*evident.Error).Message)
	}
	to := at
	if toS != "" {
		if to, err = evident.ParseTime(toS); err != nil {
			return from, to, evident.ErrorAt(evident.EINVALID, "--to", "%s", err.(*evident.Error).Message)
		}
	}
	if !to.After(from) {
		return from, to, evident.ErrorAt(evident.EINVALID, "--to", "%s is not after --from %s", stamp(to), stamp(from))
	}
	// The one rule of every view: a period ends at the instant at the
	// latest, since its later windows are not owed yet.
	return readiness.Range(at, from, to, time.Time{}, time.Time{})
}

// readinessInput loads what status, tasks and calendar compute from.
// Only status needs the catalog (requirements and clause titles); tasks
// and calendar skip parsing it.
func (a *app) readinessInput(at, from time.Time, withCatalog bool) (readiness.Input, error) {
	st, err := a.openStore()
	if err != nil {
		return readiness.Input{}, err
	}
	defer st.Close()
	return a.loadReadiness(st, at, from, withCatalog)
}

// readinessReport is the readiness report at at, over [from, to) when
// from is not zero, as every view computes it (readiness.ReportOf).
func (a *app) readinessReport(at, from, to time.Time) (readiness.Report, error) {
	st, err := a.openStore()
	if err != nil {
		return readiness.Report{}, err
	}
	defer st.Close()
	cat, err := catalog.Load()
	if err != nil {
		return readiness.Report{}, err
	}
	return readiness.ReportOf(a.ctx, st, cat, at, from, to)
}

// loadReadiness reads the input from st as every view does
// (readiness.LoadProgram), with no catalog unless withCatalog.
func (a *app) loadReadiness(st *sqlstore.Store, at, from time.Time, withCatalog bool) (readiness.Input, error) {
	var cat *catalog.Catalog
	if withCatalog {
		var err error
		if cat, err = catalog.Load(); err != nil {
			return readiness.Input{}, err
		}
	}
	p, err := readiness.LoadProgram(a.ctx, st, cat, at, from, false)
	return p.In, err
}

func printStatus(a *app, r readiness.Report) {
	a.out("Readiness of %q (EN 319 401 V%s) at %s: score %.1f / 100 over %d applicable requirements\n\n",
		r.Program, r.Version, stamp(r.At), r.Score.Score, r.Score.Applicable)
	rows := make([][]string, 0, len(r.Clauses))
	for _, c := range r.Clauses {
		rows = append(rows, append([]string{c.Clause, clip(c.Title, 40), fmt.Sprintf("%.1f", c.Score)}, counts(c.Tally)...))
	}
	printRows(a.stdout, "CLAUSE\tTITLE\tSCORE\tVERIFIED\tIMPLEMENTED\tPLANNED\tFAILING\tNOT ADDRESSED\tN/A", rows)
	a.out("\nProgram: %s\n", strings.Join(labelled(r.Score), ", "))
	if n := len(r.Gaps); n > 0 {
		concerned := 0
		for _, q := range r.Requirements {
			if q.Gaps > 0 {
				concerned++
			}
		}
		a.out("%s; none of the %s they concern can be verified until they close (`evident gaps`)\n", count(n, "open gap", "open gaps"), count(concerned, "requirement", "requirements"))
	}
	var ctl [][]string
	var why []string
	for _, c := range r.Controls {
		period, has := "-", "-"
		if p := c.Period; p != nil {
			period = string(p.State) + " until " + p.LastDay().Format("2006-01-02")
			if p.Review != "" {
				period += " (" + p.Review + ")"
			}
			has = p.Count()
			if len(p.Late) > 0 {
				has += fmt.Sprintf(" (%d late)", len(p.Late))
			}
			for _, reason := range p.Reasons() {
				why = append(why, c.ID+": "+reason)
			}
		}
		line := []string{c.ID, c.Cadence, string(c.Freshness.State), period, has}
		if c.Coverage != nil {
			line = append(line, coverageText(*c.Coverage))
		}
		ctl = append(ctl, line)
	}
	if len(ctl) > 0 {
		a.out("\n")
		header := "CONTROL\tCADENCE\tEVIDENCE\tPERIOD\tHAS"
		if len(r.Controls) > 0 && r.Controls[0].Coverage != nil {
			header += "\tCOVERAGE"
		}
		printRows(a.stdout, header, ctl)
	}
	if len(why) > 0 {
		a.out("\nWhy the open windows are not satisfied:\n")
		for _, w := range why {
			a.out("  %s\n", w)
		}
	}
	for _, c := range r.MissedClocks {
		a.out("\nIncident %s (%s): %s %s, due %s\n", c.Incident, c.Title, c.Clock.Title, c.State, stamp(c.Due))
	}
}

// coverageText says "3 of 4 found, gaps 2026-07-01 to 2026-09-30".
func coverageText(c evident.Coverage) string {
	s := fmt.Sprintf("%d of %d found", c.Found, c.Expected)
	if c.Excepted > 0 {
		s += fmt.Sprintf(", %d excepted", c.Excepted)
	}
	if len(c.Gaps) > 0 {
		gs := make([]string, len(c.Gaps))
		for i, g := range c.Gaps {
			gs[i] = g.String()
		}
		s += ", gaps " + strings.Join(gs, "; ")
	}
	return s
}

func counts(t evident.Tally) []string {
	out := []string{}
	for _, s := range evident.ReadinessStates {
		out = append(out, fmt.Sprint(t.Counts[s]))
	}
	return out
}

func labelled(t evident.Tally) []string {
	out := []string{}
	for _, s := range evident.ReadinessStates {
		out = append(out, fmt.Sprintf("%d %s", t.Counts[s], s))
	}
	return out
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// printRows writes a table aligned on tabs.
func printRows(w io.Writer, header string, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}

// orNone stands in for an empty cell so columns stay readable.
func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
