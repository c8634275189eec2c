package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/evidenthq/evident"
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
// twelve months, or an assessor's period), the report readiness.Status
// computes over it, and the monthly series, as GET /api/v1/readiness and
// `evident status --from --to` give them.
type periodView struct {
	From, To time.Time
	Report   readiness.Report
	Series   []readiness.Point
	Chart    barChart
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
		pr, err := w.state(r.Context(), time.Time{})
		if err != nil {
			return err
		}
		now := pr.In.At
		d := dashboard{Program: pr.In.Model.Program, At: now, Score: pr.Report.Score.Score, Chart: clauseChart(pr.Report), Gaps: len(pr.Report.Gaps),
			Empty: len(pr.In.Model.Controls) == 0}
		if d.ChangeTitles, err = w.changeTitles(r.Context()); err != nil {
			return err
		}
		for _, t := range readiness.Tasks(pr.In, now.Add(week)) {
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
		es, err := w.cfg.Store.Engagements(r.Context())
		if err != nil {
			return err
		}
		for _, e := range es {
			if e.DaysLeft(now) > 0 {
				d.Engagements = append(d.Engagements, e)
			}
		}
		if d.Period, err = w.periodReadiness(r, now); err != nil {
			return err
		}
		err = w.cfg.Store.Read(r.Context(), func(tx *sqlstore.Tx) error {
			if d.LedgerSize, err = tx.LedgerSize(r.Context()); err != nil {
				return err
			}
			cp, err := tx.LatestCheckpoint(r.Context())
			if err == nil {
				d.Checkpoint = &cp
			} else if evident.ErrorCode(err) != evident.ENOTFOUND {
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
		w.render(rw, r, http.StatusOK, "dashboard.html", page{Title: "Dashboard", Nav: "dashboard", Data: d})
		return nil
	})
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
func (w *Web) periodReadiness(r *http.Request, now time.Time) (periodView, error) {
	var from, to, at time.Time
	for name, t := range map[string]*time.Time{"from": &from, "to": &to, "at": &at} {
		if s := r.URL.Query().Get(name); s != "" {
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
	var gf, gt time.Time
	if g, ok := sqlstore.GrantOf(r.Context()); ok {
		gf, gt = g.From, g.To
		if !from.IsZero() && from.Before(gf) {
			from = gf
		}
	}
	from, to, err := readiness.Range(now, from, to, gf, gt)
	if err != nil {
		return periodView{}, err
	}
	pr, err := w.computeAt(r.Context(), now, readiness.HistoryStart(now, from))
	if err != nil {
		return periodView{}, err
	}
	series := readiness.Series(pr.In, readiness.SeriesMonths)
	return periodView{From: from, To: to, Report: readiness.Status(pr.In, from, to), Series: series, Chart: seriesChart(series)}, nil
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
