package main

import (
	"time"

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
// untreated risks, controls without method, owner or cadence or slower
// than the standard's figures, risks above the appetite or treated by
// failing controls, policies not approved, published or communicated,
// suppliers without agreements, and so on. Each gap names the
// requirements it keeps from being verified. Gaps are a report, not a failure: the exit code is 0 unless
// --fail is given, which makes a CI gate of it (exit 1 on any gap).
func cmdGaps(a *app, args []string) error {
	fs := a.flags("gaps")
	fail := fs.Bool("fail", false, "exit 1 when there is any gap")
	at := fs.String("at", "", "judge dates (expiries, reviews) as of `T` (RFC 3339 or a date; default now)")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	now := a.now().UTC().Truncate(time.Microsecond)
	if *at != "" {
		var err error
		if now, err = evident.ParseTime(*at); err != nil {
			return evident.Errorf(evident.EINVALID, "gaps --at: %v", evident.ErrorMessage(err))
		}
	}
	// The same input as `evident status`: some gaps (a risk treated by a
	// failing control) are shown by the evidence, not the program alone.
	in, err := a.readinessInput(now, time.Time{}, true)
	if err != nil {
		return err
	}
	gaps := readiness.Gaps(in)
	if a.json {
		if err := a.printJSON(gapsReport{Program: in.Model.Program.Name, At: evident.UTC(now), Count: len(gaps), Gaps: gaps}); err != nil {
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
		a.out("%s in %q as of %s.\n", count(len(gaps), "gap", "gaps"), in.Model.Program.Name, now.Format("2006-01-02"))
	}
	if *fail && len(gaps) > 0 {
		return evident.Errorf(evident.EFAILED, "%s", count(len(gaps), "gap", "gaps"))
	}
	return nil
}
