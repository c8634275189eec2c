package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/collect"
	"github.com/evidenthq/evident/internal/ingest"
	"github.com/evidenthq/evident/internal/ledger"
)

// event is one thing that happens in the demo year, at its instant.
type event struct {
	at time.Time
	do func(ctx context.Context) error
}

// activity is one piece of evidence the year produces: a control's check
// done at At and sent in with the collectors' next upload.
type activity struct {
	at      time.Time
	control evident.Control
	fail    bool
}

// batchEvery is how often the demo's collectors upload what they
// gathered: one batch (one durable commit and checkpoint) per interval
// keeps generating a year quick.
const batchEvery = 3 * 24 * time.Hour

// Controls whose window open at the end stays due, so the demo has work
// to do (and the browser tests something to upload).
var dueNow = []string{"mfa-enforcement-monthly", "monitoring-dashboard-weekly", "tls-config-monthly", "asset-inventory-quarterly"}

// Controls with a missed window in the past, a gap the status shows.
var skipped = map[string]int{"critical-alert-review-weekly": 17, "patch-status-monthly": 9, "physical-access-quarterly": 2}

// history writes the year: evidence day by day, changes and incidents,
// all in time order with the store's clock following along.
func (g *gen) history(ctx context.Context) error {
	var events []event
	byBatch := map[time.Time][]activity{}
	for _, c := range g.model.Controls {
		for _, a := range g.activities(c) {
			if g.last == nil {
				g.last = map[string]time.Time{}
			}
			if a.at.After(g.last[c.ID]) {
				g.last[c.ID] = a.at
			}
			week := a.at.Truncate(batchEvery)
			byBatch[week] = append(byBatch[week], a)
		}
	}
	for week, acts := range byBatch {
		receipt := week.Add(batchEvery - 4*time.Hour)
		if receipt.After(g.end) {
			receipt = g.end.Add(-time.Minute)
		}
		events = append(events, event{at: receipt, do: func(ctx context.Context) error { return g.evidence(ctx, acts) }})
	}
	events = append(events, g.changes()...)
	events = append(events, g.incidents()...)
	sort.SliceStable(events, func(i, j int) bool { return events[i].at.Before(events[j].at) })
	for _, e := range events {
		if e.at.After(g.end) {
			continue
		}
		g.opt.Clock.T = e.at
		if err := e.do(ctx); err != nil {
			return fmt.Errorf("demo history at %s: %w", evident.UTC(e.at), err)
		}
	}
	return nil
}

// activities lists when control c's checks happen over the year: once in
// each window of its cadence, at a plausible point of the window, with a
// few misses and failures.
func (g *gen) activities(c evident.Control) []activity {
	if c.Cadence.Kind != evident.CadencePeriodic && c.Cadence.Kind != evident.CadenceContinuous {
		return nil // post-change controls follow the changes
	}
	windows := c.Cadence.Windows(g.start, g.start, g.end)
	var out []activity
	for i, w := range windows {
		if n, ok := skipped[c.ID]; ok && i == n%len(windows) {
			continue
		}
		if w.Contains(g.end) && slices.Contains(dueNow, c.ID) {
			continue
		}
		span := w.End.Sub(w.Start)
		// Early in short windows, around a fifth of the way into long
		// ones: people do the check soon after the window opens.
		at := w.Start.Add(span/5 + time.Duration(g.rnd.Int64N(int64(span/10)+1)))
		if span <= 24*time.Hour {
			if g.rnd.IntN(100) < 3 {
				continue // a skipped day
			}
		}
		// Checks are done in working hours.
		at = at.Truncate(24 * time.Hour).Add(7*time.Hour + time.Duration(g.rnd.IntN(10*60))*time.Minute)
		if at.Before(g.start) || !at.Before(g.end.Add(-2*time.Hour)) {
			continue
		}
		// A control may need several records a period (two scans, say).
		for n := range c.Needs() {
			out = append(out, activity{at: at.Add(time.Duration(n) * 17 * time.Minute), control: c, fail: c.Method.Kind == evident.MethodImport && g.rnd.IntN(100) < 2})
		}
	}
	return out
}

// evidence sends one upload's checks in through the code a user's
// collectors use: tool output of controls verified by import is imported
// and judged (as `evident import` does), every other file is added as
// evidence (as `evident evidence add` does).
func (g *gen) evidence(ctx context.Context, acts []activity) error {
	var items []ledger.Item
	var human []activity // the activities behind items, in order
	var checked []*ingest.Checked
	for _, a := range acts {
		if a.control.Method.Kind == evident.MethodImport {
			cs, err := g.check(ctx, a)
			if err != nil {
				return err
			}
			if len(cs) > 0 {
				checked = append(checked, cs...)
				continue
			}
		}
		in, body := g.raw(a)
		items = append(items, ledger.Item{Input: in, Open: opener(body)})
		human = append(human, a)
	}
	if len(items) > 0 {
		res, err := collect.Add(ctx, g.opt.Ledger, collect.Request{Items: items, Now: g.opt.Clock.T})
		if err != nil {
			return err
		}
		if err := g.review(ctx, human, res.Evidence); err != nil {
			return err
		}
	}
	if len(checked) > 0 {
		if _, err := ingest.StoreAll(ctx, g.opt.Ledger, checked, nil); err != nil {
			return err
		}
	}
	return nil
}

