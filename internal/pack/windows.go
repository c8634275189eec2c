package pack

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Problem kinds of claims the leaves do not support.
const (
	WindowClaim = "window claim" // a window differs from the one recomputed from the leaves
	IndexClaim  = "index claim"  // index.json says what the manifest or a leaf does not
)

// factsOf keeps what a control's windows are computed from besides its
// evidence: the rest of the schedule, its exceptions and changes.
func factsOf(s evident.Schedule, h evident.History, acceptances int) *ScheduleFacts {
	f := &ScheduleFacts{Anchor: s.Anchor.UTC(), Method: s.Method, TTL: s.TTL, Systems: s.Systems, Hosts: s.Hosts,
		Exceptions: h.Exceptions, Changes: h.Changes}
	if s.Review != nil {
		f.Acceptances = acceptances
	}
	return f
}

// MaxPeriod bounds the period whose windows Verify recomputes: a hostile
// manifest's period of ten thousand years of daily windows would cost
// memory without end. A century is more than any assessment needs.
const MaxPeriod = 100 * 8766 * time.Hour

// scheduleKinds are the records the windows are computed from beside the
// evidence: the program (controls, their cadence, method and scope), the
// exceptions and the changes. A pack carries all of them.
var scheduleKinds = []string{"program.create", "program.apply", "exception.add", "change.add"}

// scheduleLeaves adds every leaf of scheduleKinds the final tree holds,
// and the approval acts about exceptions: an exception excuses windows
// only once an approver's act binds it, so the verifier needs those acts
// to recompute an excepted window.
func (e *exporter) scheduleLeaves(ctx context.Context, tx *sqlstore.Tx, pr *prover) error {
	leaves, err := tx.LeavesOfKinds(ctx, scheduleKinds, pr.final.Size)
	if err != nil {
		return err
	}
	acts, err := tx.LeavesOfKinds(ctx, []string{evident.ActRecordKind}, pr.final.Size)
	if err != nil {
		return err
	}
	for _, lf := range acts {
		rec, err := evident.ParseRecord(lf.Data)
		if err != nil {
			return err
		}
		if a, err := evident.ActFromRecord(rec); err == nil && exceptionApproval(a) {
			leaves = append(leaves, lf)
		}
	}
	for _, lf := range leaves {
		if err := e.addLeaf(pr, lf, false); err != nil {
			return err
		}
	}
	return nil
}

// exceptionApproval reports whether a is an approver's decision about an
// exception, the one kind of act the windows depend on beside reviews.
func exceptionApproval(a evident.Act) bool {
	k, err := evident.ApprovalKindOf(a.Subject)
	return err == nil && k == evident.ApproveException && (a.Verb == evident.ActApprove || a.Verb == evident.ActReject)
}

// scheduleRecords are the schedule leaves a verifier found in the pack.
type scheduleRecords struct {
	program    []evident.Record
	exceptions []evident.Exception
	changes    []evident.Change
	// approvals are the approvers' acts about exceptions, in ledger
	// order: only an exception an act approves as it is excuses windows.
	approvals evident.Approvals
}

// noteSchedule keeps a program, exception or change leaf.
func (v *verifier) noteSchedule(rec evident.Record, index int64) {
	switch rec.Kind {
	case "program.create", "program.apply":
		v.sched.program = append(v.sched.program, rec)
	case evident.ActRecordKind:
		a, err := evident.ActFromRecord(rec)
		if err != nil {
			v.add(ChangedLeaf, LeafPath(index), "act record: %v", err)
			return
		}
		if exceptionApproval(a) {
			if v.sched.approvals == nil {
				v.sched.approvals = evident.Approvals{}
			}
			v.sched.approvals[a.Subject] = append(v.sched.approvals[a.Subject], a)
		}
	case "exception.add":
		var x evident.Exception
		if err := json.Unmarshal(rec.Body, &x); err != nil {
			v.add(ChangedLeaf, LeafPath(index), "exception record: %v", err)
			return
		}
		v.sched.exceptions = append(v.sched.exceptions, x)
	case "change.add":
		var c struct {
			Change evident.Change `json:"change"`
		}
		if err := json.Unmarshal(rec.Body, &c); err != nil {
			v.add(ChangedLeaf, LeafPath(index), "change record: %v", err)
			return
		}
		v.sched.changes = append(v.sched.changes, c.Change)
	}
}

