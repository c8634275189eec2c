package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/api"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

type changesPage struct {
	Changes  []evident.Change // newest first
	Systems  []evident.System
	Form     changeForm
	Added    []evident.ChangeTask // what the change just recorded opened
	Recorded bool                 // a change was just recorded
}

// changeForm is the "record a change" form as submitted.
type changeForm struct {
	System, Version, Summary, At string
	Significant                  bool
	Error                        string
}

// Changes lists recorded changes to systems, services and suppliers,
// newest first, with a form to record one.
func (w *Web) Changes() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		added, err := w.recordedChange(r)
		if err != nil {
			return err
		}
		return w.changes(rw, r, http.StatusOK, changeForm{}, added)
	})
}

// recordedChange returns the work opened by the change named in
// ?recorded= (where a recorded change redirects), nil when there is none.
func (w *Web) recordedChange(r *http.Request) ([]evident.ChangeTask, error) {
	id := r.URL.Query().Get("recorded")
	if id == "" {
		return nil, nil
	}
	added := []evident.ChangeTask{}
	err := w.cfg.Store.Read(r.Context(), func(tx *sqlstore.Tx) error {
		all, err := tx.ChangeTasks(r.Context(), time.Time{})
		for _, t := range all {
			if t.Change == id {
				added = append(added, t)
			}
		}
		return err
	})
	return added, err
}

func (w *Web) changes(rw http.ResponseWriter, r *http.Request, status int, form changeForm, added []evident.ChangeTask) error {
	all, err := w.cfg.Store.Changes(r.Context())
	if err != nil {
		return err
	}
	m, err := w.model(r.Context())
	if err != nil {
		return err
	}
	slices.Reverse(all)
	if form.At == "" {
		form.At = w.cfg.Store.Now().UTC().Format("2006-01-02T15:04")
	}
	data := changesPage{Changes: all, Systems: m.Systems, Form: form, Added: added, Recorded: added != nil}
	w.render(rw, r, status, "changes.html", page{Title: "Changes", Nav: "changes", Data: data})
	return nil
}

// AddChange records a change to a system. A significant one opens the pen
// test and the risk and policy reviews, and makes evidence collected
// before it stale for the controls scoped to the system.
func (w *Web) AddChange() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		actor, err := w.actor(r)
		if err != nil {
			return err
		}
		f := changeForm{System: r.PostFormValue("system"), Version: strings.TrimSpace(r.PostFormValue("version")),
			Summary: r.PostFormValue("summary"), At: r.PostFormValue("at"), Significant: r.PostFormValue("significant") == "on"}
		ch := evident.Change{System: f.System, Version: f.Version, Summary: f.Summary, Significant: f.Significant, Actor: actor}
		ch.At, err = parseFormTime("at", f.At)
		if err == nil {
			ch, _, err = w.cfg.Store.AddChange(r.Context(), ch)
		}
		if err != nil {
			if evident.ErrorCode(err) == evident.EINTERNAL {
				return err
			}
			f.Error = evident.ErrorMessage(err)
			return w.changes(rw, r, api.Status(err), f, nil)
		}
		// Post/redirect/get: reloading the result shows it again rather
		// than recording the change twice.
		http.Redirect(rw, r, "/changes?recorded="+url.QueryEscape(ch.ID)+"#change-added", http.StatusSeeOther)
		return nil
	})
}

type tasksPage struct {
	Tasks   []readiness.Task
	Owner   string
	Horizon int // days
	Owners  []string
	// Mine marks the My work page: the signed-in login's tasks, owned by
	// the person naming it as their user or a role they hold (MineOf).
	Mine   bool
	MineOf []string
	Login  string
	// Assignee narrows the list to one login's work (the same rule as My
	// work); Assignees are the logins people.yaml names.
	Assignee  string
	Assignees []string
}

// Tasks lists what is due or overdue: periods of controls, work opened by
// changes, reviews, expiring exceptions and incident clocks, by due date,
// for everyone or one owner.
func (w *Web) Tasks() http.Handler { return w.tasks(false) }

// MyWork lists the signed-in login's tasks: those owned by the person who
// names the login as their user in people.yaml, or by a role that person
// holds, with the same rule as `evident tasks --mine` (readiness.Mine).
func (w *Web) MyWork() http.Handler { return w.tasks(true) }

func (w *Web) tasks(mine bool) http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		days := 30
		if s := r.URL.Query().Get("due"); s != "" {
			n, err := intParam(r, "due")
			if err != nil {
				return err
			}
			days = n
		}
		pr, err := w.state(r.Context(), time.Time{})
		if err != nil {
			return err
		}
		title, nav, login := "Tasks", "tasks", ""
		if mine {
			p, _ := auth.FromContext(r.Context())
			title, nav, login = "My work", "mine", p.User.Name
		}
		key := fmt.Sprintf("tasks.html?%s&mine=%t&login=%s", r.URL.RawQuery, mine, url.QueryEscape(login))
		body, err := pr.content(key, func() (template.HTML, error) {
			return w.renderContent("tasks.html", tasksOf(pr, r.URL.Query(), days, mine, login))
		})
		if err != nil {
			return err
		}
		w.render(rw, r, http.StatusOK, "tasks.html", page{Title: title, Nav: nav, Program: pr.In.Model.Program.Name, Body: body.html, kept: body})
		return nil
	})
}

// tasksOf is the task list of the state pr due within days, filtered by
// q, or when mine the work of login. It is kept with the state
// (program.content), so it reads nothing else.
func tasksOf(pr *program, q url.Values, days int, mine bool, login string) tasksPage {
	owner := q.Get("owner")
	all := pr.tasksUntil(pr.In.At.AddDate(0, 0, days))
	data := tasksPage{Tasks: readiness.Filter(all, owner), Owner: owner, Horizon: days, Mine: mine, Assignee: q.Get("assignee")}
	for _, p := range pr.In.Model.People {
		if p.User != "" && !slices.Contains(data.Assignees, p.User) {
			data.Assignees = append(data.Assignees, p.User)
		}
	}
	slices.Sort(data.Assignees)
	if data.Assignee != "" {
		data.Tasks = readiness.Mine(data.Tasks, pr.In.Model, data.Assignee)
	}
	if mine {
		data.Login, data.Owner = login, ""
		data.MineOf = pr.In.Model.OwnersOf(login)
		data.Tasks = readiness.Mine(all, pr.In.Model, login)
	}
	for _, t := range all {
		if t.Owner != "" && !slices.Contains(data.Owners, t.Owner) {
			data.Owners = append(data.Owners, t.Owner)
		}
	}
	slices.Sort(data.Owners)
	return data
}

// changeTitles names every change by what changed and to which version
// ("system ca-issuing 5.0"), so a page that mentions a change links it by
// name rather than by id.
func (w *Web) changeTitles(ctx context.Context) (map[string]string, error) {
	all, err := w.cfg.Store.Changes(ctx)
	out := make(map[string]string, len(all))
	for _, c := range all {
		out[c.ID] = strings.TrimSpace(c.Subject() + " " + c.Version)
	}
	return out, err
}
