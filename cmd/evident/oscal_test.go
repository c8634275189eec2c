package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/defenseunicorns/go-oscal/src/pkg/validation"

	"github.com/evidenthq/evident/internal/oscal"
)

// TestOSCALExport: each kind exports from the example program, given as
// the argument or as --kind, and validates against NIST's OSCAL JSON
// schema; the same --at gives the same bytes; usage errors exit 2.
func TestOSCALExport(t *testing.T) {
	env := map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "data"), "EVIDENT_ACTOR": "ciso@example.eu"}
	for _, args := range [][]string{{"init", "--name", "Example QTSP"}, {"apply", "-f", filepath.Join("..", "..", "examples", "qtsp")}} {
		if code, out, errs := cli(t, env, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	at := "2026-12-01T00:00:00Z"
	for _, kind := range oscal.Kinds {
		code, out, errs := cli(t, env, "oscal", "export", kind, "--at", at)
		if code != 0 {
			t.Fatalf("oscal export %s: exit %d\n%s", kind, code, errs)
		}
		v, err := validation.NewValidatorDesiredVersion([]byte(out), oscal.Version)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Validate(); err != nil {
			res, _ := v.GetValidationResult()
			b, _ := json.Marshal(res.Errors)
			t.Fatalf("oscal export %s is not valid OSCAL %s: %v\n%.2000s", kind, oscal.Version, err, b)
		}
		key := map[string]string{"catalog": `"catalog"`, "ssp": `"system-security-plan"`, "assessment-results": `"assessment-results"`, "poam": `"plan-of-action-and-milestones"`}[kind]
		if !strings.HasPrefix(strings.TrimSpace(out), "{\n  "+key) {
			t.Errorf("oscal export %s writes %.80s", kind, out)
		}
		file := filepath.Join(t.TempDir(), kind+".json")
		if code, _, errs := cli(t, env, "oscal", "export", "--kind", kind, "--at", at, "--out", file); code != 0 {
			t.Fatalf("oscal export --kind %s --out: exit %d\n%s", kind, code, errs)
		}
		if b, err := os.ReadFile(file); err != nil || string(b) != out {
			t.Errorf("--kind %s --out wrote other bytes than the same export to stdout (%v)", kind, err)
		}
	}
	for _, args := range [][]string{{"oscal", "export", "profile"}, {"oscal", "export"}, {"oscal", "export", "ssp", "--kind", "poam"}, {"oscal"}, {"oscal", "import"}} {
		if code, _, errs := cli(t, env, args...); code != 2 || errs == "" {
			t.Errorf("%v: exit %d (%q), want 2 with a message", args, code, errs)
		}
	}
	if code, out, _ := cli(t, env, "oscal", "--help"); code != 0 || !strings.Contains(out, "export") {
		t.Errorf("oscal --help: exit %d, %q", code, out)
	}
}
