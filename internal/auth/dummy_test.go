package auth

import (
	"strings"
	"testing"
)

// An unknown user's sign-in must cost what a wrong password costs: the
// dummy hash has to carry the very parameters and key length a real hash
// has, be readable, and match no password.
func TestDummyHashCostsAsMuchAsARealOne(t *testing.T) {
	real, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	rp, dp := strings.Split(real, "$"), strings.Split(dummyHash, "$")
	if len(dp) != 6 || rp[1] != dp[1] || rp[2] != dp[2] || rp[3] != dp[3] {
		t.Fatalf("dummy hash %q has other parameters than a real one %q", dummyHash, real)
	}
	if len(rp[4]) != len(dp[4]) || len(rp[5]) != len(dp[5]) {
		t.Fatalf("dummy hash %q has another salt or key length than %q", dummyHash, real)
	}
	for _, pw := range []string{"", "correct horse battery staple", "not a password of anyone here"} {
		ok, err := CheckPassword(dummyHash, pw)
		if err != nil || ok {
			t.Fatalf("CheckPassword(dummy, %q) = %v, %v; want false, nil", pw, ok, err)
		}
	}
}
