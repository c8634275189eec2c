package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidenthq/evident/internal/sqlstore"
)

// reviewEnv is the example program with alice owning the physical access
// review and carol as compliance manager.
func reviewEnv(t *testing.T) (map[string]string, string) {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{"EVIDENT_DATA": filepath.Join(dir, "data"), "EVIDENT_ACTOR": "carol"}
	for _, args := range [][]string{
		{"init", "--name", "Example QTSP"},
		{"apply", "-f", exampleProgram},
		{"user", "add", "carol", "--role", "compliance-manager"},
		{"user", "add", "alice", "--role", "control-owner", "--controls", "physical-access-quarterly"},
	} {
		if code, out, errs := cli(t, env, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	return env, dir
}

func pending(t *testing.T, env map[string]string) []sqlstore.Submission {
	t.Helper()
	code, out, errs := cli(t, env, "--json", "review", "list")
	var subs []sqlstore.Submission
	if err := json.Unmarshal([]byte(out), &subs); code != 0 || err != nil {
		t.Fatalf("review list: exit %d, %v\n%s%s", code, err, out, errs)
	}
	return subs
}

func TestReviewFromTheCommandLine(t *testing.T) {
	env, dir := reviewEnv(t)
	note := filepath.Join(dir, "n.txt")
	os.WriteFile(note, []byte("note\n"), 0o644)
	code, out, errs := cli(t, env, "--actor", "alice", "evidence", "add", note, "--control", "physical-access-quarterly")
	if code != 0 || !strings.Contains(out, "Awaiting review") {
		t.Fatalf("evidence add: exit %d\n%s%s", code, out, errs)
	}
	_, out, _ = cli(t, env, "status")
	if !strings.Contains(out, "(awaiting review)") || strings.Contains(lineOf(out, "physical-access-quarterly"), "satisfied") {
		t.Errorf("status after a bare submission:\n%s", lineOf(out, "physical-access-quarterly"))
	}
	_, out, _ = cli(t, env, "tasks")
	if !strings.Contains(out, "Review the submission for Physical access review") {
		t.Errorf("tasks do not show the submission awaiting review:\n%s", out)
	}
	subs := pending(t, env)
	if len(subs) != 1 || subs[0].Incomplete == "" {
		t.Fatalf("inbox: %+v, want one incomplete submission", subs)
	}
	code, _, errs = cli(t, env, "--actor", "alice", "review", "accept", subs[0].Evidence.ID)
	if code != 2 || !strings.Contains(errs, "four eyes") {
		t.Errorf("self-acceptance: exit %d, %s; want 2 naming four eyes", code, errs)
	}
	code, _, errs = cli(t, env, "review", "accept", subs[0].Evidence.ID)
	if code != 2 || !strings.Contains(errs, "population") {
		t.Errorf("accepting a bare file: exit %d, %s; want 2 naming the population", code, errs)
	}
	if code, _, errs = cli(t, env, "review", "reject", subs[0].Evidence.ID, "--reason", "attach the sample"); code != 0 {
		t.Fatalf("reject: %d %s", code, errs)
	}

	// 19 of 20 items is refused and nothing is stored.
	var items []string
	for i := range 19 {
		items = append(items, fmt.Sprintf("entry-%d", i))
	}
	sample := filepath.Join(dir, "sample.csv")
	os.WriteFile(sample, []byte(strings.Join(items, "\n")), 0o644)
	code, _, errs = cli(t, env, "--actor", "alice", "evidence", "add", note, "--control", "physical-access-quarterly",
		"--population", "DC access log", "--population-size", "400", "--sample", sample)
	if code != 2 || !strings.Contains(errs, "19 of 20") {
		t.Errorf("19 of 20 samples: exit %d, %s", code, errs)
	}
	// A drawn sample, with its seed recorded, is accepted by carol.
	pop := filepath.Join(dir, "population.txt")
	var all []string
	for i := range 400 {
		all = append(all, fmt.Sprintf("entry-%d", i))
	}
	os.WriteFile(pop, []byte(strings.Join(all, "\n")), 0o644)
	if code, out, errs := cli(t, env, "--actor", "alice", "evidence", "add", note, "--control", "physical-access-quarterly",
		"--population", "DC access log", "--population-file", pop, "--seed", "q4"); code != 0 {
		t.Fatalf("drawn sample: exit %d\n%s%s", code, out, errs)
	}
	subs = pending(t, env)
	if len(subs) != 1 || subs[0].Incomplete != "" {
		t.Fatalf("inbox: %+v, want one complete submission", subs)
	}
	if code, out, errs := cli(t, env, "review", "accept", subs[0].Evidence.ID); code != 0 || !strings.Contains(out, "tsa-unit") {
		t.Fatalf("accept: exit %d\n%s%s", code, out, errs)
	}
	_, out, _ = cli(t, env, "status")
	if l := lineOf(out, "physical-access-quarterly"); !strings.Contains(l, "current") || !strings.Contains(l, "satisfied") {
		t.Errorf("status after acceptance: %s", l)
	}
	_, out, _ = cli(t, env, "evidence", "show", subs[0].Evidence.ID)
	if !strings.Contains(out, "Review       accepted for physical-access-quarterly") || !strings.Contains(out, "accepted by carol") {
		t.Errorf("evidence show does not show the acceptance:\n%s", out)
	}
	_, out, _ = cli(t, env, "review", "list", "--state", "rejected")
	if !strings.Contains(out, "attach the sample") {
		t.Errorf("the rejection's reason left the history:\n%s", out)
	}
}

func lineOf(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
