package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// readinessRoutes are status and tasks, as `evident status` and `evident
// tasks` compute them.
func (a *API) readinessRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/status", Perm: auth.Read, Tag: "readiness", Summary: "readiness per requirement, clause and program, now or as of ?at (an assessor: within their period)",
			Query:   []Param{{"at", "as of this instant (RFC 3339); default now"}, {"from", "start of a range to count expected versus found periods over"}, {"to", "end of that range, exclusive; default at"}},
			Handler: a.Status()},
		{Method: "GET", Path: "/api/v1/readiness", Perm: auth.Read, Tag: "readiness", Summary: "readiness over a period, judged by every window in it, with the monthly series of the last 12 months (an assessor: their period)",
			Query:   []Param{{"from", "start of the period (RFC 3339); default 12 months back, or an assessor's period"}, {"to", "end of the period, exclusive; default the instant"}, {"at", "as of this instant; default now"}},
			Handler: a.Readiness()},
		{Method: "GET", Path: "/api/v1/tasks", Perm: auth.Read, Tag: "readiness", List: true, Summary: "what is due or overdue, by due date",
			Query:   []Param{{"due", "horizon for work merely due: 30d, 2w, 12h or all; default 30d"}, {"owner", "only tasks of this person or role id"}, {"mine", "true: only the caller's work, owned by the person naming the caller's login as their user, or by a role they hold"}, {"at", "as of this instant; default now"}},
			Handler: a.Tasks()},
	}
}

// asOf reads ?at for the principal. An assessor's default instant is the
// end of their period once it has passed, so their view stays the one
// they are assessing.
func (a *API) asOf(r *http.Request, p auth.Principal) (time.Time, error) {
	at, err := queryTime(r.URL.Query(), "at")
	if err != nil {
		return at, err
	}
	if at.IsZero() {
		at = a.cfg.Store.Now().UTC().Truncate(time.Microsecond)
		if _, to := p.Period(); !to.IsZero() && !at.Before(to) {
			at = to.Add(-time.Microsecond)
		}
	}
	return at, p.CheckInstant(at)
}

// readyView is the readiness "now" that requests share: the loaded input,
// its status report and the task lists asked for so far, by horizon.
type readyView struct {
	in     readiness.Input
	status []byte // the report as JSON: encoding it is most of a request's cost
	mu     sync.Mutex
	tasks  map[string][]readiness.Task
}

// tasksDue returns the tasks due within the horizon named due, computing
// each horizon's list once per view.
func (v *readyView) tasksDue(due string) ([]readiness.Task, error) {
	until, err := horizon(due, v.in.At)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if ts, ok := v.tasks[due]; ok {
		return ts, nil
	}
	ts := readiness.Tasks(v.in, until)
	v.tasks[due] = ts
	return ts, nil
}

// sharedView returns the shared readiness "now" when the request asks for
// it (no ?at, no range) and may see it: an assessor whose period has
// ended sees its last instant instead. ok is false otherwise.
func (a *API) sharedView(r *http.Request, from time.Time) (*readyView, bool, error) {
	if r.URL.Query().Get("at") != "" || !from.IsZero() {
		return nil, false, nil
	}
	if _, narrowed := sqlstore.GrantOf(r.Context()); narrowed {
		// The store narrows a reader with a grant: what it loads is
		// theirs alone and must not become everyone's shared view.
		return nil, false, nil
	}
	v, err := a.ready.get(r.Context(), a.cfg.Store, func(ctx context.Context) (*readyView, error) {
		in, err := a.loadReadiness(ctx, a.cfg.Store.Now().UTC().Truncate(time.Microsecond), time.Time{})
		if err != nil {
			return nil, err
		}
		status, err := json.Marshal(readiness.Status(in, time.Time{}, time.Time{}))
		if err != nil {
			return nil, err
		}
		return &readyView{in: in, status: append(status, '\n'), tasks: map[string][]readiness.Task{}}, nil
	})
	return v, err == nil, err
}

func (a *API) loadReadiness(ctx context.Context, at, from time.Time) (readiness.Input, error) {
	p, err := readiness.LoadProgram(ctx, a.cfg.Store, a.cfg.Catalog, at, from, false)
	return p.In, err
}

// periodQuery reads what both readiness routes take: the caller, the
// instant they may see ("as of", bounded by an assessor's period) and the
// optional from and to of the query, each refused by name when malformed.
func (a *API) periodQuery(r *http.Request) (p auth.Principal, at, from, to time.Time, err error) {
	if p, err = principal(r); err != nil {
		return
	}
	if at, err = a.asOf(r, p); err != nil {
		return
	}
	q := r.URL.Query()
	if from, err = queryTime(q, "from"); err != nil {
		return
	}
	to, err = queryTime(q, "to")
	return
}

