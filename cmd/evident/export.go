package main

import (
	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/program"
)

// cmdExport writes the stored program as YAML so it can be kept in git;
// applying the export changes nothing.
func cmdExport(a *app, args []string) error {
	fs := a.flags("export")
	dir := fs.String("o", "", "output `directory` (created; must hold no other YAML files)")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return evident.Errorf(evident.EINVALID, "name the output directory with -o DIR")
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	m, err := st.Model(a.ctx)
	if err != nil {
		return err
	}
	if err := program.Export(m, *dir); err != nil {
		return err
	}
	if a.json {
		return a.printJSON(map[string]any{"directory": *dir, "program": m.Program.Name})
	}
	a.out("Exported %q to %s\n", m.Program.Name, *dir)
	return nil
}
