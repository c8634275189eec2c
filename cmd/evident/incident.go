package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// incidentSubs are `evident incident`'s subcommands.
var incidentSubs = []sub{
	{"open", "open an incident; its regulatory clocks start at awareness", incidentOpen},
	{"update", "record a response step with a note", incidentUpdate},
	{"classify", "classify or reclassify against the significance criteria", incidentClassify},
	{"notify", "record a notification sent to a supervisor, CSIRT or customers", incidentNotify},
	{"close", "close an incident", incidentClose},
	{"list", "list incidents with their clocks", incidentList},
	{"show", "show one incident, its timeline and clocks", incidentShow},
}

// timeFlag parses an optional UTC time flag; empty means "now", which the
// store fills from its clock.
func timeFlag(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := evident.ParseTime(v)
	if err != nil {
		return t, evident.ErrorAt(evident.EINVALID, "--"+name, "%s", err.(*evident.Error).Message)
	}
	return t, nil
}

// incidentID takes the single positional argument, the incident id.
func incidentID(cmd string, pos []string) (string, error) {
	if len(pos) != 1 {
		return "", evident.Errorf(evident.EINVALID, "incident %s: want exactly one incident id, got %d arguments", cmd, len(pos))
	}
	return pos[0], nil
}

// incSetFlags returns the names of the flags given on the command line, so an
// update can tell "--personal-data=false" from "not mentioned".
func incSetFlags(fs *flag.FlagSet) map[string]bool {
	m := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { m[f.Name] = true })
	return m
}

func incidentOpen(a *app, args []string) error {
	fs := a.flags("incident open")
	kind := fs.String("kind", "incident", "incident or vulnerability")
	title := fs.String("title", "", "short title (required)")
	summary := fs.String("summary", "", "what is known so far")
	reporter := fs.String("reporter", "", "who reported it (default: --actor)")
	aware := fs.String("aware", "", "when the TSP became aware (discovery, for a vulnerability), RFC 3339 UTC; every clock starts here (default: now)")
	detected := fs.String("detected", "", "when monitoring first saw it, if earlier than awareness")
	estimated := fs.String("estimated-start", "", "when the incident is believed to have begun, if before awareness; a qualified service's eIDAS clock starts at the earlier of the two (Art. 24(2)(fb))")
	services := fs.String("service", "", "affected services, comma-separated program ids")
	systems := fs.String("system", "", "affected systems, comma-separated program ids")
	personal := fs.Bool("personal-data", false, "personal data is involved")
	customers := fs.Bool("customers-affected", false, "customers are likely to be affected: starts the customer notification clock (REQ-7.9.3-02)")
	rootCause := fs.String("root-cause", "", "root cause, if known (compared across the register for recurrence)")
	custWithin := fs.String("customers-within", "", "deadline to notify affected customers (default 72h)")
	reviewWithin := fs.String("review-within", "", "post-incident review due this long after closure (default 30d)")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return evident.Errorf(evident.EINVALID, "incident open: unexpected argument %q (the title goes in --title)", pos[0])
	}
	inc := evident.Incident{Kind: evident.IncidentKind(*kind), Title: *title, Summary: *summary, Reporter: firstNonEmpty(*reporter, a.actor),
		Services: splitList(*services), Systems: splitList(*systems), PersonalData: *personal, CustomersAffected: *customers, RootCause: *rootCause}
	if inc.AwareAt, err = timeFlag("aware", *aware); err != nil {
		return err
	}
	if inc.AwareAt.IsZero() {
		inc.AwareAt = a.now().UTC()
	}
	if inc.DetectedAt, err = timeFlag("detected", *detected); err != nil {
		return err
	}
	if inc.EstimatedStartAt, err = timeFlag("estimated-start", *estimated); err != nil {
		return err
	}
	for _, s := range []struct {
		flag string
		v    string
		dst  *evident.Span
	}{{"customers-within", *custWithin, &inc.Rules.CustomerNotice}, {"review-within", *reviewWithin, &inc.Rules.Review}} {
		if s.v == "" {
			continue
		}
		if *s.dst, err = evident.ParseSpan(s.v); err != nil {
			return evident.ErrorAt(evident.EINVALID, "--"+s.flag, "%s", err.(*evident.Error).Message)
		}
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	inc, err = st.OpenIncident(a.ctx, inc, a.actor)
	if err != nil {
		return err
	}
	return a.printIncident(inc, "Opened")
}