// windowOf is how a window of the one schedule computation goes into the
// manifest.
func windowOf(p evident.Period) Window {
	return Window{Start: p.Start, End: p.End, State: p.State, Evidence: p.Evidence, Exception: p.Exception,
		Change: p.Change, Review: p.Review, Have: p.Have, Want: p.Want, Late: p.Late, Unjudged: p.Unjudged}
}

// windowsSpan is the span of every window of every control in the pack,
// which may begin before the period and end after it: evidence effective
// in it goes in, so each window can be recomputed from the pack alone.
func (e *exporter) windowsSpan() (from, to time.Time) {
	from, to = e.opt.From, e.opt.To
	for _, c := range e.man.Coverage {
		for _, w := range c.Windows {
			if w.Start.Before(from) {
				from = w.Start
			}
			if w.End.After(to) {
				to = w.End
			}
		}
	}
	return from, to
}

// windows recomputes every control's windows with the product's one
// schedule computation (readiness.ScheduleIn, evident.Schedule.Evaluate),
// from leaves only: the control's schedule from the program leaves, its
// exceptions and changes from theirs, its evidence and the review acts
// about it. It reports each part of the schedule the manifest states
// otherwise, and each window whose state, counted evidence, n of m,
// lateness, unjudged files, exception or change the leaves do not bear
// out.
func (v *verifier) windows() {
	m := v.man
	if m.Period.To.Sub(m.Period.From) > MaxPeriod || m.Period.To.Before(m.Period.From) {
		v.add(WindowClaim, ManifestName, "period %s to %s is not one of at most %d years: its windows are not recomputed",
			evident.UTC(m.Period.From), evident.UTC(m.Period.To), MaxPeriod/(8766*time.Hour))
		return
	}
	var recs []evident.Record
	for _, r := range v.sched.program {
		if !r.At.After(m.CreatedAt) {
			recs = append(recs, r)
		}
	}
	if len(recs) == 0 {
		v.add(WindowClaim, ManifestName, "the pack carries no program leaves (program.create, program.apply) to recompute the windows from")
		return
	}
	model, err := readiness.ReplayModel(recs)
	if err != nil {
		v.add(WindowClaim, ManifestName, "the program leaves do not replay: %v", err)
		return
	}
	current := evident.CurrentPolicy(model)
	// Each control's evidence in id order and the review acts by subject,
	// gathered once: per control, a sort of every leaf and a walk of
	// every act for each of its records were a fifth of a 100 000-item
	// pack's verify.
	byControl := map[string][]string{}
	for _, id := range slices.Sorted(mapsKeys(v.leaves)) {
		for _, c := range v.leaves[id].controls {
			if ids := byControl[c]; len(ids) == 0 || ids[len(ids)-1] != id {
				byControl[c] = append(ids, id)
			}
		}
	}
	actsOn := map[string][]evident.Act{}
	for _, a := range v.review.acts {
		actsOn[a.Subject] = append(actsOn[a.Subject], a)
	}
	for _, c := range m.Coverage {
		if c.Schedule == nil {
			v.add(WindowClaim, ManifestName, "control %s: no schedule to recompute its windows from", c.Control)
			continue
		}
		ctl := model.ControlByID(c.Control)
		if ctl == nil {
			v.add(WindowClaim, ManifestName, "control %s is not a control of the program its leaves give", c.Control)
			continue
		}
		if c.Schedule.Anchor.After(model.Program.CreatedAt) {
			v.add(WindowClaim, ManifestName, "control %s: in force from %s, after the program was created (%s)", c.Control,
				evident.UTC(c.Schedule.Anchor), evident.UTC(model.Program.CreatedAt))
		}
		s := readiness.ScheduleIn(model, *ctl, c.Schedule.Anchor)
		v.sameSchedule(c, s, ctl.AcceptancesNeeded())
		h := evident.History{Changes: readiness.ChangesFor(v.sched.changes, *ctl)}
		for _, x := range v.sched.exceptions {
			if _, approved := x.Approval(v.sched.approvals); x.Control == c.Control && approved {
				h.Exceptions = append(h.Exceptions, x)
			}
		}
		v.sameIDs(c.Control, "exceptions", ids(c.Schedule.Exceptions, func(x evident.Exception) string { return x.ID }),
			ids(h.Exceptions, func(x evident.Exception) string { return x.ID }))
		v.sameIDs(c.Control, "changes", ids(c.Schedule.Changes, func(x evident.Change) string { return x.ID }),
			ids(h.Changes, func(x evident.Change) string { return x.ID }))
		for _, id := range byControl[c.Control] {
			f := v.leaves[id]
			o := evident.OccurrenceOf(f.ev)
			if s.Review != nil {
				var mine []evident.Act
				for _, a := range actsOn["evidence/"+id] {
					if b, err := a.Binding(); err == nil && b.Control == c.Control {
						mine = append(mine, a)
					}
				}
				o.Review, o.AcceptedFor = evident.Outcome(mine, ctl.AcceptancesNeeded())
				if o.Review == evident.ReviewAccepted && ctl.Method.Kind == evident.MethodDocumentReview {
					// As the store judges it: a review of a policy version
					// no longer current speaks for nothing.
					o.Review = evident.DocumentReviewState(f.ev.Detail, current)
				}
			}
			h.Occurrences = append(h.Occurrences, o)
		}
		got := s.Evaluate(h, m.Period.From, m.Period.To, m.CreatedAt)
		if len(got) != len(c.Windows) {
			v.add(WindowClaim, ManifestName, "control %s: the manifest lists %d windows, the leaves give %d", c.Control, len(c.Windows), len(got))
			continue
		}
		var ps []evident.Period
		var ws []Window
		for i, p := range got {
			ps = append(ps, p)
			ws = append(ws, windowOf(p))
			v.sameWindow(ManifestName, c.Control, c.Windows[i], ws[i])
		}
		v.recomputed[c.Control] = ws
		cov := evident.Cover(ps, m.Period.From, m.Period.To)
		if cov.Found != c.Found || cov.Expected != c.Expected {
			v.add(WindowClaim, ManifestName, "control %s: claims %d of %d windows found, the leaves give %d of %d", c.Control, c.Found, c.Expected, cov.Found, cov.Expected)
		}
	}
}

