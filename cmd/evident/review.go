package main

import (
	"encoding/json"
	"flag"
	"os"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// reviewSubs are `evident review`'s subcommands.
var reviewSubs = []sub{
	{"list", "list submissions awaiting review (or decided)", reviewList},
	{"accept", "accept a submission: it counts for its window", func(a *app, args []string) error { return reviewDecide(a, evident.ActAccept, args) }},
	{"reject", "reject a submission with a reason", func(a *app, args []string) error { return reviewDecide(a, evident.ActReject, args) }},
}

func reviewList(a *app, args []string) error {
	fs := a.flags("review list")
	control := fs.String("control", "", "only submissions for this control `ID`")
	state := fs.String("state", "pending", "pending, accepted, rejected or all")
	window := fs.String("window", "", "only submissions effective in this period (2026-Q3, 2026-07, FROM/TO)")
	mine := fs.Bool("mine", false, "only what the acting login (--actor) may decide")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	f := sqlstore.ReviewFilter{Control: *control}
	switch *state {
	case "all":
	case string(evident.ReviewPending), string(evident.ReviewAccepted), string(evident.ReviewRejected):
		f.State = evident.ReviewState(*state)
	default:
		return evident.ErrorAt(evident.EINVALID, "--state", "%q: want pending, accepted, rejected or all", *state)
	}
	if *window != "" {
		w, err := evident.ParseEffectivePeriod(*window)
		if err != nil {
			return evident.ErrorAt(evident.EINVALID, "--window", "%s", evident.ErrorMessage(err))
		}
		f.From, f.To = w.From, w.To
	}
	if *mine {
		f.For = a.actor
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	subs, err := st.Submissions(a.ctx, f)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(subs)
	}
	rows := make([][]string, len(subs))
	for i, s := range subs {
		note := s.Incomplete
		if len(s.Acts) > 0 {
			last := s.Acts[len(s.Acts)-1]
			note = string(last.Verb) + "ed by " + last.Actor + " " + stamp(last.At)
			if last.Comment != "" {
				note += ": " + last.Comment
			}
		}
		rows[i] = []string{s.Evidence.ID, s.Control, string(s.State), s.Evidence.Actor, s.Evidence.Effective.String(), orNone(clip(note, 80))}
	}
	if len(rows) > 0 {
		printRows(a.stdout, "EVIDENCE\tCONTROL\tSTATE\tSUBMITTER\tEFFECTIVE\tNOTE", rows)
	}
	a.out("%s.\n", count(len(subs), "submission", "submissions"))
	return nil
}

func reviewDecide(a *app, verb evident.ActVerb, args []string) error {
	fs := a.flags("review " + string(verb))
	reason := fs.String("reason", "", "why: required to reject, recorded with the act")
	control := fs.String("control", "", "the control `ID`, when the evidence is for several")
	var systems listFlag
	fs.Var(&systems, "system", "system `NAME` the acceptance is for (repeatable; default: the evidence's systems, or the control's scope)")
	ids, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(ids) != 1 {
		return evident.Errorf(evident.EINVALID, "review %s: name one evidence ID", verb)
	}
	l, st, err := a.openLedger()
	if err != nil {
		return err
	}
	defer st.Close()
	in := sqlstore.ReviewInput{Evidence: ids[0], Verb: verb, Reviewer: a.actor, Reason: *reason, Control: *control}
	if len(systems) > 0 {
		in.Systems = systems
	}
	act, err := l.Review(a.ctx, in)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(act)
	}
	b, _ := act.Binding()
	a.out("%s  %sed evidence %s for %s (window %s to %s", act.ID, verb, ids[0], b.Control, b.WindowStart.Format("2006-01-02"), b.WindowEnd.Add(-time.Nanosecond).Format("2006-01-02"))
	if len(b.Systems) > 0 && verb == evident.ActAccept {
		a.out(", systems %s", strings.Join(b.Systems, ", "))
	}
	a.out(")  leaf %d\n", act.LedgerIndex)
	return nil
}

// submissionFlags are what `evident evidence add` asks for when the
// control is verified by a person: the method's content, checked before
// anything is stored.
type submissionFlags struct {
	population, populationFile, sample, seed string
	populationSize                           int
	statement, report                        string
	policy, policySHA256, outcome            string
	date, scenario                           string
	participants, followUps                  listFlag
}

