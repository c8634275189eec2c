package main

import (
	"strings"
	"testing"
)

// TestStatusStandardFlag checks the --standard contract a user sees:
// en319401 is today's status unchanged, and an unknown id is a usage
// error (exit 2) that names the known ones, so nothing is answered in an
// id space the catalog does not carry.
func TestStatusStandardFlag(t *testing.T) {
	t.Parallel()
	env := cadenceEnv(t)
	code, plain, errs := cli(t, env, "status", "--json", "--at", "2026-06-01")
	if code != 0 {
		t.Fatalf("status: exit %d: %s", code, errs)
	}
	code, std, errs := cli(t, env, "status", "--json", "--at", "2026-06-01", "--standard", "en319401")
	if code != 0 || std != plain {
		t.Fatalf("status --standard en319401 differs from status (exit %d: %s)", code, errs)
	}
	code, _, errs = cli(t, env, "status", "--standard", "no-such-space")
	if code != 2 || !strings.Contains(errs, "--standard") || !strings.Contains(errs, `"no-such-space"`) || !strings.Contains(errs, "known: en319401") {
		t.Fatalf("unknown --standard: exit %d, stderr %q; want exit 2 naming the flag and the known ids", code, errs)
	}
}
