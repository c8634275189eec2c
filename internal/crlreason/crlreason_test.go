package crlreason

import "testing"

// The names are RFC 5280's, code 7 is unassigned, and an unknown code is
// shown as a number rather than mistaken for a known reason.
func TestName(t *testing.T) {
	for code, want := range map[int]string{0: "unspecified", 1: "keyCompromise", 4: "superseded", 5: "cessationOfOperation",
		7: "reason 7", 9: "privilegeWithdrawn", 10: "aACompromise", 11: "reason 11", -1: "reason -1"} {
		if got := Name(code); got != want {
			t.Errorf("Name(%d) = %q, want %q", code, got, want)
		}
	}
}
