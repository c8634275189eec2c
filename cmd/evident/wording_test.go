package main

import (
	"testing"
	"time"
)

// TestListsReadInTheRightNumber pins the small words users read: one
// entry is "1 entry", and shortened ids stay unique however close.
func TestListsReadInTheRightNumber(t *testing.T) {
	for n, want := range map[int]string{0: "0 entries", 1: "1 entry", 2: "2 entries"} {
		if got := count(n, "entry", "entries"); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
	// Two incidents opened in the same millisecond share the 13 characters
	// of its timestamp; their shortened ids differ past it.
	ids := []string{"019a7f3c-1b2a-7c4d-8e9f-0123456789ab", "019a7f3c-1b2a-7c4e-8e9f-0123456789ab", "019a7f3d-0000-7000-8000-000000000000"}
	got := uniquePrefixes(ids, 13)
	want := map[string]string{ids[0]: "019a7f3c-1b2a-7c4d", ids[1]: "019a7f3c-1b2a-7c4e", ids[2]: "019a7f3d-0000"}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("prefix of %s = %q, want %q", id, got[id], w)
		}
	}
}

// TestTimesPrintInOnePrecision: a time with microseconds and one on the
// second print in the same form, to the second, in UTC.
func TestTimesPrintInOnePrecision(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	for in, want := range map[time.Time]string{
		time.Date(2026, 12, 6, 1, 37, 16, 15474000, time.UTC): "2026-12-06T01:37:16Z",
		time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC):          "2026-03-03T10:00:00Z",
		time.Date(2026, 3, 3, 11, 0, 0, 0, cet):               "2026-03-03T10:00:00Z",
	} {
		if got := stamp(in); got != want {
			t.Errorf("stamp(%v) = %s, want %s", in, got, want)
		}
	}
}
