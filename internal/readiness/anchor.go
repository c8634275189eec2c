package readiness

import (
	"context"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// TaskAnchor is the time-stamp of the ledger the program's anchoring
// schedule (program.anchor_every) asks for.
const TaskAnchor = "anchor"

// AnchorGrace is how long after its due time a scheduled anchor is late
// but not yet overdue: the scheduler retries a TSA that does not answer
// for this long before the task turns overdue.
const AnchorGrace = time.Hour

// lastAnchor returns when the newest anchor at or before at was recorded,
// zero when there is none. The schedule runs on the store's clock (when
// the anchor was recorded), as every other deadline does; the TSA's own
// time is what the token proves, checked by verify.
func lastAnchor(ctx context.Context, tx *sqlstore.Tx, at time.Time) (time.Time, error) {
	as, err := tx.Anchors(ctx)
	if err != nil {
		return time.Time{}, err
	}
	var last time.Time
	for _, a := range as {
		if !a.CreatedAt.After(at) && a.CreatedAt.After(last) {
			last = a.CreatedAt
		}
	}
	return last, nil
}

// AnchorDue returns when the next scheduled anchor is due after last (the
// newest anchor's time, zero for none: the schedule then runs from the
// program's start), and false when the program has no schedule.
func AnchorDue(p evident.Program, last time.Time) (time.Time, bool) {
	if p.AnchorEvery.Amount <= 0 {
		return time.Time{}, false
	}
	from := last
	if from.IsZero() {
		from = p.CreatedAt
	}
	due, ok := p.AnchorEvery.AddTo(from)
	return due, ok
}

// anchorTasks lists the next scheduled anchor: due until its time, then
// overdue once the grace for retries has passed, so a TSA that has not
// answered for a day is work for someone, not a log line.
func anchorTasks(in Input) []Task {
	p := in.Model.Program
	due, ok := AnchorDue(p, in.LastAnchor)
	if !ok {
		return nil
	}
	state := "due"
	if in.At.After(due.Add(AnchorGrace)) {
		state = "overdue"
	}
	ref := evident.RequirementRef{Standard: p.Standard, Version: p.Version, ID: "REQ-7.10-02"}
	return []Task{{Kind: TaskAnchor, Title: "Time-stamp the ledger's latest checkpoint (every " + p.AnchorEvery.String() + ")",
		State: state, Due: due, Source: "ledger/anchors", Requirements: []string{ref.String()}}}
}
