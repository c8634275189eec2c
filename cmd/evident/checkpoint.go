package main

import (
	"github.com/evidenthq/evident/internal/ledger"
)

// cmdCheckpoint prints the current signed checkpoint, signing a new one
// first if records were appended since the last. The output is a C2SP
// signed note that anyone with DATA/ledger.pub can check.
func cmdCheckpoint(a *app, args []string) error {
	fs := a.flags("checkpoint")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	l, st, err := a.openLedger()
	if err != nil {
		return err
	}
	defer st.Close()
	cp, err := l.Checkpoint(a.ctx)
	if err != nil {
		return err
	}
	if a.json {
		_, v, err := a.ledgerKeys()
		if err != nil {
			return err
		}
		c, err := ledger.OpenCheckpoint(cp, v)
		if err != nil {
			return err
		}
		return a.printJSON(map[string]any{"origin": c.Origin, "size": c.Size, "root": c.Root.String(), "note": string(cp)})
	}
	_, err = a.stdout.Write(cp)
	return err
}

