package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/buildinfo"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/kept"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// dashboard is what the front page shows: where the program stands.
type dashboard struct {
	Program    evident.Program
	At         time.Time // the instant readiness was computed for
	Score      float64
	Chart      barChart
	Overdue    []readiness.Task
	ThisWeek   []readiness.Task
	Clocks     []runningClock
	Stale      []readiness.ControlStatus
	Gaps       int // open gaps, each keeping its requirements from verified
	Checkpoint *sqlstore.Checkpoint
	LedgerSize int64
	Period     periodView
	// Engagements are the assessments not yet over, with the days left.
	Engagements []evident.Engagement
	// Empty marks a program with no control yet: the page shows how to
	// start instead of empty lists that read as "all clear".
	Empty bool
	// ChangeTitles names the changes stale evidence points at.
	ChangeTitles map[string]string
}

// periodView is readiness over a period: the range (by default the last
// twelve months, or an assessor's period), the program's score over it as
// readiness.Status computes it, and the monthly series, as GET
// /api/v1/readiness and `evident status --from --to` give them.
type periodView struct {
	From   time.Time         `json:"from"`
	To     time.Time         `json:"to"`
	Score  evident.Tally     `json:"score"`
	Series []readiness.Point `json:"series"`
	Chart  barChart          `json:"-"`
}

// runningClock is an incident deadline still to meet, or missed.
type runningClock struct {
	Incident evident.Incident
	evident.Clock
}

// week is how far ahead "due this week" looks.
const week = 7 * 24 * time.Hour

// Dashboard is the front page: readiness by clause, the open gaps, what
// is overdue and due this week, running incident clocks, stale evidence and the last
// signed checkpoint.
func (w *Web) Dashboard() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		// One transaction reads the ledger's size, which the shared state
		// and the period figure are kept under, and its latest checkpoint
		// (a witness may cosign it without the ledger growing).
		var size int64
		var cp *sqlstore.Checkpoint
		err := w.cfg.Store.Read(r.Context(), func(tx *sqlstore.Tx) error {
			var err error
			if size, err = tx.LedgerSize(r.Context()); err != nil {
				return err
			}
			c, err := tx.LatestCheckpoint(r.Context())
			if err == nil {
				cp = &c
			} else if evident.ErrorCode(err) != evident.ENOTFOUND {
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
		pr, err := w.stateAt(r.Context(), size)
		if err != nil {
			return err
		}
		now := pr.In.At
		period, err := w.periodReadiness(r, now, size)
		if err != nil {
			return err
		}
		key, err := dashboardKey(r.URL.RawQuery, dashboard{Period: period, LedgerSize: size, Checkpoint: cp})
		if err != nil {
			return err
		}
		// What else the page shows is the state's own: drawn once, when
		// its content is first rendered, not on every request (two
		// fifths of a request's CPU at 500 controls).
		body, err := pr.content(key, func() (template.HTML, error) {
			d, err := w.dashboardOf(r.Context(), pr, size, cp, period)
			if err != nil {
				return "", err
			}
			return w.renderContent("dashboard.html", d)
		})
		if err != nil {
			return err
		}
		w.render(rw, r, http.StatusOK, "dashboard.html", page{Title: "Dashboard", Nav: "dashboard", Program: pr.In.Model.Program.Name, Body: body.html, kept: body})
		return nil
	})
}

// dashboardOf is the dashboard of state pr, read at ledger size size
// with checkpoint cp, and the period figure.
func (w *Web) dashboardOf(ctx context.Context, pr *program, size int64, cp *sqlstore.Checkpoint, period periodView) (dashboard, error) {
	now := pr.In.At
	d := dashboard{Program: pr.In.Model.Program, At: now, Score: pr.Report.Score.Score, Chart: clauseChart(pr.Report), Gaps: len(pr.Report.Gaps),
		Empty: len(pr.In.Model.Controls) == 0, LedgerSize: size, Checkpoint: cp, Period: period}
	ar, err := pr.aroundOf(ctx, w)
	if err != nil {
		return d, err
	}
	d.ChangeTitles = ar.ChangeTitles
	for _, t := range pr.tasksUntil(now.Add(week)) {
		if t.State == "due" || t.State == "running" {
			d.ThisWeek = append(d.ThisWeek, t)
		} else {
			d.Overdue = append(d.Overdue, t)
		}
	}
	for _, ic := range pr.Clocks {
		for _, c := range ic.Clocks {
			if c.State == evident.ClockRunning || c.State == evident.ClockMissed {
				d.Clocks = append(d.Clocks, runningClock{Incident: ic.Incident, Clock: c})
			}
		}
	}
	for _, c := range pr.Report.Controls {
		if c.Freshness.State == evident.CurrencyStale {
			d.Stale = append(d.Stale, c)
		}
	}
	for _, e := range ar.Engagements {
		if e.DaysLeft(now) > 0 {
			d.Engagements = append(d.Engagements, e)
		}
	}
	return d, nil
}

