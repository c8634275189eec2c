package pack

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// editIndex applies fn to index.json.
func editIndex(t *testing.T, files map[string][]byte, fn func(ix *Index)) {
	t.Helper()
	var ix Index
	if err := json.Unmarshal(files[IndexJSON], &ix); err != nil {
		t.Fatal(err)
	}
	fn(&ix)
	b, err := json.MarshalIndent(ix, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	files[IndexJSON] = append(b, '\n')
}

// windowIn finds a window of the given state and returns its control and
// position.
func windowIn(t *testing.T, m *Manifest, state evident.PeriodState) (int, int) {
	t.Helper()
	for i, c := range m.Coverage {
		for j, w := range c.Windows {
			if w.State == state {
				return i, j
			}
		}
	}
	t.Fatalf("the pack has no %s window; the test proves nothing", state)
	return 0, 0
}

// TestPackVerifyRecomputesClaims edits what a pack claims and signs it
// again with the ledger key, as an insider could: every edit the leaves
// do not support fails, naming the control and window or the item and
// field.
func TestPackVerifyRecomputesClaims(t *testing.T) {
	c := newChained(t, sqliteStore(t))
	good, man := c.q2, c.m2
	if r := verifyBytes(t, good); !r.OK {
		t.Fatalf("the untouched pack fails:\n%s", problems(r))
	}
	if len(man.Boundary) != 2 {
		t.Fatalf("the second-quarter pack has boundary leaves %+v, want one before and one after", man.Boundary)
	}
	var ev Item
	for _, it := range man.Items {
		if it.Path != "" && it.Index >= man.Records.First && it.Index < man.Records.End {
			ev = it
			break
		}
	}
	if ev.Path == "" {
		t.Fatal("the second-quarter pack has no evidence item in its range; the item edits prove nothing")
	}
	sign := func(edit func(m *Manifest, files map[string][]byte)) []byte {
		return resign(t, good, c.f.signer, edit)
	}
	cases := []struct {
		name       string
		pack       []byte
		kind, file string
		says       []string
	}{
		{"window state edited in index.json", sign(func(m *Manifest, files map[string][]byte) {
			i, j := windowIn(t, m, evident.PeriodMissed)
			editIndex(t, files, func(ix *Index) { ix.Controls[i].Windows[j].State = evident.PeriodSatisfied })
		}), WindowClaim, IndexJSON, []string{"state", `"satisfied"`, `"missed"`}},
		{"window state edited in the manifest", sign(func(m *Manifest, files map[string][]byte) {
			i, j := windowIn(t, m, evident.PeriodMissed)
			m.Coverage[i].Windows[j].State = evident.PeriodFailing
		}), WindowClaim, ManifestName, []string{"control time-sync, window 2026-04-10", "state", `"failing"`, `the leaves give "missed"`}},
		{"counted evidence dropped from a window", sign(func(m *Manifest, files map[string][]byte) {
			i, j := windowIn(t, m, evident.PeriodSatisfied)
			m.Coverage[i].Windows[j].Evidence = m.Coverage[i].Windows[j].Evidence[1:]
		}), WindowClaim, ManifestName, []string{"evidence"}},
		{"late evidence passed off as on time", sign(func(m *Manifest, files map[string][]byte) {
			for i, c := range m.Coverage {
				for j, w := range c.Windows {
					if len(w.Late) > 0 {
						m.Coverage[i].Windows[j].Late = nil
						return
					}
				}
			}
			t.Fatal("no window of the pack has late evidence; the test proves nothing")
		}), WindowClaim, ManifestName, []string{"late"}},
		{"raw file counted as a verdict", sign(func(m *Manifest, files map[string][]byte) {
			for i, c := range m.Coverage {
				for j, w := range c.Windows {
					if len(w.Unjudged) > 0 {
						m.Coverage[i].Windows[j].Evidence = append(m.Coverage[i].Windows[j].Evidence, w.Unjudged...)
						m.Coverage[i].Windows[j].Unjudged = nil
						return
					}
				}
			}
			t.Fatal("no window of the pack has unjudged files; the test proves nothing")
		}), WindowClaim, ManifestName, []string{"unjudged"}},
		{"found count edited", sign(func(m *Manifest, files map[string][]byte) {
			m.Coverage[0].Found++
		}), WindowClaim, ManifestName, []string{"control " + man.Coverage[0].Control, "found"}},
		{"cadence edited", sign(func(m *Manifest, files map[string][]byte) {
			i := slices.IndexFunc(m.Coverage, func(c Coverage) bool { return c.Control == "policy-review" })
			m.Coverage[i].Cadence = "quarterly"
		}), WindowClaim, ManifestName, []string{"control policy-review", "cadence", `"quarterly"`, `"monthly"`}},
		{"program leaf removed", sign(func(m *Manifest, files map[string][]byte) {
			m.Items = slices.DeleteFunc(m.Items, func(it Item) bool {
				if it.Kind == "program.apply" {
					files[LeafPath(it.Index)], files[ProofPath(it.Index)] = nil, nil
					return true
				}
				return false
			})
		}), WindowClaim, ManifestName, []string{"control policy-review is not a control of the program"}},
		{"index item field edited", sign(func(m *Manifest, files map[string][]byte) {
			editIndex(t, files, func(ix *Index) {
				for i, row := range ix.Controls {
					if len(row.Evidence) > 0 {
						ix.Controls[i].Evidence[0].Actor = "mallory"
						return
					}
				}
			})
		}), IndexClaim, IndexJSON, []string{"actor"}},
		{"index summary edited", sign(func(m *Manifest, files map[string][]byte) {
			editIndex(t, files, func(ix *Index) { ix.Summary.Satisfied++ })
		}), IndexClaim, IndexJSON, []string{"summary: satisfied"}},
		{"index coverage edited", sign(func(m *Manifest, files map[string][]byte) {
			editIndex(t, files, func(ix *Index) {
				i := slices.IndexFunc(ix.Controls, func(c ControlRow) bool { return c.ID == "time-sync" })
				ix.Controls[i].Coverage.Gaps = nil
			})
		}), IndexClaim, IndexJSON, []string{"control time-sync: coverage"}},
		{"manifest item field edited", sign(func(m *Manifest, files map[string][]byte) {
			i := slices.IndexFunc(m.Items, func(it Item) bool { return it.Index == ev.Index })
			m.Items[i].Filename = "other.txt"
		}), EditedManifest, ManifestName, []string{"filename"}},
		{"supersedes edited", sign(func(m *Manifest, files map[string][]byte) {
			i := slices.IndexFunc(m.Items, func(it Item) bool { return it.Index == ev.Index })
			m.Items[i].Supersedes = "ev-older"
		}), EditedManifest, ManifestName, []string{"supersedes"}},
		{"boundary leaf removed", sign(func(m *Manifest, files map[string][]byte) {
			b := m.Boundary[0]
			m.Boundary = m.Boundary[1:]
			if !slices.ContainsFunc(m.Items, func(it Item) bool { return it.Index == b.Index }) {
				files[LeafPath(b.Index)], files[ProofPath(b.Index)] = nil, nil
			}
		}), BoundaryLeaf, LeafPath(man.Boundary[0].Index), []string{"not in the pack"}},
		{"first leaf of the period left out at the edge", sign(func(m *Manifest, files map[string][]byte) {
			first := m.Items[slices.IndexFunc(m.Items, func(it Item) bool { return it.Index == m.Records.First })]
			m.Items = slices.DeleteFunc(m.Items, func(it Item) bool { return it.Index == first.Index })
			m.Records.First++
			files[LeafPath(m.Boundary[0].Index)], files[ProofPath(m.Boundary[0].Index)] = nil, nil
			m.Boundary[0] = Boundary{Side: BoundaryBefore, Index: first.Index, LeafHash: first.LeafHash, Received: first.Received}
		}), BoundaryLeaf, LeafPath(man.Records.First), []string{"inside the period"}},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			wantProblemSays(t, verifyBytes(t, k.pack), k.kind, k.file, k.says...)
		})
	}
}

