package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// logEntry is one line of the audit trail.
type logEntry struct {
	Index int64  `json:"index"`
	At    string `json:"at"`
	Actor string `json:"actor"`
	// Origin is the operating-system user and host of a command-line
	// write ("cli:USER@HOST"), shown beside the typed actor.
	Origin string          `json:"origin,omitempty"`
	Kind   string          `json:"kind"`
	ID     string          `json:"id"`
	Body   json.RawMessage `json:"body"`
}

// cmdLog prints the audit trail: every ledger record, oldest first. It
// reads the leaves themselves, so what it shows is exactly what the
// checkpoints sign.
func cmdLog(a *app, args []string) error {
	fs := a.flags("log")
	kind := fs.String("kind", "", "only records of this kind (evidence, program.apply, ...)")
	since := fs.String("since", "", "only records at or after this time")
	last := fs.Int("n", 0, "only the last N records")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	var from time.Time
	if *since != "" {
		t, err := evident.ParseTime(*since)
		if err != nil {
			return evident.ErrorAt(evident.EINVALID, "--since", "%s", evident.ErrorMessage(err))
		}
		from = t
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	var out []logEntry
	err = st.Read(a.ctx, func(tx *sqlstore.Tx) error {
		n, err := tx.LedgerSize(a.ctx)
		if err != nil {
			return err
		}
		start := int64(0)
		if *last > 0 && *kind == "" && *since == "" {
			start = max(0, n-int64(*last))
		}
		for lo := start; lo < n; lo += 5000 {
			leaves, err := tx.LedgerLeaves(a.ctx, lo, lo+5000)
			if err != nil {
				return err
			}
			for _, lf := range leaves {
				rec, err := evident.ParseRecord(lf.Data)
				if err != nil {
					return fmt.Errorf("ledger leaf %d: %w (run `evident verify`)", lf.Index, err)
				}
				if (*kind != "" && rec.Kind != *kind) || rec.At.Before(from) {
					continue
				}
				out = append(out, logEntry{Index: lf.Index, At: evident.UTC(rec.At), Actor: rec.Actor, Origin: rec.Origin, Kind: rec.Kind, ID: rec.ID, Body: rec.Body})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if *last > 0 && len(out) > *last {
		out = out[len(out)-*last:]
	}
	if a.json {
		if out == nil {
			out = []logEntry{}
		}
		return a.printJSON(out)
	}
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "LEAF\tAT\tACTOR\tKIND\tID")
	for _, e := range out {
		actor := evident.Display(e.Actor)
		if e.Origin != "" {
			actor += " (" + evident.Display(e.Origin) + ")"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", e.Index, e.At, actor, evident.Display(e.Kind), evident.Display(e.ID))
	}
	return w.Flush()
}
