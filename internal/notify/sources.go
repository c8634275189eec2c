package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Sources returns the built-in sources over st: incident clocks, tasks
// and failing verdicts, significant changes, and approvals waiting for
// the management body.
func Sources(st *sqlstore.Store) []Source {
	return []Source{Clocks{Store: st}, Tasks{Store: st}, Changes{Store: st}, Approvals{Store: st}}
}

// Clocks yields a regulatory clock's half time, its last two hours and its
// miss. Only the latest stage reached is yielded, so a notifier started
// after a clock ran out sends "missed", not three messages at once.
type Clocks struct{ Store *sqlstore.Store }

// twoHours is how long before a deadline the last warning goes out.
const twoHours = 2 * time.Hour

// Events implements Source.
func (s Clocks) Events(ctx context.Context, now time.Time) ([]Event, error) {
	incs, err := s.Store.IncidentClocks(ctx, now)
	if err != nil {
		return nil, err
	}
	var out []Event
	for _, ic := range incs {
		for _, c := range ic.Clocks {
			if ev, ok := clockEvent(ic.Incident, c, now); ok {
				out = append(out, ev)
			}
		}
	}
	return out, nil
}

// ClockStage returns the notification stage a clock has reached at now
// ("half", "2h", "missed") and the instant it was reached, or false for a
// clock met or not yet at half time.
func ClockStage(c evident.Clock, now time.Time) (string, time.Time, bool) {
	half := c.Start.Add(c.Due.Sub(c.Start) / 2)
	warn := c.Due.Add(-twoHours)
	switch {
	case c.State == evident.ClockMissed:
		return "missed", c.Due, true
	case c.State != evident.ClockRunning:
		return "", time.Time{}, false
	case !now.Before(warn) && warn.After(c.Start):
		return "2h", warn, true
	case !now.Before(half):
		return "half", half, true
	}
	return "", time.Time{}, false
}

func clockEvent(inc evident.Incident, c evident.Clock, now time.Time) (Event, bool) {
	stage, at, ok := ClockStage(c, now)
	if !ok {
		return Event{}, false
	}
	kind := map[string]string{"half": KindClockHalf, "2h": KindClock2h, "missed": KindClockMissed}[stage]
	what := map[string]string{
		"half":   "half its time is gone",
		"2h":     "2 hours left",
		"missed": "deadline missed",
	}[stage]
	var b strings.Builder
	fmt.Fprintf(&b, "Incident %s: %s\n\n", inc.ID, inc.Title)
	fmt.Fprintf(&b, "Clock:   %s\n", c.Title)
	fmt.Fprintf(&b, "Started: %s\n", evident.UTC(c.Start))
	fmt.Fprintf(&b, "Due:     %s\n", evident.UTC(c.Due))
	if len(c.Basis) > 0 {
		fmt.Fprintf(&b, "Basis:   %s\n", strings.Join(c.Basis, ", "))
	}
	if c.Provisional {
		b.WriteString("\nThe incident is not classified yet: this clock runs until a classification says it need not.\n")
	}
	return Event{
		Key:     "clock:" + inc.ID + ":" + string(c.Name) + ":" + stage,
		Kind:    kind,
		At:      at,
		Subject: fmt.Sprintf("[%s] %s: %s", inc.ID, c.Title, what),
		Body:    b.String(),
	}, true
}

// Tasks yields tasks due within a day, overdue tasks, and failing
// verdicts (a control window whose latest verdict failed), from the same
// readiness.Tasks the task list shows. Incident clocks come from Clocks.
type Tasks struct {
	Store *sqlstore.Store
	// Lookback bounds the periods evaluated; default 90 days, as the
	// scheduler's.
	Lookback time.Duration
}

// Events implements Source.
func (s Tasks) Events(ctx context.Context, now time.Time) ([]Event, error) {
	lb := s.Lookback
	if lb <= 0 {
		lb = 90 * 24 * time.Hour
	}
	in, err := readiness.Load(ctx, s.Store, nil, now, now.Add(-lb))
	if err != nil {
		return nil, err
	}
	var out []Event
	for _, t := range readiness.Tasks(in, now.Add(24*time.Hour)) {
		var kind, what string
		switch {
		case t.Kind == readiness.TaskIncident:
			continue
		case t.State == string(evident.PeriodFailing):
			kind, what = KindVerdictFailing, "failing"
		case t.State == string(evident.PeriodOverdue):
			kind, what = KindTaskOverdue, "overdue"
		case t.State == string(evident.PeriodDue):
			kind, what = KindTaskDue, "due"
		default:
			continue
		}
		out = append(out, taskEvent(t, kind, what))
	}
	return out, nil
}

