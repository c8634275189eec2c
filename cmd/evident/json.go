package main

import "encoding/json"

// printJSON writes v as indented JSON, the --json form of every command.
func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
