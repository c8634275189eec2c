package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// engagementSubs are `evident engagement`'s subcommands.
var engagementSubs = []sub{
	{"add", "record an assessment by a conformity assessment body and tie its assessors to it", engagementAdd},
	{"list", "list engagements with the days left", engagementList},
	{"show", "show one engagement with its requests and findings", engagementShow},
}

// dateFlag reads an optional date or time flag named name (a bare date is
// midnight UTC, as assessors write due dates); "" is the zero time.
func dateFlag(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	t, err := evident.ParseTime(s)
	if err != nil {
		return t, evident.ErrorAt(evident.EINVALID, "--"+name, "%q: want a date (2027-03-01) or an RFC 3339 time", s)
	}
	return t, nil
}

// noArgs refuses positional arguments a subcommand does not take.
func noArgs(name string, pos []string) error {
	if len(pos) > 0 {
		return evident.Errorf(evident.EINVALID, "%s: unexpected argument %q (quote text with spaces)", name, pos[0])
	}
	return nil
}

// oneID returns the one positional id a subcommand takes.
func oneID(name, what string, pos []string) (string, error) {
	if len(pos) != 1 {
		return "", evident.Errorf(evident.EINVALID, "%s: name one %s", name, what)
	}
	return pos[0], nil
}

func engagementAdd(a *app, args []string) error {
	fs := a.flags("engagement add")
	kind := fs.String("kind", "", "initial, surveillance, re-certification or ad-hoc")
	var e evident.Engagement
	fs.StringVar(&e.CAB, "cab", "", "the conformity assessment `body`")
	fs.StringVar(&e.Lead, "lead", "", "the lead assessor's `name`")
	from := fs.String("from", "", "start of the audit period (`date`)")
	to := fs.String("to", "", "end of the audit period, exclusive (`date`)")
	ends := fs.String("ends", "", "when the assessment ends, counted down on the dashboard (`date`; default the period's end)")
	var services, assessors listFlag
	fs.Var(&services, "service", "a service in scope (`id`, repeatable)")
	fs.Var(&assessors, "assessor", "an assessor `login` tied to the engagement (repeatable); its grant becomes the period")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("engagement add", pos); err != nil {
		return err
	}
	e.Kind, e.Services, e.Assessors, e.Actor = evident.EngagementKind(*kind), services, assessors, a.actor
	for _, f := range []struct {
		name, s string
		t       *time.Time
	}{{"from", *from, &e.From}, {"to", *to, &e.To}, {"ends", *ends, &e.Ends}} {
		if *f.t, err = dateFlag(f.name, f.s); err != nil {
			return err
		}
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if e, err = st.AddEngagement(a.ctx, e); err != nil {
		return err
	}
	if a.json {
		return a.printJSON(e)
	}
	a.out("Recorded %s engagement %s by %s, period %s to %s.\n", e.Kind, e.ID, e.CAB, stamp(e.From), stamp(e.To))
	for _, name := range e.Assessors {
		a.out("  %s may now see %s to %s\n", name, stamp(e.From), stamp(e.To))
	}
	return nil
}

func engagementList(a *app, args []string) error {
	fs := a.flags("engagement list")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("engagement list", pos); err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	es, err := st.Engagements(a.ctx)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(es)
	}
	now := st.Now()
	rows := make([][]string, len(es))
	for i, e := range es {
		rows[i] = []string{e.ID, string(e.Kind), e.CAB, stamp(e.From) + " to " + stamp(e.To), strconv.Itoa(e.DaysLeft(now)), strings.Join(e.Assessors, ",")}
	}
	printRows(a.stdout, "ID\tKIND\tCAB\tPERIOD\tDAYS LEFT\tASSESSORS", rows)
	return nil
}

func engagementShow(a *app, args []string) error {
	fs := a.flags("engagement show")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID("engagement show", "engagement (see `evident engagement list`)", pos)
	if err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.EngagementView(a.ctx, id)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(v)
	}
	printEngagement(a, v, st.Now())
	return nil
}

// printEngagement writes an engagement with its requests and findings.
func printEngagement(a *app, v sqlstore.EngagementView, now time.Time) {
	e := v.Engagement
	a.out("%s engagement %s\n  CAB: %s, lead assessor %s\n  period: %s to %s, %d days left\n  services: %s\n  assessors: %s\n",
		e.Kind, e.ID, e.CAB, e.Lead, stamp(e.From), stamp(e.To), e.DaysLeft(now), strings.Join(e.Services, ", "), orNone(strings.Join(e.Assessors, ", ")))
	a.out("\nRequests (%d)\n", len(v.Requests))
	rows := make([][]string, len(v.Requests))
	for i, r := range v.Requests {
		state := string(r.StateAt(now))
		if r.Overdue(now) {
			state += " (overdue)"
		}
		rows[i] = []string{r.ID, state, stamp(r.Due), requestSubject(r), clip(r.Text, 50)}
	}
	printRows(a.stdout, "ID\tSTATE\tDUE\tAGAINST\tTEXT", rows)
	a.out("\nFindings (%d)\n", len(v.Findings))
	rows = make([][]string, len(v.Findings))
	for i, f := range v.Findings {
		due := "-"
		if !f.Due.IsZero() {
			due = stamp(f.Due)
		}
		rows[i] = []string{f.ID, orNone(f.Ref), string(f.Kind), string(f.StateAt(now)), due, clip(f.Text, 50)}
	}
	printRows(a.stdout, "ID\tREF\tKIND\tSTATE\tDUE\tTEXT", rows)
}

// requestSubject names what a request is against.
func requestSubject(r evident.Request) string {
	var parts []string
	if r.Requirement != nil {
		parts = append(parts, string(r.Requirement.ID))
	}
	if r.Control != "" {
		parts = append(parts, "control "+r.Control)
	}
	if !r.From.IsZero() {
		parts = append(parts, stamp(r.From)+" to "+stamp(r.To))
	}
	return strings.Join(parts, ", ")
}