func taskEvent(t readiness.Task, kind, what string) Event {
	// A task has no id of its own: its kind, object, title and due time
	// name it, hashed to keep the key short.
	h := sha256.Sum256([]byte(t.Kind + "\x00" + t.Control + "\x00" + t.Source + "\x00" + t.Title + "\x00" + evident.UTC(t.Due)))
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nState: %s\nDue:   %s\n", t.Title, t.State, evident.UTC(t.Due))
	if t.Owner != "" {
		fmt.Fprintf(&b, "Owner: %s\n", t.Owner)
	}
	if len(t.Requirements) > 0 {
		fmt.Fprintf(&b, "Requirements: %s\n", strings.Join(t.Requirements, ", "))
	}
	return Event{
		Key:     "task:" + kind + ":" + hex.EncodeToString(h[:12]),
		Kind:    kind,
		At:      t.Due,
		Subject: fmt.Sprintf("%s %s: %s", strings.ToUpper(what[:1])+what[1:], t.Kind, t.Title),
		Body:    b.String(),
	}
}

// Changes yields each significant change recorded in the last Window, so
// enabling notifications on an old program does not announce its history.
type Changes struct {
	Store *sqlstore.Store
	// Window is how far back changes are announced; default 7 days.
	Window time.Duration
}

// Events implements Source.
func (s Changes) Events(ctx context.Context, now time.Time) ([]Event, error) {
	w := s.Window
	if w <= 0 {
		w = 7 * 24 * time.Hour
	}
	cs, err := s.Store.Changes(ctx)
	if err != nil {
		return nil, err
	}
	var out []Event
	for _, c := range cs {
		if !c.Significant || c.RecordedAt.Before(now.Add(-w)) || c.RecordedAt.After(now) {
			continue
		}
		out = append(out, Event{
			Key:     "change:" + c.ID,
			Kind:    KindSignificantChange,
			At:      c.At,
			Subject: fmt.Sprintf("Significant change to %s: %s", c.Subject(), c.Summary),
			Body: fmt.Sprintf("%s\n\nWhat:     %s\nEffective: %s\nRecorded by %s at %s\n\nEvidence collected before it is stale for the controls scoped to it.\n",
				c.Summary, c.Subject(), evident.UTC(c.At), c.Actor, evident.UTC(c.RecordedAt)),
		})
	}
	return out, nil
}

// Approvals yields one "approval requested" event per object waiting for
// the management body: a policy version, acceptance, exception, deviation,
// treatment plan or statement of applicability whose current digest no
// act decides. The key carries the digest, so an object edited after a
// request is a new request, as it needs a new approval.
type Approvals struct{ Store *sqlstore.Store }

// Events implements Source.
func (s Approvals) Events(ctx context.Context, now time.Time) ([]Event, error) {
	items, err := s.Store.PendingApprovals(ctx, now)
	if err != nil || len(items) == 0 {
		return nil, err
	}
	users, err := s.Store.Users(ctx, "", 1<<20)
	if err != nil {
		return nil, err
	}
	var approvers []string
	for _, u := range users {
		if evident.MayApprove(u) == nil {
			approvers = append(approvers, u.Name)
		}
	}
	if len(approvers) == 0 {
		return nil, nil
	}
	out := make([]Event, 0, len(items))
	for _, it := range items {
		out = append(out, Event{
			Key:     "approval:" + it.Subject + "@" + it.SHA256.String(),
			Kind:    KindApprovalRequested,
			At:      now,
			Subject: "Approval requested: " + it.Title,
			Body: fmt.Sprintf("%s waits for the management body's decision.\n\nSubject: %s\nSHA-256: %s\n\nApprove or reject it on the Approvals page, or with `evident approve %s`.\n",
				it.Title, it.Subject, it.SHA256, it.Subject),
			To: approvers,
		})
	}
	return out, nil
}
