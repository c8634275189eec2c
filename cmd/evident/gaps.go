package main

import (
	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/readiness"
)

// gapsReport is the --json form of `evident gaps`.
type gapsReport struct {
	Program string          `json:"program"`
	At      string          `json:"at"`
	Count   int             `json:"count"`
	Gaps    []readiness.Gap `json:"gaps"`
}

// cmdGaps reports what the program is missing: unaddressed requirements,
// untreated risks, controls without method, owner or cadence, policies not
// approved, published or communicated, suppliers without agreements, and
// so on. Gaps are a report, not a failure: the exit code is 0 unless
// --fail is given, which makes a CI gate of it (exit 1 on any gap).
func cmdGaps(a *app, args []string) error {
	fs := a.flags("gaps")
	fail := fs.Bool("fail", false, "exit 1 when there is any gap")
	at := fs.String("at", "", "judge dates (expiries, reviews) as of `T` (RFC 3339 or a date; default now)")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	v, err := a.programView()
	if err != nil {
		return err
	}
	now := a.now().UTC()
	if *at != "" {
		if now, err = evident.ParseTime(*at); err != nil {
			return evident.Errorf(evident.EINVALID, "gaps --at: %v", evident.ErrorMessage(err))
		}
	}
	gaps := readiness.Gaps(v.m, v.reqs, now)
	if gaps == nil {
		gaps = []readiness.Gap{}
	}
	if a.json {
		if err := a.printJSON(gapsReport{Program: v.m.Program.Name, At: evident.UTC(now), Count: len(gaps), Gaps: gaps}); err != nil {
			return err
		}
	} else {
		rows := make([][]string, len(gaps))
		for i, g := range gaps {
			rows[i] = []string{string(g.Kind), g.Section + "/" + g.ID, g.Detail}
		}
		if len(gaps) > 0 {
			writeTable(a.stdout, "GAP\tOBJECT\tDETAIL", rows)
		}
		a.out("%d gaps in %q as of %s.\n", len(gaps), v.m.Program.Name, now.Format("2006-01-02"))
	}
	if *fail && len(gaps) > 0 {
		return evident.Errorf(evident.EFAILED, "%d gaps", len(gaps))
	}
	return nil
}
