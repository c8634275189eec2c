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
			c, err := g.check(ctx, a)
			if err != nil {
				return err
			}
			if c != nil {
				checked = append(checked, c)
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

// check reads and judges an import control's tool output; nil when the
// demo has no output of the control's format.
func (g *gen) check(ctx context.Context, a activity) (*ingest.Checked, error) {
	c := a.control
	data, name, err := toolOutput(c.Method.Format, a.fail)
	if err != nil || data == nil {
		return nil, err
	}
	opt := ingest.Options{Control: c.ID, Filename: c.ID + "-" + a.at.Format("20060102-1504") + "-" + name,
		Effective: evident.Effective{From: a.at.Truncate(time.Second)}, Systems: g.systems(c), Actor: g.owner(c), Now: a.at}
	if c.Method.Format == "tsr" {
		opt.TSARoots, opt.TSACerts, opt.StampedData = g.tsa.roots, g.tsa.certs, g.tsa.stamped
	}
	return ingest.Check(ctx, g.opt.Ledger, bytes.NewReader(data), opt)
}

// systems names the systems of c at their current versions: each check
// speaks for every system in the control's scope.
func (g *gen) systems(c evident.Control) []evident.SystemVersion {
	var out []evident.SystemVersion
	for _, s := range c.Systems {
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
	in.Systems = g.systems(c)
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
