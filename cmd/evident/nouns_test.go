package main

import "testing"

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
