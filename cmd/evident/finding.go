package main

import (
	"os"
	"path/filepath"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/findinglist"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// findingSubs are `evident finding`'s subcommands: the assessor raises,
// imports, accepts or reopens; the TSP updates the plan and proposes
// closure with evidence.
var findingSubs = []sub{
	{"add", "raise a nonconformity or observation (assessor)", findingAdd},
	{"import", "import a CAB's findings list, CSV or XLSX (assessor)", findingImport},
	{"update", "record the root cause, corrective action and due date (manager)", findingStepCmd(evident.StepUpdate)},
	{"close", "propose closing a finding with the evidence of its correction (manager)", findingStepCmd(evident.StepClose)},
	{"accept", "accept a proposed closure, which closes the finding (assessor)", findingStepCmd(evident.StepAccept)},
	{"reopen", "send a proposed closure back (assessor)", findingStepCmd(evident.StepReopen)},
}

func findingAdd(a *app, args []string) error {
	fs := a.flags("finding add")
	var f evident.Finding
	fs.StringVar(&f.Engagement, "engagement", "", "the engagement (`id`)")
	kind := fs.String("kind", "", "major, minor or observation")
	fs.StringVar(&f.Ref, "ref", "", "the CAB's reference for the finding")
	fs.StringVar(&f.Text, "text", "", "the assessor's text")
	var reqs listFlag
	fs.Var(&reqs, "req", "a requirement the finding is against (`id` or STANDARD@VERSION:ID, repeatable)")
	due := fs.String("due", "", "when the corrective action is due (`date`)")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("finding add", pos); err != nil {
		return err
	}
	if f.Kind, err = evident.ParseFindingKind(*kind); err != nil {
		return evident.ErrorAt(evident.EINVALID, "--kind", "%s", err.(*evident.Error).Message)
	}
	if f.Due, err = dateFlag("due", *due); err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := st.Program(a.ctx)
	if err != nil {
		return err
	}
	for _, s := range reqs {
		ref, err := evident.ParseRequirementRef(s, p.Standard, p.Version)
		if err != nil {
			return evident.ErrorAt(evident.EINVALID, "--req", "%s", evident.ErrorMessage(err))
		}
		f.Requirements = append(f.Requirements, ref)
	}
	f.RaisedBy = a.actor
	if f, err = st.AddFinding(a.ctx, f); err != nil {
		return err
	}
	if a.json {
		return a.printJSON(f)
	}
	a.out("Raised %s.\n  id %s\n", f.Title(), f.ID)
	return nil
}

func findingImport(a *app, args []string) error {
	fs := a.flags("finding import")
	engagement := fs.String("engagement", "", "the engagement (`id`)")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	file, err := oneID("finding import", "file (CSV or XLSX)", pos)
	if err != nil {
		return err
	}
	in, err := os.Open(file)
	if err != nil {
		return evident.Errorf(evident.EINVALID, "finding import: %v", err)
	}
	defer in.Close()
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := st.Program(a.ctx)
	if err != nil {
		return err
	}
	name := filepath.Base(file)
	list, err := findinglist.Parse(in, name, p.Standard, p.Version)
	if err != nil {
		return err
	}
	got, err := st.ImportFindings(a.ctx, *engagement, a.actor, name, list)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(got)
	}
	a.out("Imported %d findings from %s into engagement %s.\n", len(got), name, *engagement)
	for _, f := range got {
		a.out("  %s  %s\n", f.ID, f.Title())
	}
	return nil
}

// findingStepCmd is the subcommand making one kind of step on a finding.
func findingStepCmd(kind string) func(a *app, args []string) error {
	return func(a *app, args []string) error {
		name := "finding " + kind
		fs := a.flags(name)
		text := fs.String("text", "", "a comment recorded with the step")
		var plan sqlstore.FindingPlan
		var evidence listFlag
		due := new(string)
		if kind == evident.StepUpdate || kind == evident.StepClose {
			fs.StringVar(&plan.RootCause, "root-cause", "", "the root cause found")
			fs.StringVar(&plan.CorrectiveAction, "action", "", "the corrective action plan")
		}
		if kind == evident.StepUpdate {
			due = fs.String("due", "", "when the corrective action is due (`date`)")
		}
		if kind == evident.StepClose {
			fs.Var(&evidence, "evidence", "an evidence record of the correction (`id`, repeatable)")
		}
		pos, err := a.parse(fs, args)
		if err != nil {
			return err
		}
		id, err := oneID(name, "finding", pos)
		if err != nil {
			return err
		}
		if plan.Due, err = dateFlag("due", *due); err != nil {
			return err
		}
		st, err := a.openStore()
		if err != nil {
			return err
		}
		defer st.Close()
		f, err := st.FindingStep(a.ctx, id, evident.AssessmentStep{Kind: kind, Actor: a.actor, Text: *text, Evidence: evidence}, plan)
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(f)
		}
		a.out("Finding %s is %s.\n", f.ID, f.State())
		return nil
	}
}
