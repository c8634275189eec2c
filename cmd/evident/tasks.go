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

// cmdTasks lists what is due: every period due, overdue or failing,
// reviews due, change-triggered work, exceptions expiring and incident
// clocks, by date, each naming its requirements and owner. Overdue work is
// always listed; --due limits what is merely due to a horizon.
func cmdTasks(a *app, args []string) error {
	fs := a.flags("tasks")
	due := fs.String("due", "30d", "list work due within this `span` (30d, 2w, 12h; \"all\" for no limit)")
	owner := fs.String("owner", "", "only tasks owned by this person or role `id`")
	atFlag := fs.String("at", "", "as of this `time` (default now)")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	at, err := atTime(a, *atFlag)
	if err != nil {
		return err
	}
	until, err := horizon(*due, at)
	if err != nil {
		return err
	}
	in, err := a.readinessInput(at, time.Time{})
	if err != nil {
		return err
	}
	ts := readiness.Filter(readiness.Tasks(in, until), *owner)
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
	a.out("%d tasks as of %s.\n", len(ts), evident.UTC(at))
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