// Status returns the readiness report.
func (a *API) Status() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, at, from, to, err := a.periodQuery(r)
		if err != nil {
			return err
		}
		if !from.IsZero() {
			if to.IsZero() {
				to = at
			}
			if !to.After(from) {
				return evident.ErrorAt(evident.EINVALID, "to", "%s is not after from %s", evident.UTC(to), evident.UTC(from))
			}
			if from, to, err = readiness.Range(at, from, to, time.Time{}, time.Time{}); err != nil {
				return err
			}
			if err := p.CheckPeriod(from, to); err != nil {
				return err
			}
		} else if !to.IsZero() {
			return evident.ErrorAt(evident.EINVALID, "to", "give from with to")
		}
		if v, ok, err := a.sharedView(r, from); err != nil || ok {
			if err != nil {
				return err
			}
			return writeEncoded(w, v.status)
		}
		report, err := readiness.ReportOf(r.Context(), a.cfg.Store, a.cfg.Catalog, at, from, to)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, report)
	})
}

// horizon reads ?due: a span of days (30d), weeks (2w) or hours (12h),
// or "all".
func horizon(s string, at time.Time) (time.Time, error) {
	if s == "" {
		s = "30d"
	}
	if s == "all" {
		return time.Time{}, nil
	}
	bad := evident.ErrorAt(evident.EINVALID, "due", "due %q: want a span such as 30d, 2w or 12h, or all", s)
	if len(s) < 2 {
		return at, bad
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n < 0 {
		return at, bad
	}
	switch s[len(s)-1] {
	case 'd':
		return at.AddDate(0, 0, n), nil
	case 'w':
		return at.AddDate(0, 0, 7*n), nil
	case 'h':
		return at.Add(time.Duration(n) * time.Hour), nil
	}
	return at, bad
}

// Tasks lists what is due.
func (a *API) Tasks() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		pg, err := parsePage(r)
		if err != nil {
			return err
		}
		at, err := a.asOf(r, p)
		if err != nil {
			return err
		}
		due := r.URL.Query().Get("due")
		var all []readiness.Task
		if v, ok, err := a.sharedView(r, time.Time{}); err != nil {
			return err
		} else if ok {
			if all, err = v.tasksDue(due); err != nil {
				return err
			}
		} else {
			until, err := horizon(due, at)
			if err != nil {
				return err
			}
			in, err := a.loadReadiness(r.Context(), at, time.Time{})
			if err != nil {
				return err
			}
			all = readiness.Tasks(in, until)
		}
		ts := readiness.Filter(all, r.URL.Query().Get("owner"))
		if mine := r.URL.Query().Get("mine"); mine != "" {
			if mine != "true" && mine != "false" {
				return evident.ErrorAt(evident.EINVALID, "mine", "%q: want true or false", mine)
			}
			if mine == "true" {
				p, _ := auth.FromContext(r.Context())
				m, err := a.programModel(r.Context())
				if err != nil {
					return err
				}
				ts = readiness.Mine(ts, m, p.User.Name)
			}
		}
		type numbered struct {
			n int
			t readiness.Task
		}
		ns := make([]numbered, len(ts))
		for i, t := range ts {
			ns[i] = numbered{i, t}
		}
		list, err := pageOf(ns, pg, func(x numbered) string { return strconv.Itoa(x.n) })
		if err != nil {
			return err
		}
		out := List[readiness.Task]{Items: make([]readiness.Task, len(list.Items)), NextCursor: list.NextCursor}
		for i, x := range list.Items {
			out.Items[i] = x.t
		}
		return writeJSON(w, http.StatusOK, out)
	})
}

// Readiness returns the program's readiness over a period, computed as
// `evident status --from --to` computes it (readiness.ReportOf, whose
// report is the dashboard's and a pack index's), and the monthly series:
// both from readiness.Figures, which the dashboard shares, so a million
// records are judged once per ledger size (or, "now", once per
// readiness.LiveTTL), not once per request.
func (a *API) Readiness() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, at, from, to, err := a.periodQuery(r)
		if err != nil {
			return err
		}
		// Refused before anything is read or kept; the figure resolves
		// the same defaults at the instant it judges.
		pf, pt := p.Period()
		rf, rt, err := readiness.Range(at, from, to, pf, pt)
		if err != nil {
			return err
		}
		if err := p.CheckPeriod(rf, rt); err != nil {
			return err
		}
		size, err := a.cfg.Store.LedgerSize(r.Context())
		if err != nil {
			return err
		}
		// An assessor's "now" may be the end of their period (asOf): an
		// instant of theirs, judged exactly, not the clock's.
		live := r.URL.Query().Get("at") == "" && pt.IsZero()
		body, err := a.cfg.Figures.OverJSONAt(r.Context(), size, at, live, from, to)
		if err != nil {
			return err
		}
		return writeEncoded(w, body)
	})
}
