package main

import "github.com/evidenthq/evident/internal/program"

// cmdApply applies a program directory in one transaction, recorded in
// the audit trail under --actor.
func cmdApply(a *app, args []string) error {
	fs := a.flags("apply")
	dir := fs.String("f", "", "program `directory` of YAML files")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	want, err := loadProgram(*dir)
	if err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	plan, err := program.Apply(a.ctx, st, want, a.actor)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(plan)
	}
	if plan.Empty() {
		a.out("No changes: the stored program already matches %s.\n", *dir)
		return nil
	}
	add, change, remove := plan.Count()
	a.out("%sApplied as %s: %d added, %d changed, %d removed.\n", plan.String(), a.actor, add, change, remove)
	return nil
}