func incidentUpdate(a *app, args []string) error {
	fs := a.flags("incident update")
	title := fs.String("title", "", "new title")
	summary := fs.String("summary", "", "new summary")
	services := fs.String("service", "", "affected services, comma-separated (replaces the list)")
	systems := fs.String("system", "", "affected systems, comma-separated (replaces the list)")
	personal := fs.Bool("personal-data", false, "personal data is involved (--personal-data=false to clear)")
	customers := fs.Bool("customers-affected", false, "customers are likely to be affected (--customers-affected=false to clear)")
	rootCause := fs.String("root-cause", "", "root cause")
	assignee := fs.String("assignee", "", "the `login` now working the incident (its clocks become that login's work; \"\" unassigns)")
	step := fs.String("step", "", "add a timeline step: containment, eradication, recovery, mitigation, closure or review")
	at := fs.String("at", "", "when the step happened, RFC 3339 UTC (default: now)")
	note := fs.String("note", "", "note for the step")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	id, err := incidentID("update", pos)
	if err != nil {
		return err
	}
	set := incSetFlags(fs)
	var u evident.IncidentUpdate
	if set["title"] {
		u.Title = title
	}
	if set["summary"] {
		u.Summary = summary
	}
	if set["root-cause"] {
		u.RootCause = rootCause
	}
	if set["assignee"] {
		u.Assignee = assignee
	}
	if set["service"] {
		l := splitList(*services)
		u.Services = &l
	}
	if set["system"] {
		l := splitList(*systems)
		u.Systems = &l
	}
	if set["personal-data"] {
		u.PersonalData = personal
	}
	if set["customers-affected"] {
		u.CustomersAffected = customers
	}
	if u.IsZero() && *step == "" {
		return evident.Errorf(evident.EINVALID, "incident update: nothing to change: give a field flag or --step")
	}
	if (set["at"] || set["note"]) && *step == "" {
		return evident.ErrorAt(evident.EINVALID, "--step", "--at and --note belong to a step: add --step KIND")
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if !u.IsZero() {
		if _, err := st.UpdateIncident(a.ctx, id, u, a.actor); err != nil {
			return err
		}
	}
	if *step != "" {
		if err := incidentStep(a, st, id, *step, *at, *note); err != nil {
			return err
		}
	}
	inc, err := st.Incident(a.ctx, id)
	if err != nil {
		return err
	}
	return a.printIncident(inc, "Updated")
}

// incidentStep records one timeline step. Updating fields and adding the step
// are two transactions: a step refused (say, after closure) leaves the
// field update in place, which is what the user asked for first.
func incidentStep(a *app, st *sqlstore.Store, id, kind, at, note string) error {
	k, err := evident.ParseStepKind(kind)
	if err != nil {
		return err
	}
	t, err := timeFlag("at", at)
	if err != nil {
		return err
	}
	_, err = st.AddIncidentStep(a.ctx, id, evident.Step{Kind: k, At: t, Note: note}, a.actor)
	return err
}

func incidentClose(a *app, args []string) error {
	fs := a.flags("incident close")
	at := fs.String("at", "", "when the incident was closed, RFC 3339 UTC (default: now)")
	note := fs.String("note", "", "closing note")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	id, err := incidentID("close", pos)
	if err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := incidentStep(a, st, id, string(evident.StepClosure), *at, *note); err != nil {
		return err
	}
	inc, err := st.Incident(a.ctx, id)
	if err != nil {
		return err
	}
	return a.printIncident(inc, "Closed")
}

func incidentClassify(a *app, args []string) error {
	fs := a.flags("incident classify")
	sev := fs.String("severity", "", "low, medium, high or critical (required)")
	cat := fs.String("category", "", strings.Join(evident.Categories, ", ")+" (required)")
	var im evident.Impact
	fs.Float64Var(&im.FinancialLossEUR, "loss-eur", 0, "direct financial loss in EUR")
	fs.Float64Var(&im.AnnualTurnoverEUR, "turnover-eur", 0, "annual turnover in EUR (for the 5 % rule)")
	fs.Float64Var(&im.FullOutageMinutes, "outage-min", 0, "longest full unavailability, minutes")
	fs.Float64Var(&im.WeeklyUnavailableMinutes, "weekly-unavailable-min", 0, "unavailability in the worst calendar week, minutes")
	fs.Int64Var(&im.UsersTotal, "users-total", 0, "EU users and relying parties of the service (REQ-7.9.3-09 count)")
	fs.Int64Var(&im.UsersLimitedAvailability, "users-affected", 0, "users affected by limited availability")
	fs.Int64Var(&im.UsersCompromised, "users-compromised", 0, "users affected by an integrity, confidentiality or authenticity compromise")
	fs.BoolVar(&im.TradeSecrets, "trade-secrets", false, "trade secrets exfiltrated")
	fs.BoolVar(&im.Death, "death", false, "a person died")
	fs.BoolVar(&im.HealthDamage, "health", false, "considerable damage to health")
	fs.BoolVar(&im.MaliciousAccess, "malicious-access", false, "malicious unauthorised access that could cause severe disruption")
	fs.BoolVar(&im.RestrictedArea, "restricted-area", false, "a restricted physical area was compromised")
	fs.BoolVar(&im.PlannedMaintenance, "planned", false, "planned maintenance or a scheduled outage (never significant, REQ-7.9.3-08)")
	declared := fs.Bool("significant", false, "declare it significant even if no criterion is met")
	rootCause := fs.String("root-cause", "", "root cause (checked across the register for recurrence)")
	note := fs.String("note", "", "why this classification")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	id, err := incidentID("classify", pos)
	if err != nil {
		return err
	}
	if *sev == "" || *cat == "" {
		return evident.ErrorAt(evident.EINVALID, "--severity/--category", "a classification needs both a severity and a category")
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	c := evident.Classification{Severity: evident.Severity(*sev), Category: *cat, Impact: im, Declared: *declared, Note: *note}
	inc, err := st.ClassifyIncident(a.ctx, id, c, *rootCause, a.actor)
	if err != nil {
		return err
	}
	return a.printIncident(inc, "Classified")
}

func incidentNotify(a *app, args []string) error {
	fs := a.flags("incident notify")
	to := fs.String("to", "", "recipients, comma-separated: supervisory-body, csirt, customers, public, data-protection-authority, other (required)")
	kind := fs.String("kind", "notification", "early-warning, notification, intermediate-report, progress-report or final-report")
	at := fs.String("at", "", "when it was sent, RFC 3339 UTC (default: now)")
	file := fs.String("file", "", "the report sent, kept as evidence in the ledger")
	note := fs.String("note", "", "note, e.g. the authority's reference number")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	id, err := incidentID("notify", pos)
	if err != nil {
		return err
	}
	n := evident.Notification{Note: *note}
	if n.To, err = evident.ParseRecipients(*to); err != nil {
		return err
	}
	if n.Kind, err = evident.ParseNoticeKind(*kind); err != nil {
		return err
	}
	if n.SentAt, err = timeFlag("at", *at); err != nil {
		return err
	}
	if *file == "" {
		st, err := a.openStore()
		if err != nil {
			return err
		}
		defer st.Close()
		if _, err := st.NotifyIncident(a.ctx, id, n, nil, a.actor); err != nil {
			return err
		}
		return a.showIncidentAfter(st, id, "Notified")
	}
	l, st, err := a.openLedger()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := incidentNotifyReport(a, l, id, n, *file); err != nil {
		return err
	}
	return a.showIncidentAfter(st, id, "Notified")
}

// incidentNotifyReport records the notification with the report read
// from path, through the ledger's one home of this write.
func incidentNotifyReport(a *app, l *ledger.Ledger, id string, n evident.Notification, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return evident.ErrorAt(evident.EINVALID, "--file", "%v", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.IsDir() {
		return evident.ErrorAt(evident.EINVALID, "--file", "%s is not a readable file", path)
	}
	_, err = l.NotifyIncident(a.ctx, id, n, &ledger.SentReport{Filename: filepath.Base(path), Content: f}, a.actor)
	return err
}

func (a *app) showIncidentAfter(st *sqlstore.Store, id, verb string) error {
	inc, err := st.Incident(a.ctx, id)
	if err != nil {
		return err
	}
	return a.printIncident(inc, verb)
}

func incidentShow(a *app, args []string) error {
	fs := a.flags("incident show")
	at := fs.String("at", "", "show the clocks as of this instant, RFC 3339 UTC (default: now)")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	id, err := incidentID("show", pos)
	if err != nil {
		return err
	}
	asOf, err := timeFlag("at", *at)
	if err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	inc, err := st.Incident(a.ctx, id)
	if err != nil {
		return err
	}
	if !asOf.IsZero() {
		a.now = func() time.Time { return asOf }
	}
	return a.printIncident(inc, "")
}

func incidentList(a *app, args []string) error {
	fs := a.flags("incident list")
	open := fs.Bool("open", false, "only incidents not closed")
	kind := fs.String("kind", "", "only incident or vulnerability")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return evident.Errorf(evident.EINVALID, "incident list: unexpected argument %q", pos[0])
	}
	if *kind != "" && *kind != string(evident.KindIncident) && *kind != string(evident.KindVulnerability) {
		return evident.ErrorAt(evident.EINVALID, "--kind", "%q: want incident or vulnerability", *kind)
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.Incidents(a.ctx, sqlstore.IncidentFilter{OpenOnly: *open, Kind: evident.IncidentKind(*kind)})
	if err != nil {
		return err
	}
	now := a.now().UTC()
	views := make([]evident.IncidentClocks, 0, len(list))
	for _, inc := range list {
		views = append(views, evident.IncidentClocks{Incident: inc, Clocks: inc.Clocks(now)})
	}
	if a.json {
		return a.printJSON(views)
	}
	// Ids are shortened only as far as they stay unique in the whole
	// register (not just this filtered list), since `incident show` takes
	// what the list prints: incidents opened in one millisecond (a batch
	// of imported findings) share the first 13 characters.
	all := list
	if *open || *kind != "" {
		if all, err = st.Incidents(a.ctx, sqlstore.IncidentFilter{}); err != nil {
			return err
		}
	}
	ids := make([]string, len(all))
	for i, inc := range all {
		ids[i] = inc.ID
	}
	short := uniquePrefixes(ids, 13)
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "ID\tKIND\tSEVERITY\tSIGNIFICANT\tSTATE\tAWARE\tCLOCKS\tTITLE\n")
	for _, v := range views {
		inc := v.Incident
		state := "open"
		if !inc.Open() {
			state = "closed"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", short[inc.ID], inc.Kind, incDash(string(inc.Severity())), incSignificance(inc),
			state, inc.AwareAt.Format("2006-01-02 15:04Z"), incClockSummary(v.Clocks, now), inc.Title)
	}
	tw.Flush()
	a.out("%s\n", count(len(views), "entry", "entries"))
	return nil
}

// printIncident prints an incident with its clocks as of a.now: JSON for
// machines, or the human report after a one-line verb ("Opened ...").
func (a *app) printIncident(inc evident.Incident, verb string) error {
	now := a.now().UTC()
	view := evident.IncidentClocks{Incident: inc, Clocks: inc.Clocks(now)}
	if a.json {
		return a.printJSON(view)
	}
	if verb != "" {
		a.out("%s %s %s\n\n", verb, inc.Kind, inc.ID)
	}
	state := "open"
	if !inc.Open() {
		state = "closed " + stamp(inc.ClosedAt)
	}
	a.out("%s  %s  [%s, %s]\n", inc.ID, inc.Title, inc.Kind, state)
	a.out("Aware %s  detected %s  reported by %s\n", stamp(inc.AwareAt), stamp(inc.DetectedAt), inc.Reporter)
	if !inc.EstimatedStartAt.IsZero() {
		a.out("Estimated start %s (the qualified eIDAS clock starts at %s)\n", stamp(inc.EstimatedStartAt), stamp(inc.EIDASStart()))
	}
	if inc.Assignee != "" {
		a.out("Assigned to %s\n", inc.Assignee)
	}
	a.out("Services: %s  Systems: %s  Personal data: %s  Customers affected: %s\n",
		incDash(strings.Join(inc.Services, ", ")), incDash(strings.Join(inc.Systems, ", ")), incYesNo(inc.PersonalData), incYesNo(inc.CustomersAffected))
	if inc.RootCause != "" {
		a.out("Root cause: %s\n", inc.RootCause)
	}
	if c, ok := inc.Current(); ok {
		a.out("Severity %s, category %s, significant: %s\n", c.Severity, c.Category, incSignificance(inc))
		for _, r := range c.Reasons {
			a.out("  - %s: %s (%s)\n", r.Criterion, r.Detail, r.Basis)
		}
	} else {
		a.out("Not classified yet: the 24-hour clocks run until it is (evident incident classify)\n")
	}
	if len(view.Clocks) > 0 {
		a.out("\nClocks as of %s:\n", stamp(now))
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		for _, c := range view.Clocks {
			met := "-"
			if !c.MetAt.IsZero() {
				met = "met " + stamp(c.MetAt)
			}
			fmt.Fprintf(tw, "  %s\t%s\tdue %s\t%s\t%s\n", c.Name, incClockState(c, now), stamp(c.Due), met, strings.Join(c.Basis, "; "))
		}
		tw.Flush()
	}
	if len(inc.Steps) > 0 {
		a.out("\nTimeline:\n")
		for _, s := range inc.Steps {
			a.out("  %s  %-11s by %s%s\n", stamp(s.At), s.Kind, s.Actor, incPrefixed(": ", s.Note))
		}
	}
	if len(inc.Notifications) > 0 {
		a.out("\nNotifications:\n")
		for _, n := range inc.Notifications {
			to := make([]string, len(n.To))
			for i, r := range n.To {
				to[i] = string(r)
			}
			a.out("  %s  %s to %s by %s%s%s\n", stamp(n.SentAt), n.Kind, strings.Join(to, ", "), n.Actor,
				incPrefixed(", file "+n.File+" sha256:", n.Digest), incPrefixed(": ", n.Note))
		}
	}
	if len(inc.Classifications) > 1 {
		a.out("\nClassification history:\n")
		for _, c := range inc.Classifications {
			a.out("  %s  %s: %s, %s, significant %s\n", stamp(c.At), c.Actor, c.Severity, c.Category, incYesNo(c.Significant()))
		}
	}
	return nil
}

func incClockState(c evident.Clock, now time.Time) string {
	s := string(c.State)
	if c.State == evident.ClockRunning {
		s += ", " + c.Left(now).Truncate(time.Minute).String() + " left"
	}
	if c.Provisional {
		s += " (provisional)"
	}
	return s
}

// incClockSummary is the list view's one-word answer: the worst clock.
func incClockSummary(cs []evident.Clock, now time.Time) string {
	var missed, late, running int
	var next time.Time
	for _, c := range cs {
		switch c.State {
		case evident.ClockMissed:
			missed++
		case evident.ClockMetLate:
			late++
		case evident.ClockRunning:
			running++
			if next.IsZero() || c.Due.Before(next) {
				next = c.Due
			}
		}
	}
	var parts []string
	if missed > 0 {
		parts = append(parts, fmt.Sprintf("%d missed", missed))
	}
	if late > 0 {
		parts = append(parts, fmt.Sprintf("%d late", late))
	}
	if running > 0 {
		parts = append(parts, fmt.Sprintf("next due %s", next.Sub(now).Truncate(time.Minute)))
	}
	if len(parts) == 0 {
		if len(cs) == 0 {
			return "-"
		}
		return "all met"
	}
	return strings.Join(parts, ", ")
}

func incSignificance(inc evident.Incident) string {
	sig, provisional := inc.Significance()
	switch {
	case provisional:
		return "not assessed"
	case !sig:
		return "no"
	}
	c, _ := inc.Current()
	var cs []string
	for _, r := range c.Reasons {
		cs = append(cs, r.Criterion)
	}
	return "yes (" + strings.Join(cs, ", ") + ")"
}

func incYesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func incDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func incPrefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}