func (s *submissionFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.population, "population", "", "sampling: what the sample was drawn from")
	fs.IntVar(&s.populationSize, "population-size", 0, "sampling: how many items the population holds")
	fs.StringVar(&s.populationFile, "population-file", "", "sampling: the population, one item per line or a JSON array; Evident draws the sample with a recorded seed")
	fs.StringVar(&s.sample, "sample", "", "sampling: `FILE` listing the sampled items (CSV first column, lines or a JSON array)")
	fs.StringVar(&s.seed, "seed", "", "sampling: the seed for the draw from --population-file (default: random, recorded)")
	fs.StringVar(&s.statement, "statement", "", "attestation: what you attest")
	fs.StringVar(&s.report, "report", "", "attestation: evidence `ID` of the report the method names")
	fs.StringVar(&s.policy, "policy", "", "document review: the reviewed policy `ID` (its current version's SHA-256 is bound)")
	fs.StringVar(&s.policySHA256, "policy-sha256", "", "document review: the SHA-256 of the version reviewed, checked to be current")
	fs.StringVar(&s.outcome, "outcome", "", "document review or exercise: the outcome")
	fs.StringVar(&s.date, "date", "", "exercise: the date it took place")
	fs.StringVar(&s.scenario, "scenario", "", "exercise: the scenario exercised")
	fs.Var(&s.participants, "participant", "exercise: who took part (repeatable)")
	fs.Var(&s.followUps, "follow-up", "exercise: a follow-up action (repeatable)")
}

// build returns the submission the flags describe for the first reviewed
// control among controls, or nil when none of the flags is given.
func (s *submissionFlags) build(m *evident.Model, controls []string, systems []evident.SystemVersion, actor string) (*evident.Submission, error) {
	f := evident.SubmissionFields{Population: s.population, PopulationSize: s.populationSize, Seed: s.seed, Statement: s.statement,
		Report: s.report, Policy: s.policy, PolicySHA256: s.policySHA256, Outcome: s.outcome, Scenario: s.scenario,
		Participants: s.participants, FollowUps: s.followUps}
	var err error
	if s.populationFile != "" {
		if f.PopulationItems, err = readItems(s.populationFile); err != nil {
			return nil, err
		}
	}
	if s.sample != "" {
		if f.Sample, err = readItems(s.sample); err != nil {
			return nil, err
		}
	}
	if s.date != "" {
		if f.Date, err = evident.ParseTime(s.date); err != nil {
			return nil, evident.ErrorAt(evident.EINVALID, "--date", "%s", evident.ErrorMessage(err))
		}
	}
	if f.IsZero() {
		return nil, nil
	}
	for _, id := range controls {
		if c := m.ControlByID(id); c != nil && c.NeedsReview() {
			var names []string
			for _, sv := range systems {
				names = append(names, sv.Name)
			}
			return m.Submission(*c, f, names, actor), nil
		}
	}
	return nil, evident.Errorf(evident.EINVALID, "evidence add: the submission flags go with a control verified by a person (sampling, attestation, document-review, exercise)")
}

func readItems(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, evident.ErrorAt(evident.EINVALID, path, "cannot read: %v", unwrapPath(err))
	}
	return evident.ParseItems(b, path)
}

// submission builds the evidence detail from the submission flags, nil
// when none is given.
func (a *app) submission(st *sqlstore.Store, f *submissionFlags, in ledger.EvidenceInput) ([]byte, error) {
	m, err := st.Model(a.ctx)
	if err != nil {
		return nil, err
	}
	sub, err := f.build(m, in.Controls, in.Systems, in.Actor)
	if err != nil || sub == nil {
		return nil, err
	}
	return json.Marshal(sub)
}

// awaitingReview tells the submitter that the evidence counts only once
// accepted, and what the method asks for if the submission lacks it.
func (a *app) awaitingReview(st *sqlstore.Store, in ledger.EvidenceInput) error {
	m, err := st.Model(a.ctx)
	if err != nil {
		return err
	}
	for _, id := range in.Controls {
		c := m.ControlByID(id)
		if c == nil || !c.NeedsReview() {
			continue
		}
		a.out("Awaiting review for %s: it counts once someone other than %s accepts it (evident review accept ID).\n", c.ID, evident.Submitter(in.Actor))
		if len(in.Detail) == 0 && c.Method.Kind != "" {
			a.out("The %s method asks for more before it can be accepted: %s.\n", c.Method.Kind, evident.SubmissionRule(*c))
		}
	}
	return nil
}

// printReview prints where a record stands in review, for each reviewed
// control it is for, with every act on it.
func (a *app) printReview(st *sqlstore.Store, id string) error {
	subs, err := st.Submissions(a.ctx, sqlstore.ReviewFilter{Evidence: id})
	if err != nil {
		return err
	}
	for _, s := range subs {
		state := string(s.State)
		if s.State == evident.ReviewPending {
			state = "awaiting review"
		}
		a.out("Review       %s for %s", state, s.Control)
		if len(s.AcceptedFor) > 0 {
			a.out(" (systems %s)", strings.Join(s.AcceptedFor, ", "))
		}
		a.out("\n")
		for _, act := range s.Acts {
			a.out("             %sed by %s at %s", act.Verb, act.Actor, stamp(act.At))
			if act.Comment != "" {
				a.out(": %s", act.Comment)
			}
			a.out("\n")
		}
		if s.Incomplete != "" {
			a.out("             cannot be accepted yet: %s\n", s.Incomplete)
		}
	}
	return nil
}
