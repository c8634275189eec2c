package main

import (
	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
)

// retentionSubs are `evident retention`'s subcommands.
var retentionSubs = []sub{
	{"plan", "show which evidence blobs retention would delete now, and why each other is kept", retentionPlan},
	{"apply", "delete the blobs whose retention ended and no hold keeps, each with a retention.delete leaf", retentionApply},
	{"hold", "place a legal hold on evidence (--evidence ID) or on an incident's evidence (--incident ID)", retentionHold},
	{"release", "release a legal hold (--hold ID --reason ...)", retentionRelease},
	{"holds", "list legal holds, standing and released", retentionHolds},
}

func retentionPlan(a *app, args []string) error {
	return retentionRun(a, "retention plan", args, false)
}
func retentionApply(a *app, args []string) error {
	return retentionRun(a, "retention apply", args, true)
}

func retentionRun(a *app, name string, args []string, apply bool) error {
	fs := a.flags(name)
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return evident.Errorf(evident.EINVALID, "%s: unexpected argument %q", name, pos[0])
	}
	l, st, err := a.openLedger()
	if err != nil {
		return err
	}
	defer st.Close()
	plan, err := l.Retention(a.ctx, a.actor, apply)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(plan)
	}
	printRetention(a, plan, apply)
	return nil
}

func printRetention(a *app, plan ledger.RetentionPlan, apply bool) {
	var due, deleted, kept int
	for _, it := range plan.Items {
		state := "kept"
		switch {
		case !it.Deleted.IsZero():
			state, deleted = "deleted by retention at "+stamp(it.Deleted), deleted+1
		case it.Refused != "":
			state = "refused: " + it.Refused
		case it.Due:
			state, due = "due", due+1
		default:
			kept++
		}
		a.out("%s  %s  %s (evidence %v)\n", it.Digest.String()[:12], state, it.Reason, it.Evidence)
	}
	verb := "would be deleted"
	if apply {
		verb = "not deleted"
	}
	a.out("At %s: %d blobs kept, %d %s, %d deleted by retention.\n", stamp(plan.At), kept, due, verb, deleted)
}

func retentionHold(a *app, args []string) error {
	fs := a.flags("retention hold")
	var h evident.Hold
	fs.StringVar(&h.Evidence, "evidence", "", "the evidence `id` to hold")
	fs.StringVar(&h.Incident, "incident", "", "hold every piece of evidence about this incident (`id`)")
	fs.StringVar(&h.Reason, "reason", "", "why: the incident or dispute that requires the hold (`text`)")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return evident.Errorf(evident.EINVALID, "retention hold: unexpected argument %q", pos[0])
	}
	h.PlacedBy = a.actor
	l, st, err := a.openLedger()
	if err != nil {
		return err
	}
	defer st.Close()
	if h, err = l.PlaceHold(a.ctx, h); err != nil {
		return err
	}
	if a.json {
		return a.printJSON(h)
	}
	a.out("Placed legal hold %s (%s).\n", h.ID, h.Reason)
	return nil
}

func retentionRelease(a *app, args []string) error {
	fs := a.flags("retention release")
	id := fs.String("hold", "", "the hold `id` (see `evident retention holds`)")
	reason := fs.String("reason", "", "why the hold ends (`text`)")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return evident.Errorf(evident.EINVALID, "retention release: unexpected argument %q", pos[0])
	}
	l, st, err := a.openLedger()
	if err != nil {
		return err
	}
	defer st.Close()
	h, err := l.ReleaseHold(a.ctx, *id, a.actor, *reason)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(h)
	}
	a.out("Released legal hold %s at %s.\n", h.ID, stamp(h.Released))
	return nil
}

func retentionHolds(a *app, args []string) error {
	fs := a.flags("retention holds")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	hs, err := st.Holds(a.ctx)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(hs)
	}
	for _, h := range hs {
		on := "evidence " + h.Evidence
		if h.Incident != "" {
			on = "incident " + h.Incident
		}
		state := "standing"
		if !h.Released.IsZero() {
			state = "released " + stamp(h.Released)
		}
		a.out("%s  %s  %s  placed %s by %s  %s\n", h.ID, on, h.Reason, stamp(h.Placed), h.PlacedBy, state)
	}
	return nil
}
