package readiness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/google/go-cmp/cmp"
)

// spaceFile is an id space in the catalog format, with items of every
// kind SpaceStatus tells apart.
const spaceFile = `kind: idspace
id: test-space
title: "A test id space"
version: 3.2.1
items:
  - {id: "1.1", title: "scanning", requirements: [REQ-7.8-13, REQ-7.8-14]}
  - {id: "1.2", title: "reviewed at planned intervals", requirements: [REQ-5-04], planned_intervals: true}
  - {id: "1.3", title: "excluded", requirements: [REQ-7.12-08]}
  - {id: "1.4", title: "unmapped"}
`

func testSpace(t *testing.T) catalog.IDSpace {
	t.Helper()
	fsys := fstest.MapFS{"space.yaml": {Data: []byte(spaceFile)}}
	names, _ := filepath.Glob("../catalog/data/*.yaml")
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		fsys[filepath.Base(n)] = &fstest.MapFile{Data: b}
	}
	c, err := catalog.LoadFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := c.IDSpace("test-space")
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// TestSpaceItemsFollowTheirRequirements checks that an item's state is
// derived from the mapped requirements and changes when one of them does.
func TestSpaceItemsFollowTheirRequirements(t *testing.T) {
	sp := testSpace(t)
	V, I := evident.ReadinessVerified, evident.ReadinessImplemented
	rep := func(scan evident.Readiness) Report {
		return Report{Requirements: []RequirementStatus{
			{Requirement: "EN319401@3.2.1:REQ-7.8-13", State: V}, {Requirement: "EN319401@3.2.1:REQ-7.8-14", State: scan},
			{Requirement: "EN319401@3.2.1:REQ-5-04", State: V}, {Requirement: "EN319401@3.2.1:REQ-7.12-08", State: evident.ReadinessNotApplicable}}}
	}
	states := func(items []ItemStatus) map[string]evident.Readiness {
		out := map[string]evident.Readiness{}
		for _, it := range items {
			out[it.ID] = it.State
		}
		return out
	}
	got := states(SpaceStatus(sp, rep(V), nil))
	want := map[string]evident.Readiness{"1.1": V, "1.2": I, "1.3": evident.ReadinessNotApplicable, "1.4": evident.ReadinessNotAddressed}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("items, every requirement verified, no interval declared (-want +got):\n%s", diff)
	}
	got = states(SpaceStatus(sp, rep(evident.ReadinessFailing), map[string]bool{"1.2": true}))
	want["1.1"], want["1.2"] = evident.ReadinessFailing, V
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("items, REQ-7.8-14 failing, interval declared (-want +got):\n%s", diff)
	}
}

func TestIDSpaceRefusesUnknownRequirement(t *testing.T) {
	fsys := fstest.MapFS{"space.yaml": {Data: []byte("kind: idspace\nid: bad\nversion: 3.2.1\nitems:\n  - {id: \"1\", requirements: [REQ-99-01]}\n")}}
	names, _ := filepath.Glob("../catalog/data/*.yaml")
	for _, n := range names {
		b, _ := os.ReadFile(n)
		fsys[filepath.Base(n)] = &fstest.MapFile{Data: b}
	}
	if _, err := catalog.LoadFS(fsys); err == nil || !strings.Contains(err.Error(), "REQ-99-01") || !strings.Contains(err.Error(), "space.yaml") {
		t.Errorf("id space mapped to an unknown requirement: %v; want EINVALID naming it", err)
	}
}
