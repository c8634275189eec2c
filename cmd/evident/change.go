package main

import (
	"github.com/evidenthq/evident"
)

// changeReport is the --json form of `evident change add`.
type changeReport struct {
	Change evident.Change       `json:"change"`
	Tasks  []evident.ChangeTask `json:"tasks"`
}

// changeSubs are `evident change`'s subcommands.
var changeSubs = []sub{
	{"add", "record a change to a system, service or supplier", changeAdd},
	{"list", "list recorded changes", changeList},
}

// changeAdd records a change to a system, service or supplier. A
// significant change opens the pen test, risk review and policy review
// tasks and makes evidence collected before it stale for the controls
// scoped to what changed.
func changeAdd(a *app, args []string) error {
	fs := a.flags("change add")
	var c evident.Change
	fs.StringVar(&c.System, "system", "", "the system that changed (`id` or name)")
	fs.StringVar(&c.Service, "service", "", "the service that changed (`id`)")
	fs.StringVar(&c.Supplier, "supplier", "", "the supplier that changed (`id`)")
	fs.StringVar(&c.Version, "version", "", "the new `version` (required for a system)")
	fs.BoolVar(&c.Significant, "significant", false, "a significant change: triggers a pen test and reviews, makes scoped evidence stale")
	fs.StringVar(&c.Summary, "summary", "", "what changed, in a `sentence`")
	at := fs.String("at", "", "when the change took effect (`time`; default now)")
	notified := fs.String("notified", "", "when the supervisory body was told of the change (`time`; eIDAS Art. 24(2)(a) asks for 1 month ahead)")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return evident.Errorf(evident.EINVALID, "change add: unexpected argument %q (quote the --summary)", pos[0])
	}
	if *at != "" {
		if c.At, err = evident.ParseTime(*at); err != nil {
			return evident.ErrorAt(evident.EINVALID, "--at", "%s", err.(*evident.Error).Message)
		}
	}
	if *notified != "" {
		if c.Notified, err = evident.ParseTime(*notified); err != nil {
			return evident.ErrorAt(evident.EINVALID, "--notified", "%s", err.(*evident.Error).Message)
		}
	}
	c.Actor = a.actor
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	c, tasks, err := st.AddChange(a.ctx, c)
	if err != nil {
		return err
	}
	if tasks == nil {
		tasks = []evident.ChangeTask{}
	}
	if a.json {
		return a.printJSON(changeReport{Change: c, Tasks: tasks})
	}
	kind := "change"
	if c.Significant {
		kind = "significant change"
	}
	a.out("Recorded %s %s to %s, effective %s.\n", kind, c.ID, c.Subject(), stamp(c.At))
	for _, t := range tasks {
		a.out("  opened: %s (%s), due %s\n", t.Title, t.Requirement.ID, stamp(t.Due))
	}
	return nil
}

func changeList(a *app, args []string) error {
	fs := a.flags("change list")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	cs, err := st.Changes(a.ctx)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(cs)
	}
	rows := make([][]string, len(cs))
	for i, c := range cs {
		sig := "no"
		if c.Significant {
			sig = "yes"
		}
		rows[i] = []string{stamp(c.At), c.Subject(), orNone(c.Version), sig, clip(c.Summary, 60)}
	}
	printRows(a.stdout, "EFFECTIVE\tWHAT\tVERSION\tSIGNIFICANT\tSUMMARY", rows)
	return nil
}