// check reads and judges an import control's tool output, one import
// per run the check takes (see runs); nil when the demo has no output of
// the control's format. A failing check fails on its first run only: one
// host's problem, the others fine.
func (g *gen) check(ctx context.Context, a activity) ([]*ingest.Checked, error) {
	c := a.control
	var srcs []ingest.Source
	for i, r := range g.runs(c) {
		data, name, err := toolOutput(c.Method.Format, a.fail && i == 0)
		if err != nil || data == nil {
			return nil, err
		}
		data = readdress(c.Method.Format, data, r.machines)
		file := c.ID + "-" + a.at.Format("20060102-1504") + "-" + name
		if r.target != "" {
			file = c.ID + "-" + a.at.Format("20060102-1504") + "-" + r.target + "-" + name
		}
		srcs = append(srcs, ingest.Source{Filename: file, Open: opener(data), Target: r.target, Systems: g.systems(r.systems)})
	}
	// One batch per check: the program is read once for all its runs.
	opt := ingest.Options{Control: c.ID, Effective: evident.Effective{From: a.at.Truncate(time.Second)}, Actor: g.owner(c), Now: a.at}
	if c.Method.Format == "tsr" {
		opt.TSARoots, opt.TSACerts, opt.StampedData = g.tsa.roots, g.tsa.certs, g.tsa.stamped
	}
	return ingest.CheckAll(ctx, g.opt.Ledger, srcs, opt, nil)
}

// run is one import of a check: its target, the machines its output is
// re-addressed to, and the systems it speaks for.
type run struct {
	target   string
	machines []machine
	systems  []string
}

// runs lists the imports one check of control c takes, as collectors
// would run the tools on the example's hosts: one nmap scan of every host
// in scope; Lynis, OpenSCAP and testssl once per machine, chronyc and the
// time-stamp check once per host (their output names no host, so the
// target does); zlint, SARIF and Trivy once per system, the system as
// the target standing for its hosts. A system without hosts is checked
// once, named as the target.
func (g *gen) runs(c evident.Control) []run {
	format := c.Method.Format
	if len(c.Systems) == 0 {
		return []run{{}}
	}
	if format == "nmap" {
		r := run{systems: c.Systems}
		for _, id := range c.Systems {
			if s := g.model.SystemByID(id); s != nil {
				r.machines = append(r.machines, machines(s.Hosts)...)
			}
		}
		return []run{r}
	}
	var out []run
	for _, id := range c.Systems {
		s := g.model.SystemByID(id)
		if s == nil {
			continue
		}
		one := []string{id}
		switch {
		case len(s.Hosts) == 0, format == "zlint", format == "sarif", format == "trivy":
			out = append(out, run{target: id, systems: one})
		case format == "chrony", format == "tsr":
			for _, h := range s.Hosts {
				out = append(out, run{target: h, systems: one})
			}
		default:
			for _, m := range machines(s.Hosts) {
				out = append(out, run{target: m.hosts()[0], machines: []machine{m}, systems: one})
			}
		}
	}
	return out
}

// systems names systems at their current versions: each run speaks for
// the systems it checked.
func (g *gen) systems(ids []string) []evident.SystemVersion {
	var out []evident.SystemVersion
	for _, s := range ids {
		if sys := g.model.SystemByID(s); sys != nil {
			v := sys.Version
			if v == "" {
				v = "current"
			}
			out = append(out, evident.SystemVersion{Name: sys.ID, Version: v})
		}
	}
	return out
}

// raw is the file a check produces: tool output for imported checks, a
// signed-off report for the others.
func (g *gen) raw(a activity) (ledger.EvidenceInput, []byte) {
	c := a.control
	in := ledger.EvidenceInput{Actor: g.owner(c), Effective: evident.Effective{From: a.at.Truncate(time.Second)}, Controls: []string{c.ID}}
	var b bytes.Buffer
	switch c.Method.Kind {
	case evident.MethodImport:
		in.Filename = fmt.Sprintf("%s-%s.%s", c.ID, a.at.Format("20060102-1504"), extension(c.Method.Format))
		in.Source = evident.EvidenceSource{Tool: c.Method.Format, Host: "ops-runner-1", Command: "collect " + c.Method.Format}
		fmt.Fprintf(&b, "%s output collected %s by the %s collector\n", c.Method.Format, evident.UTC(a.at), c.ID)
	default:
		in.Filename = fmt.Sprintf("%s-%s.txt", c.ID, a.at.Format("2006-01-02"))
		in.Detail = g.submission(c, a, in.Actor)
		fmt.Fprintf(&b, "%s\n\nDate: %s\nPerformed by: %s\n\n%s\n", c.Title, evident.UTC(a.at), in.Actor, c.Method.Description)
	}
	in.Systems = g.systems(c.Systems)
	fmt.Fprintf(&b, "\nResult: %s\n", map[bool]string{false: "pass", true: "fail"}[a.fail])
	return in, b.Bytes()
}

// owner is who sends a control's evidence in: its owner, or the
// compliance manager when it has none.
func (g *gen) owner(c evident.Control) string {
	if c.Owner != "" {
		return c.Owner
	}
	return "carla"
}

func extension(format string) string {
	switch format {
	case "nmap", "openscap":
		return "xml"
	case "chrony", "lynis":
		return "txt"
	}
	return "json"
}

func opener(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}