// downgrade rewrites a v2 pack into the v1 layout (no boundary, link or
// schedule; windows without n of m, late and unjudged) signed with the
// same key: a pack as version 1 wrote it.
func downgrade(t *testing.T, b []byte, c *chained) []byte {
	return resign(t, b, c.f.signer, func(m *Manifest, files map[string][]byte) {
		m.Format = FormatV1
		for _, bd := range m.Boundary {
			if !slices.ContainsFunc(m.Items, func(it Item) bool { return it.Index == bd.Index }) {
				files[LeafPath(bd.Index)], files[ProofPath(bd.Index)] = nil, nil
			}
		}
		if m.Previous != nil && m.Previous.Path != "" {
			files[m.Previous.Path] = nil
		}
		m.Boundary, m.Previous = nil, nil
		for i := range m.Coverage {
			m.Coverage[i].Schedule = nil
			for j := range m.Coverage[i].Windows {
				w := &m.Coverage[i].Windows[j]
				w.Have, w.Want, w.Late, w.Unjudged = 0, 0, nil, nil
			}
		}
	})
}

// TestVersion1PackIsAcceptedAsPrevious: an assessor who kept a pack of
// the first format checks this year's pack against it.
func TestVersion1PackIsAcceptedAsPrevious(t *testing.T) {
	c := newChained(t, sqliteStore(t))
	v1 := downgrade(t, c.q1, c)
	r := verifyBytes(t, v1)
	if !r.OK || r.Format != FormatV1 {
		t.Fatalf("the version 1 pack does not verify as version 1 (%s):\n%s", r.Format, problems(r))
	}
	h := headOf(t, v1)
	if h.Format != FormatV1 || h.Size != c.m1.Final.Size {
		t.Fatalf("head of the version 1 pack: %+v", h)
	}
	if r := verifyAfter(t, c.q2, h); !r.OK {
		t.Fatalf("the v2 pack does not verify after the v1 one:\n%s", problems(r))
	}
	// The frozen pack of version 1 gives its head too; it is another
	// ledger's, so this pack is not judged against it.
	frozen, err := os.ReadFile(filepath.Join("testdata", "2026-q1.zip"))
	if err != nil {
		t.Fatal(err)
	}
	fh := headOf(t, frozen)
	if fh.Format != FormatV1 || fh.Size == 0 {
		t.Fatalf("head of the frozen pack: %+v", fh)
	}
	wantProblem(t, verifyAfter(t, c.q2, fh), UntrustedKey, KeyName)
}

