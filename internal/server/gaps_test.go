package server_test

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The API's gaps are the status report's gaps, and each requirement a gap
// concerns is held below verified: the test program's controls have no
// method, so both of their requirements are concerned.
func TestAPIGapsAreTheStatusReportsGaps(t *testing.T) {
	e := newEnv(t)
	type gap struct {
		Kind, Section, ID string
		Requirements      []string
	}
	var list struct{ Items []gap }
	for cursor := ""; ; {
		var page struct {
			Items      []gap
			NextCursor string `json:"next_cursor"`
		}
		e.getJSON(t, "cm", "/api/v1/gaps?limit=500&cursor="+url.QueryEscape(cursor), &page)
		list.Items = append(list.Items, page.Items...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	var st struct {
		Gaps         []gap
		Requirements []struct {
			Requirement string
			State       string
			Gaps        int
		}
	}
	e.getJSON(t, "cm", "/api/v1/status", &st)
	if len(list.Items) == 0 {
		t.Fatal("no gaps on a program whose controls have no method")
	}
	if d := cmp.Diff(st.Gaps, list.Items); d != "" {
		t.Errorf("GET /api/v1/gaps differs from the status report's gaps (-status +gaps):\n%s", d)
	}
	concerned := map[string]bool{}
	for _, g := range list.Items {
		if g.Kind == "control-no-method" {
			for _, r := range g.Requirements {
				concerned[r] = true
			}
		}
	}
	for _, r := range []string{"EN319401@3.2.1:REQ-7.10-06", "EN319401@3.2.1:REQ-7.8-14"} {
		if !concerned[r] {
			t.Errorf("no control-no-method gap concerns %s", r)
		}
	}
	for _, r := range st.Requirements {
		if concerned[r.Requirement] && (r.Gaps == 0 || r.State == "verified") {
			t.Errorf("%s: %s with %d gaps, want gaps counted and not verified", r.Requirement, r.State, r.Gaps)
		}
	}
}
