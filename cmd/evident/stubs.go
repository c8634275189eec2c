package main

import "github.com/evidenthq/evident"

// notYet marks a command whose implementation has not landed. Each owner
// deletes its line here when the real command arrives; none may remain.
func notYet(name string) func(*app, []string) error {
	return func(*app, []string) error {
		return evident.Errorf(evident.EINTERNAL, "%s is not available in this build", name)
	}
}

var (
	cmdImport     = notYet("import")
)