// TestPackWindowsFollowExceptionAndChangeLeaves: an exception excuses the
// missed April days and a significant change to the time server lands in
// May; the pack carries their leaves and verifies. A pack that drops the
// exception and calls the days missed fails, though signed: the
// exception's leaf says otherwise.
func TestPackWindowsFollowExceptionAndChangeLeaves(t *testing.T) {
	ctx := t.Context()
	f := newFixtureUntil(t, sqliteStore(t), jul2026)
	f.clock.Set(time.Date(2026, 7, 2, 9, 0, 0, 0, time.UTC))
	x, err := f.st.AddException(ctx, evident.Exception{Control: "time-sync", Reason: "time server replaced", Approver: "alice",
		ApprovedAt: time.Date(2026, 4, 9, 0, 0, 0, 0, time.UTC), From: time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC),
		Expires: time.Date(2026, 4, 13, 0, 0, 0, 0, time.UTC), Actor: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	ch, _, err := f.st.AddChange(ctx, evident.Change{System: "tsa-01", Version: "2", Significant: true, Summary: "new time source",
		At: time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC), Actor: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Set(time.Date(2026, 7, 3, 9, 0, 0, 0, time.UTC))
	// Until an approver's act binds it, the exception excuses nothing, in
	// the store and in the pack's recomputation alike.
	unapproved, man := exportPeriod(t, f, apr2026, jul2026, nil)
	if r := verifyBytes(t, unapproved); !r.OK {
		t.Fatalf("the pack with an unapproved exception does not verify:\n%s", problems(r))
	}
	for _, c := range man.Coverage {
		for _, w := range c.Windows {
			if w.Exception != "" || w.State == evident.PeriodExcepted {
				t.Fatalf("%s: window %s excepted by an exception no approver approved", c.Control, w.Start)
			}
		}
	}
	if err := f.st.CreateUser(ctx, evident.User{Name: "mira", Role: evident.RoleApprover}, "", "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.led.Approve(ctx, sqlstore.ApprovalInput{Subject: evident.SubjectOf(evident.ApproveException, x.ID), Verb: evident.ActApprove, Approver: "mira"}); err != nil {
		t.Fatal(err)
	}
	good, man := exportPeriod(t, f, apr2026, jul2026, nil)
	if r := verifyBytes(t, good); !r.OK {
		t.Fatalf("the pack with an exception and a change does not verify:\n%s", problems(r))
	}
	i := slices.IndexFunc(man.Coverage, func(c Coverage) bool { return c.Control == "time-sync" })
	excepted := 0
	for _, w := range man.Coverage[i].Windows {
		if w.Exception == x.ID && w.State == evident.PeriodExcepted {
			excepted++
		}
	}
	if excepted != 3 || len(man.Coverage[i].Schedule.Changes) != 1 || man.Coverage[i].Schedule.Changes[0].ID != ch.ID {
		t.Fatalf("time-sync: %d windows excepted by %s, changes %+v; want the three April days and the May change", excepted, x.ID, man.Coverage[i].Schedule.Changes)
	}
	bad := resign(t, good, f.signer, func(m *Manifest, files map[string][]byte) {
		m.Coverage[i].Schedule.Exceptions = nil
		for j, w := range m.Coverage[i].Windows {
			if w.Exception == x.ID {
				m.Coverage[i].Windows[j].State, m.Coverage[i].Windows[j].Exception = evident.PeriodMissed, ""
			}
		}
	})
	r := verifyBytes(t, bad)
	wantProblemSays(t, r, WindowClaim, ManifestName, "control time-sync", "exceptions", x.ID)
	wantProblemSays(t, r, WindowClaim, ManifestName, "control time-sync, window 2026-04-10", "state", `"missed"`, `the leaves give "excepted"`)
}