// sameSchedule reports each part of a control's schedule the manifest
// states differently from the program leaves.
func (v *verifier) sameSchedule(c Coverage, s evident.Schedule, acceptances int) {
	f := c.Schedule
	diff := func(field string, claim, want any) {
		v.add(WindowClaim, ManifestName, "control %s: %s is %s, the program leaves give %s", c.Control, field, jsonText(claim), jsonText(want))
	}
	if c.Cadence != s.Cadence.String() {
		diff("cadence", c.Cadence, s.Cadence.String())
	}
	if c.Needs != max(s.Needs, 1) {
		diff("needs", c.Needs, max(s.Needs, 1))
	}
	if f.Method != s.Method {
		diff("method", f.Method, s.Method)
	}
	if f.TTL != s.TTL {
		diff("ttl", f.TTL, s.TTL)
	}
	if !slices.Equal(f.Systems, s.Systems) {
		diff("systems", f.Systems, s.Systems)
	}
	if jsonText(f.Hosts) != jsonText(s.Hosts) {
		diff("hosts", f.Hosts, s.Hosts)
	}
	if c.Reviewed != (s.Review != nil) {
		diff("reviewed", c.Reviewed, s.Review != nil)
	}
	if s.Review != nil && f.Acceptances != acceptances {
		diff("acceptances", f.Acceptances, acceptances)
	}
}