// dashboardKey names the dashboard's content within the state it is
// kept with (program.content): the query, and a digest of what the page
// shows that the state does not decide (the period figure, kept on its
// own clock, and the ledger's latest checkpoint, which a witness may
// cosign without the ledger growing), with the ledger's size it was read
// at. The changes' names and the engagements are the state's own
// (aroundOf).
func dashboardKey(query string, d dashboard) (string, error) {
	own, err := json.Marshal(struct {
		Period     periodView
		LedgerSize int64
		Checkpoint *sqlstore.Checkpoint
	}{d.Period, d.LedgerSize, d.Checkpoint})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(own)
	return "dashboard.html?" + query + "#" + hex.EncodeToString(sum[:16]), nil
}

// clauseChart draws the readiness of each clause that has requirements.
func clauseChart(rep readiness.Report) barChart {
	var in []barInput
	for _, c := range rep.Clauses {
		counts := map[string]int{}
		for state, n := range c.Counts {
			counts[string(state)] = n
		}
		in = append(in, barInput{Label: c.Clause, Title: c.Title, Href: "/catalog?clause=" + c.Clause, Counts: counts})
	}
	return stackedBars(in, statusSeries)
}

// periodReadiness reads the dashboard's ?from and ?to (dates or RFC 3339
// instants) and ?at (as of a past instant) and computes readiness over
// that range as every view does.
//
// Over a million records that takes seconds, so the result is kept in the
// store under the ledger size it was computed at, the query and the day
// it judged, for up to periodTTL (flight says when it is computed again):
// every replica serves the one figure, and any write makes it be computed
// afresh. A reader with a grant sees records the store narrowed for them
// alone and is computed for on every request.
func (w *Web) periodReadiness(r *http.Request, now time.Time, size int64) (periodView, error) {
	q := r.URL.Query()
	var from, to, at time.Time
	for name, t := range map[string]*time.Time{"from": &from, "to": &to, "at": &at} {
		if s := q.Get(name); s != "" {
			x, err := evident.ParseTime(s)
			if err != nil {
				return periodView{}, evident.ErrorAt(evident.EINVALID, name, "%s", evident.ErrorMessage(err))
			}
			*t = x
		}
	}
	if !at.IsZero() {
		if at.After(now) {
			return periodView{}, evident.ErrorAt(evident.EINVALID, "at", "%s is after now", evident.UTC(at))
		}
		now = at
	}
	live := at.IsZero()
	if _, narrowed := sqlstore.GrantOf(r.Context()); narrowed {
		v, _, err := w.computePeriod(r.Context(), size, now, live, from, to)
		return v, err
	}
	if _, _, err := readiness.Range(now, from, to, time.Time{}, time.Time{}); err != nil {
		return periodView{}, err // refused before anything is read or kept
	}
	key := PeriodKey(q.Get("from"), q.Get("to"), q.Get("at"), now)
	v, _, err := w.periods.Of(key).Get(r.Context(), size, now, periodTTL, func(ctx context.Context) (periodView, time.Time, error) {
		// Another replica may have computed it for this ledger already.
		_, row, stored, err := w.cfg.Store.CachedResult(ctx, key)
		if err != nil {
			return periodView{}, now, err
		}
		if stored && row.TreeSize == size && kept.Within(now, row.At, periodTTL) {
			var v periodView
			if err := json.Unmarshal(row.Body, &v); err == nil {
				v.Chart = seriesChart(v.Series)
				return v, row.At, nil
			}
			// A row this build cannot read is computed again and replaced.
		}
		// The API's figure "now" may have been judged a moment before:
		// the row says when, so verify judges it again at that instant.
		v, judged, err := w.computePeriod(ctx, size, now, live, from, to)
		if err != nil {
			return v, now, err
		}
		body, err := json.Marshal(v)
		if err != nil {
			return v, now, err
		}
		if err := w.cfg.Store.PutCachedResult(ctx, key, sqlstore.CachedResult{TreeSize: size, At: judged, Body: body}); err != nil {
			// The figures stand; only the next replica's reuse of them is lost.
			w.cfg.Logger.Warn("keep the dashboard's period readiness", "err", err)
		}
		return v, judged, nil
	})
	return v, err
}

// periodKeyPrefix starts the key of every period figure kept in the
// store; PeriodKey and parsePeriodKey are the two sides of its format.
const periodKeyPrefix = "web.dashboard.period "

// buildID names the build that computes a kept figure: another build may
// judge differently (its catalog, its rules), so figures are kept per
// build (buildinfo.Info.ID).
var buildID = sync.OnceValue(func() string { return buildinfo.Read().ID() })

