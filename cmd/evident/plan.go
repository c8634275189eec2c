package main

import (
	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/program"
)

// cmdPlan shows what applying a program directory would change, without
// changing anything.
func cmdPlan(a *app, args []string) error {
	fs := a.flags("plan")
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
	have, err := st.Model(a.ctx)
	if err != nil {
		return err
	}
	plan := program.Diff(have, want)
	if a.json {
		return a.printJSON(plan)
	}
	a.out("%s", plan.String())
	return nil
}

// loadProgram reads a program directory named by -f.
func loadProgram(dir string) (*evident.Model, error) {
	if dir == "" {
		return nil, evident.Errorf(evident.EINVALID, "name the program directory with -f DIR")
	}
	cat, err := catalog.Load()
	if err != nil {
		return nil, err
	}
	return program.Load(dir, cat)
}
