package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/readiness"
)

// tasksReport is the --json form of `evident tasks`.
type tasksReport struct {
	At    time.Time        `json:"at"`
	Until time.Time        `json:"until,omitzero"`
	Count int              `json:"count"`
	Tasks []readiness.Task `json:"tasks"`
}

// tasksSubs are the subcommands `evident tasks` also takes.
var tasksSubs = []sub{
	{name: "except", summary: "excuse a control's windows until a date, with the reason and the approver", run: tasksExcept},
}

// cmdTasks lists what is due: every period due, overdue or failing,
// reviews due, change-triggered work, exceptions expiring and incident
// clocks, by date, each naming its requirements and owner. Overdue work is
// always listed; --due limits what is merely due to a horizon.
func cmdTasks(a *app, args []string) error {
	fs := a.flags("tasks")
	due := fs.String("due", "30d", "list work due within this `span` (30d, 2w, 12h; \"all\" for no limit)")
	owner := fs.String("owner", "", "only tasks owned by this person or role `id`")
	atFlag := fs.String("at", "", "as of this `time` (default now)")
	mine := fs.Bool("mine", false, "only the acting login's (--actor) work: owned by the person who names it as their user in people.yaml, or by a role they hold")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	if *mine && *owner != "" {
		return evident.ErrorAt(evident.EINVALID, "--mine", "give --mine or --owner, not both")
	}
	at, err := atTime(a, *atFlag)
	if err != nil {
		return err
	}
	until, err := horizon(*due, at)
	if err != nil {
		return err
	}
	in, err := a.readinessInput(at, time.Time{}, false)
	if err != nil {
		return err
	}
	ts := readiness.Filter(readiness.Tasks(in, until), *owner)
	if *mine {
		if len(in.Model.OwnersOf(a.actor)) == 0 {
			return evident.ErrorAt(evident.EINVALID, "--mine", "no person in the program names login %q as their user (people.yaml: user: %s)", a.actor, a.actor)
		}
		ts = readiness.Mine(ts, in.Model, a.actor)
	}
	if a.json {
		return a.printJSON(tasksReport{At: at, Until: until, Count: len(ts), Tasks: ts})
	}
	rows := make([][]string, len(ts))
	for i, t := range ts {
		rows[i] = []string{t.Due.Format("2006-01-02 15:04"), t.State, t.Kind, orNone(t.Owner), clip(t.Title, 90), orNone(strings.Join(shortRefs(t.Requirements), " "))}
	}
	if len(rows) > 0 {
		printRows(a.stdout, "DUE (UTC)\tSTATE\tKIND\tOWNER\tTASK\tREQUIREMENTS", rows)
	}
	a.out("%s as of %s.\n", count(len(ts), "task", "tasks"), stamp(at))
	return nil
}

// horizon reads a span such as 30d, 2w or 12h (or a Go duration); "all"
// means no limit (the zero time).
func horizon(s string, at time.Time) (time.Time, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "all" {
		return time.Time{}, nil
	}
	bad := evident.ErrorAt(evident.EINVALID, "--due", "%q: want a span such as 30d, 2w or 12h, or all", s)
	if n, err := strconv.Atoi(strings.TrimRight(s, "dw")); err == nil && len(s) > 1 && n >= 0 {
		switch s[len(s)-1] {
		case 'd':
			return at.AddDate(0, 0, n), nil
		case 'w':
			return at.AddDate(0, 0, 7*n), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return time.Time{}, bad
	}
	return at.Add(d), nil
}

// shortRefs drops the standard and version for the table: the program has
// one version in force, and the --json form keeps the full references.
func shortRefs(refs []string) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		if _, id, ok := strings.Cut(r, ":"); ok && strings.HasPrefix(r, string(evident.EN319401)+"@") {
			r = id
		}
		out[i] = r
	}
	return out
}

// tasksExcept records a documented exception: a control's periods are
// excused from --from (default now) until --until, with the reason and
// the approver from the management body. Every exception expires, and
// `evident tasks` lists it as it approaches its expiry.
func tasksExcept(a *app, args []string) error {
	fs := a.flags("tasks except")
	var e evident.Exception
	fs.StringVar(&e.Control, "control", "", "the control `id` excused")
	fs.StringVar(&e.Reason, "reason", "", "why the work is not done, in a `sentence`")
	fs.StringVar(&e.Approver, "approver", "", "the person or role `id` who approved the exception")
	approved := fs.String("approved", "", "when it was approved (`time`; default now)")
	from := fs.String("from", "", "start of the exception (`time`; default now)")
	until := fs.String("until", "", "expiry of the exception (`time`, at most 366 days after the start)")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return evident.Errorf(evident.EINVALID, "tasks except: unexpected argument %q (quote the --reason)", pos[0])
	}
	for _, f := range []struct {
		name, v string
		into    *time.Time
	}{{"approved", *approved, &e.ApprovedAt}, {"from", *from, &e.From}, {"until", *until, &e.Expires}} {
		if f.v == "" {
			continue
		}
		if *f.into, err = evident.ParseTime(f.v); err != nil {
			return evident.ErrorAt(evident.EINVALID, "--"+f.name, "%s", err.(*evident.Error).Message)
		}
	}
	if e.Expires.IsZero() {
		return evident.ErrorAt(evident.EINVALID, "--until", "an exception needs an expiry")
	}
	if e.ApprovedAt.IsZero() {
		e.ApprovedAt = a.now().UTC()
	}
	e.Actor = a.actor
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if e, err = st.AddException(a.ctx, e); err != nil {
		return err
	}
	if a.json {
		return a.printJSON(e)
	}
	a.out("Recorded exception %s for %s, approved by %s, from %s until %s.\n", e.ID, e.Control, e.Approver, stamp(e.From), stamp(e.Expires))
	return nil
}