// PeriodKey is the key a dashboard query's figure is kept under in
// result_cache: the build, the query's parameters as given and the day it
// judged. verify reads rows back by it (CheckCachedResults).
func PeriodKey(from, to, at string, now time.Time) string {
	return fmt.Sprintf(periodKeyPrefix+"build=%s from=%s to=%s at=%s day=%s", buildID(), from, to, at, now.Format("2006-01-02"))
}

// parsePeriodKey reads the build and the range back from a key periodKey
// made; ok is false for any other key. A key of the format before builds
// were named reads as another build's.
func parsePeriodKey(key string) (build string, from, to time.Time, ok bool) {
	rest, ok := strings.CutPrefix(key, periodKeyPrefix)
	if !ok {
		return "", from, to, false
	}
	if b, ok := strings.CutPrefix(rest, "build="); ok {
		build, rest, ok = strings.Cut(b, " ")
		if !ok {
			return "", from, to, false
		}
	} else {
		build = "(before builds were named)"
	}
	rest, ok = strings.CutPrefix(rest, "from=")
	if !ok {
		return "", from, to, false
	}
	f, rest, ok1 := strings.Cut(rest, " to=")
	t, rest, ok2 := strings.Cut(rest, " at=")
	_, _, ok3 := strings.Cut(rest, " day=")
	if !ok1 || !ok2 || !ok3 {
		return "", from, to, false
	}
	for _, p := range []struct {
		s string
		t *time.Time
	}{{f, &from}, {t, &to}} {
		if p.s == "" {
			continue
		}
		x, err := evident.ParseTime(p.s)
		if err != nil {
			return "", from, to, false
		}
		*p.t = x
	}
	return build, from, to, true
}

// CheckCachedResults computes again from the records every dashboard
// figure kept in the store that a page may still serve (those kept at
// the ledger's current size), as the dashboard computed it at the
// instant it was kept, and returns each that differs. Figures another
// build kept are left to that build: this one never serves them.
// `evident verify` calls it after proving the records against the log: a kept figure
// that passes is derived from the log, so an edited row of result_cache
// cannot show another readiness while verify says the store is intact.
func CheckCachedResults(ctx context.Context, st *sqlstore.Store, cat *catalog.Catalog) ([]string, error) {
	size, rows, err := st.CachedResults(ctx)
	if err != nil {
		return nil, err
	}
	w := &Web{cfg: Config{Store: st, Catalog: cat, Figures: readiness.NewFigures(st, cat)}}
	var problems []string
	for _, key := range slices.Sorted(maps.Keys(rows)) {
		r := rows[key]
		if r.TreeSize != size {
			continue // never served again: the ledger has grown past it
		}
		build, from, to, ok := parsePeriodKey(key)
		if !ok {
			problems = append(problems, fmt.Sprintf("result_cache row %q: not a result the dashboard keeps", key))
			continue
		}
		if build != buildID() {
			continue // another build's: this one never serves it
		}
		v, _, err := w.computePeriod(ctx, size, r.At, false, from, to)
		if err != nil {
			return nil, fmt.Errorf("result_cache row %q: %w", key, err)
		}
		body, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(body, r.Body) {
			problems = append(problems, fmt.Sprintf("result_cache row %q: the kept readiness is not what the records give at %s (score %.1f)",
				key, evident.UTC(r.At), v.Score.Score))
		}
	}
	return problems, nil
}

// computePeriod is readiness over [from, to) (readiness.Range's defaults
// for zero values) as of now for the reader in ctx, for a ledger of size
// leaves, and the instant it was judged at: the figure GET
// /api/v1/readiness serves (readiness.Figures.OverAt, live as it says).
// A reader with a grant sees no earlier than it.
func (w *Web) computePeriod(ctx context.Context, size int64, now time.Time, live bool, from, to time.Time) (periodView, time.Time, error) {
	if g, ok := sqlstore.GrantOf(ctx); ok && !from.IsZero() && from.Before(g.From) {
		from = g.From
	}
	o, err := w.cfg.Figures.OverAt(ctx, size, now, live, from, to)
	if err != nil {
		return periodView{}, now, err
	}
	rep := o.Report
	return periodView{From: rep.From, To: rep.To, Score: rep.Score, Series: o.Series, Chart: seriesChart(o.Series)}, rep.At, nil
}

// seriesChart draws the monthly series as one bar a month, split by the
// readiness states of its requirements.
func seriesChart(points []readiness.Point) barChart {
	in := make([]barInput, 0, len(points))
	for _, p := range points {
		in = append(in, barInput{Label: p.Month, Title: fmt.Sprintf("score %.1f", p.Score), Href: "/?from=" + p.From.Format("2006-01-02") + "&to=" + p.To.Format("2006-01-02"), Counts: p.Count})
	}
	return stackedBars(in, statusSeries)
}