func (v *verifier) sameIDs(control, field string, claim, want []string) {
	if !slices.Equal(claim, want) {
		v.add(WindowClaim, ManifestName, "control %s: %s are %s, the leaves give %s", control, field, jsonText(claim), jsonText(want))
	}
}

func ids[T any](xs []T, id func(T) string) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	slices.Sort(out)
	return out
}

// sameWindow reports each field of a claimed window that differs from
// the recomputed one, naming the control, the window and the field.
func (v *verifier) sameWindow(file, control string, claim, want Window) {
	name := fmt.Sprintf("control %s, window %s to %s", control, evident.UTC(want.Start), evident.UTC(want.End))
	diff := func(field string, a, b any) {
		v.add(WindowClaim, file, "%s: %s is %s, the leaves give %s", name, field, jsonText(a), jsonText(b))
	}
	if !claim.Start.Equal(want.Start) || !claim.End.Equal(want.End) {
		diff("the span", [2]time.Time{claim.Start, claim.End}, [2]time.Time{want.Start, want.End})
		return
	}
	if claim.State != want.State {
		diff("state", claim.State, want.State)
	}
	if !slices.Equal(claim.Evidence, want.Evidence) {
		diff("evidence", claim.Evidence, want.Evidence)
	}
	if claim.Have != want.Have || claim.Want != want.Want {
		diff("have/want", [2]int{claim.Have, claim.Want}, [2]int{want.Have, want.Want})
	}
	if !slices.Equal(claim.Late, want.Late) {
		diff("late", claim.Late, want.Late)
	}
	if !slices.Equal(claim.Unjudged, want.Unjudged) {
		diff("unjudged", claim.Unjudged, want.Unjudged)
	}
	if claim.Exception != want.Exception {
		diff("exception", claim.Exception, want.Exception)
	}
	if claim.Change != want.Change {
		diff("change", claim.Change, want.Change)
	}
}

func jsonText(x any) string {
	b, err := json.Marshal(x)
	if err != nil {
		return fmt.Sprint(x)
	}
	return string(b)
}

