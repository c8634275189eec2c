package sqlstore

import (
	"encoding/json"

	"github.com/evidenthq/evident"
)

// Recorded period outcomes (a missed window, written once by the
// scheduler): each is one period.<state> leaf.

var periodOutcomesProjection = projection{
	table:   "period_outcomes",
	key:     []string{"control_id", "period_start"},
	columns: []string{"period_end", "state", "recorded_at", "ledger_idx"},
	kinds:   periodKinds(),
}

// periodKinds registers the applier for every window state's leaf kind.
func periodKinds() map[string]applyFunc {
	m := map[string]applyFunc{}
	for _, s := range []evident.PeriodState{evident.PeriodSatisfied, evident.PeriodFailing, evident.PeriodDue,
		evident.PeriodOverdue, evident.PeriodMissed, evident.PeriodExcepted, evident.PeriodUpcoming} {
		m["period."+string(s)] = applyPeriodOutcome
	}
	return m
}

func applyPeriodOutcome(r *Replay, l ReplayLeaf) error {
	var b struct {
		Control string              `json:"control"`
		Start   string              `json:"start"`
		End     string              `json:"end"`
		State   evident.PeriodState `json:"state"`
	}
	if err := json.Unmarshal(l.Record.Body, &b); err != nil {
		return err
	}
	start, err := auditTime(b.Start)
	if err != nil {
		return err
	}
	end, err := auditTime(b.End)
	if err != nil {
		return err
	}
	r.put("period_outcomes", l.Index, map[string]Value{"control_id": Text(b.Control), "period_start": start, "period_end": end,
		"state": Text(string(b.State)), "recorded_at": Text(TS(l.Record.At)), "ledger_idx": Int(l.Index)})
	return nil
}
