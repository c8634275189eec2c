package pack

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/evidenthq/evident"
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

// schedule rebuilds a control's schedule from the manifest: cadence and
// needs as the coverage states them, the rest from its schedule facts.
func (c Coverage) schedule() (evident.Schedule, error) {
	cad, err := evident.ParseCadence(c.Cadence)
	if err != nil {
		return evident.Schedule{}, err
	}
	f := c.Schedule
	s := evident.Schedule{Cadence: cad, Anchor: f.Anchor, TTL: f.TTL, Needs: c.Needs, Method: f.Method, Systems: f.Systems, Hosts: f.Hosts}
	if c.Reviewed {
		s.Review = &evident.ReviewScope{Systems: f.Systems}
	}
	return s, nil
}

// windows recomputes every control's windows with the product's one
// schedule computation (evident.Schedule.Evaluate), from the evidence
// leaves in the pack and the review acts among them, and reports each
// window whose state, counted evidence, n of m, lateness, unjudged files,
// exception or change the leaves do not bear out.
func (v *verifier) windows() {
	m := v.man
	for _, c := range m.Coverage {
		if c.Schedule == nil {
			v.add(WindowClaim, ManifestName, "control %s: no schedule to recompute its windows from", c.Control)
			continue
		}
		s, err := c.schedule()
		if err != nil {
			v.add(WindowClaim, ManifestName, "control %s: %s", c.Control, evident.ErrorMessage(err))
			continue
		}
		h := evident.History{Exceptions: c.Schedule.Exceptions, Changes: c.Schedule.Changes}
		for _, id := range slices.Sorted(mapsKeys(v.leaves)) {
			f := v.leaves[id]
			if !slices.Contains(f.controls, c.Control) {
				continue
			}
			o := evident.OccurrenceOf(f.ev)
			if c.Reviewed {
				var mine []evident.Act
				for _, a := range v.review.acts {
					if b, err := a.Binding(); err == nil && a.Subject == "evidence/"+id && b.Control == c.Control {
						mine = append(mine, a)
					}
				}
				o.Review, o.AcceptedFor = evident.Outcome(mine, c.Schedule.Acceptances)
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
	raw := v.read(IndexJSON, v.opt.Limits.MaxMeta)
	if raw == nil {
		return
	}
	var ix Index
	if err := json.Unmarshal(raw, &ix); err != nil {
		v.add(IndexClaim, IndexJSON, "not a readable index: %v", err)
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