// index compares index.json with the manifest and the leaves: each
// control's windows with the recomputed ones (which the manifest's
// already matched), and each evidence reference, field by field, with its
// item and leaf. The signature covers index.json's hash, but a claim the
// leaves do not support must fail even when it was signed.
func (v *verifier) index() {
	var ix Index
	if !v.decode(IndexJSON, v.opt.Limits.MaxMeta, &ix, false, IndexClaim, "index", nil) {
		return
	}
	cov := map[string]Coverage{}
	for _, c := range v.man.Coverage {
		cov[c.Control] = c
	}
	items := map[int64]Item{}
	for _, it := range v.man.Items {
		items[it.Index] = it
	}
	seen := map[string]bool{}
	var sum Summary
	for _, row := range ix.Controls {
		c, ok := cov[row.ID]
		if !ok || seen[row.ID] {
			v.add(IndexClaim, IndexJSON, "control %s is not a control of the manifest's coverage, or is listed twice", row.ID)
			continue
		}
		seen[row.ID] = true
		if row.Cadence != c.Cadence {
			v.add(IndexClaim, IndexJSON, "control %s: cadence is %q, the manifest says %q", row.ID, row.Cadence, c.Cadence)
		}
		// Against the windows recomputed from the leaves, when they could
		// be: the manifest's may be wrong too.
		ws, ok := v.recomputed[row.ID]
		if !ok {
			ws = c.Windows
		}
		v.sameCoverage(row, ws)
		for _, w := range ws {
			sum.Windows++
			switch w.State {
			case evident.PeriodSatisfied:
				sum.Satisfied++
			case evident.PeriodMissed, evident.PeriodOverdue, evident.PeriodFailing:
				sum.GapWindows++
			}
		}
		if len(row.Windows) != len(ws) {
			v.add(WindowClaim, IndexJSON, "control %s: %d windows, the leaves give %d", row.ID, len(row.Windows), len(ws))
		} else {
			for i, w := range row.Windows {
				v.sameWindow(IndexJSON, row.ID, w, ws[i])
			}
		}
		want := 0
		for _, it := range v.man.Items {
			if it.Kind == evident.EvidenceRecordKind && !it.Redacted && slices.Contains(it.Controls, row.ID) {
				want++
			}
		}
		if len(row.Evidence) != want {
			v.add(IndexClaim, IndexJSON, "control %s lists %d evidence items, the pack has %d filed under it", row.ID, len(row.Evidence), want)
		}
		for _, ref := range row.Evidence {
			it, ok := items[ref.Index]
			if !ok || it.Redacted || it.Kind != evident.EvidenceRecordKind {
				v.add(IndexClaim, IndexJSON, "control %s lists evidence %s at leaf %d, which is not an evidence item of the pack", row.ID, ref.ID, ref.Index)
				continue
			}
			if f := refDiff(ref, it); f != "" {
				v.add(IndexClaim, IndexJSON, "control %s, evidence %s (leaf %d): %s differs from its leaf", row.ID, ref.ID, ref.Index, f)
			} else if !slices.Contains(it.Controls, row.ID) {
				v.add(IndexClaim, IndexJSON, "control %s lists evidence %s, whose leaf is not filed under it", row.ID, ref.ID)
			}
		}
	}
	for _, c := range v.man.Coverage {
		if !seen[c.Control] {
			v.add(IndexClaim, IndexJSON, "control %s of the manifest's coverage is not in the index", c.Control)
		}
	}
	for _, it := range v.man.Items {
		switch {
		case it.Redacted:
		case it.Kind == evident.EvidenceRecordKind:
			sum.Evidence++
		default:
			sum.Records++
		}
	}
	got := ix.Summary
	for _, f := range []struct {
		name      string
		claim, is int
	}{{"evidence", got.Evidence, sum.Evidence}, {"records", got.Records, sum.Records}, {"windows", got.Windows, sum.Windows},
		{"satisfied", got.Satisfied, sum.Satisfied}, {"gap_windows", got.GapWindows, sum.GapWindows}, {"controls", got.Controls, len(v.man.Coverage)}} {
		if f.claim != f.is {
			v.add(IndexClaim, IndexJSON, "summary: %s is %d, the pack gives %d", f.name, f.claim, f.is)
		}
	}
}

// sameCoverage checks a control row's coverage figures against its
// windows as the leaves give them, with the one coverage function.
func (v *verifier) sameCoverage(row ControlRow, ws []Window) {
	var ps []evident.Period
	for _, w := range ws {
		ps = append(ps, evident.Period{Window: evident.Window{Start: w.Start, End: w.End}, State: w.State})
	}
	want := evident.Cover(ps, v.man.Period.From, v.man.Period.To)
	got := row.Coverage
	if got.Expected != want.Expected || got.Found != want.Found || got.Excepted != want.Excepted || got.Failing != want.Failing ||
		got.Open != want.Open || len(got.Gaps) != len(want.Gaps) {
		v.add(IndexClaim, IndexJSON, "control %s: coverage (expected %d, found %d, excepted %d, failing %d, open %d, %d gaps) is not what its windows give (%d, %d, %d, %d, %d, %d gaps)",
			row.ID, got.Expected, got.Found, got.Excepted, got.Failing, got.Open, len(got.Gaps),
			want.Expected, want.Found, want.Excepted, want.Failing, want.Open, len(want.Gaps))
	}
}

// refDiff names the first field of an index evidence reference that
// differs from its item (which itemDiff matched with the leaf).
func refDiff(r EvidenceRef, it Item) string {
	switch {
	case r.ID != it.ID:
		return "id"
	case r.Path != it.Path:
		return "path"
	case r.SHA256 != it.SHA256:
		return "sha256"
	case r.Filename != it.Filename:
		return "filename"
	case r.Effective != it.Effective:
		return "effective"
	case !r.Received.Equal(it.Received):
		return "received"
	case r.Actor != it.Actor:
		return "actor"
	case r.Verdict != it.Verdict:
		return "verdict"
	}
	return ""
}
