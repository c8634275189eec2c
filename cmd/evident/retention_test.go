package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
)

// The retention commands as an operator uses them, on SQLite and
// PostgreSQL: a hold keeps a piece of evidence and says so in the plan, a
// hold without a subject or a reason is refused naming the field, a
// release records who and why, and the store still verifies. (Deletion
// when a period ends needs a clock past the period; the ledger's own
// tests drive it with a fixed clock.)
func TestRetentionHoldPlanAndRelease(t *testing.T) {
	for name, env := range dialectEnvs(t) {
		t.Run(name, func(t *testing.T) {
			mustRun(t, env, "init", "--name", "Example QTSP")
			mustRun(t, env, "apply", "-f", exampleWithRetention(t, "7y"))
			var evs []evident.Evidence
			decode(t, mustRun(t, env, "evidence", "add", incWriteFile(t, "review.txt", "Quarterly risk review minutes\n"),
				"--control", "risk-review-quarterly", "--json"), &evs)
			ev := evs[0]

			var plan ledger.RetentionPlan
			decode(t, mustRun(t, env, "retention", "plan", "--json"), &plan)
			item := retentionItemOf(t, plan, ev.ID)
			if item.Due || !item.Deleted.IsZero() || item.Ends.Year() != ev.ReceivedAt.Year()+7 {
				t.Errorf("fresh evidence before any hold: %+v, want kept by the program's 7 years", item)
			}

			for _, bad := range []struct {
				args []string
				want string
			}{
				{[]string{"retention", "hold", "--reason", "dispute"}, "either one piece of evidence or one incident"},
				{[]string{"retention", "hold", "--evidence", ev.ID}, "needs a reason"},
				{[]string{"retention", "hold", "--evidence", "no-such-evidence", "--reason", "dispute"}, "no-such-evidence"},
			} {
				if code, _, errs := cli(t, env, bad.args...); code != 2 || !strings.Contains(errs, bad.want) {
					t.Errorf("%v: exit %d %q, want 2 naming %q", bad.args, code, errs, bad.want)
				}
			}

			var h evident.Hold
			decode(t, mustRun(t, env, "retention", "hold", "--evidence", ev.ID, "--reason", "dispute with a subscriber", "--json"), &h)
			if h.ID == "" || h.PlacedBy != "elena" {
				t.Fatalf("placed hold %+v, want an id and elena as the one who placed it", h)
			}
			decode(t, mustRun(t, env, "retention", "plan", "--json"), &plan)
			if item := retentionItemOf(t, plan, ev.ID); item.Due || !strings.Contains(item.Reason, "dispute with a subscriber") {
				t.Errorf("held evidence in the plan: %+v, want kept naming the hold's reason", item)
			}
			if out := mustRun(t, env, "retention", "holds"); !strings.Contains(out, h.ID) {
				t.Errorf("retention holds does not list %s:\n%s", h.ID, out)
			}

			if code, _, errs := cli(t, env, "retention", "release", "--hold", "no-such-hold", "--reason", "settled"); code == 0 || !strings.Contains(errs, "no-such-hold") {
				t.Errorf("releasing an unknown hold: exit %d %q, want a failure naming it", code, errs)
			}
			var released evident.Hold
			decode(t, mustRun(t, env, "retention", "release", "--hold", h.ID, "--reason", "settled", "--json"), &released)
			if released.Released.IsZero() || released.ReleaseReason != "settled" {
				t.Errorf("released hold %+v, want a release time and its reason", released)
			}
			decode(t, mustRun(t, env, "retention", "plan", "--json"), &plan)
			if item := retentionItemOf(t, plan, ev.ID); strings.Contains(item.Reason, "dispute with a subscriber") {
				t.Errorf("after the release the plan still keeps for the hold: %+v", item)
			}
			if code, out, errs := cli(t, env, "verify"); code != 0 {
				t.Errorf("verify after hold and release: exit %d\n%s%s", code, out, errs)
			}
		})
	}
}

// exampleWithRetention is the example program with a program-wide
// retention period (the T&C's event-log retention), which the example
// itself leaves out: evidence without a period is kept for ever.
func exampleWithRetention(t *testing.T, period string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "program")
	if err := os.CopyFS(dir, os.DirFS(exampleProgram)); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "program.yaml")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	withPeriod := strings.Replace(string(b), "program:\n", "program:\n  retention: "+period+"\n", 1)
	if withPeriod == string(b) {
		t.Fatal("the example's program.yaml has no program: line")
	}
	if err := os.WriteFile(file, []byte(withPeriod), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func retentionItemOf(t *testing.T, plan ledger.RetentionPlan, id string) ledger.RetentionItem {
	t.Helper()
	for _, it := range plan.Items {
		for _, e := range it.Evidence {
			if e == id {
				return it
			}
		}
	}
	t.Fatalf("retention plan has no item for evidence %s: %+v", id, plan.Items)
	return ledger.RetentionItem{}
}
