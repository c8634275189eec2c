package web

import (
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
		d := dashboard{Program: pr.In.Model.Program, At: now, Score: pr.Report.Score.Score, Chart: clauseChart(pr.Report), Gaps: len(pr.Report.Gaps)}
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
