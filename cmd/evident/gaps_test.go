package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// documentedGaps reads the table of deliberate gaps from the example's
// README, so the documentation and the program cannot drift apart.
func documentedGaps(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(exampleProgram, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\| (?:[a-z]+ )?`([^`]+)` \\|")
	var out []string
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[1]+" "+m[2])
	}
	return out
}

func TestGapsOnTheExampleAreExactlyTheDocumentedOnes(t *testing.T) {
	env := map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "data")}
	mustRun(t, env, "init")
	mustRun(t, env, "apply", "-f", exampleProgram)
	approveClaims(t, env)
	var report struct {
		Count int
		Gaps  []struct{ Kind, Section, ID, Detail string }
	}
	out := mustRun(t, env, "gaps", "--json", "--at", "2026-11-27")
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range report.Gaps {
		id := g.ID
		if g.Section == "requirements" {
			id = strings.TrimPrefix(id, "EN319401@3.2.1:")
		}
		got = append(got, g.Kind+" "+id)
	}
	want := []string{
		"requirement-unaddressed REQ-7.8-23",
		"proportionality-missing PRO-7.9.3-06",
		"risk-untreated r28-crypto-obsolescence",
		"treatment-without-measure t26-fraud-insurance",
		"acceptance-expired acc-tsa-hsm-firmware",
		"risk-above-appetite r28-crypto-obsolescence",
		"cadence-below-standard vuln-watch-weekly",
		"performer-not-independent pen-test-post-change",
		"policy-not-communicated bcp",
		"policy-review-overdue crypto-policy",
		"policy-content-missing terms-and-conditions",
		"supplier-review-overdue datacenter-nord",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("gaps on the example (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want, documentedGaps(t)); d != "" {
		t.Errorf("README's table of deliberate gaps differs from the program (-test +README):\n%s", d)
	}
	if report.Count != len(report.Gaps) {
		t.Errorf("count %d, but %d gaps listed", report.Count, len(report.Gaps))
	}

	// The human form names each object; --fail turns gaps into exit 1.
	code, human, _ := cli(t, env, "gaps", "--at", "2026-11-27", "--fail")
	if code != 1 || !strings.Contains(human, "suppliers/datacenter-nord") || !strings.Contains(human, "12 gaps") {
		t.Errorf("gaps --fail: exit %d\n%s", code, human)
	}
	// A year later more dates have passed: the gaps move with --at.
	var later struct{ Count int }
	json.Unmarshal([]byte(mustRun(t, env, "gaps", "--json", "--at", "2027-12-31")), &later)
	if later.Count <= report.Count {
		t.Errorf("gaps at 2027-12-31: %d, want more than the %d of 2026-11-27", later.Count, report.Count)
	}
}

// approveClaims makes, as the approver marta-keller with her own login,
// the approval acts the example's files claim, except the deviation's,
// which the example leaves a claim on purpose (README.md). Until then the
// claims are gaps, not approvals.
func approveClaims(t *testing.T, env map[string]string) {
	t.Helper()
	before := mustRun(t, env, "gaps", "--at", "2026-11-27")
	for _, want := range []string{`policy-unapproved\s+policies/cps\s`, `acceptance-unapproved\s+acceptances/acc-cloud-provider\s`} {
		if !regexp.MustCompile(want).MatchString(before) {
			t.Errorf("before any approval act, gaps lack %q:\n%s", want, before)
		}
	}
	mustRun(t, env, "user", "add", "marta-keller", "--role", "management-approver")
	mustRun(t, env, "user", "add", "carla", "--role", "compliance-manager")
	if code, _, errs := cli(t, env, "approve", "policy/cps@3.1", "--actor", "carla"); code != 2 || !strings.Contains(errs, "management-approver") {
		t.Errorf("a compliance manager approving: exit %d %s, want 2 naming the approver role", code, errs)
	}
	if code, _, errs := cli(t, env, "approve", "--list", "--kind", "risk"); code != 2 || !strings.Contains(errs, "--kind") {
		t.Errorf("listing an unknown kind: exit %d %s, want 2 naming --kind", code, errs)
	}
	var policies []struct{ Kind string }
	json.Unmarshal([]byte(mustRun(t, env, "approve", "--list", "--kind", "policy", "--json")), &policies)
	if len(policies) != 12 {
		t.Errorf("%d policy versions wait for approval, want the example's 12", len(policies))
	}
	var items []struct{ Kind, Subject, Claim string }
	if err := json.Unmarshal([]byte(mustRun(t, env, "approve", "--list", "--json")), &items); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range items {
		if it.Claim != "" && it.Kind != "deviation" {
			out := mustRun(t, env, "approve", it.Subject, "--actor", "marta-keller", "--comment", "as minuted: "+it.Claim)
			if !strings.Contains(out, "approved "+it.Subject+" as marta-keller") {
				t.Errorf("approve %s: %s", it.Subject, out)
			}
			n++
		}
	}
	if n != 14 {
		t.Errorf("%d claimed approvals confirmed, want the 12 policies and 2 acceptances", n)
	}
	if code, _, errs := cli(t, env, "approve", "policy/cps@3.1", "--actor", "marta-keller"); code != 2 || !strings.Contains(errs, "already approved") {
		t.Errorf("approving twice: exit %d %s, want 2", code, errs)
	}
}
