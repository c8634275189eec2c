package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// The assessment cycle through the CLI: an engagement ties carol to its
// period; she asks for evidence, which the manager answers and she
// accepts; she imports the CAB's findings list; the open major
// nonconformity makes its requirement failing until the manager closes it
// with evidence and carol accepts; verify replays every step.
func TestAssessmentCycleCLI(t *testing.T) {
	env := map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "data")}
	mustRun(t, env, "init", "--name", "Example QTSP")
	mustRun(t, env, "apply", "-f", exampleProgram)
	mustRun(t, env, "user", "add", "mia", "--role", "compliance-manager")
	mustRun(t, env, "user", "add", "carol", "--role", "assessor", "--from", "2025-01-01", "--to", "2026-01-01")

	if code, out, _ := cli(t, env, "engagement", "--help"); code != 0 || !strings.Contains(out, "add") {
		t.Errorf("engagement --help: exit %d\n%s", code, out)
	}
	for _, g := range []string{"engagement", "request", "finding"} {
		if code, _, errs := cli(t, env, g, "frobnicate"); code != 2 || !strings.Contains(errs, "unknown subcommand") {
			t.Errorf("%s frobnicate: exit %d %s, want 2", g, code, errs)
		}
	}
	if code, _, errs := cli(t, env, "engagement", "add", "--actor", "carol", "--kind", "surveillance", "--cab", "CAB", "--lead", "L",
		"--from", "2026-01-01", "--to", "2027-01-01", "--service", "qcert-esig"); code != 2 || !strings.Contains(errs, "may not record an engagement") {
		t.Errorf("an assessor recording an engagement: exit %d %s", code, errs)
	}
	var e evident.Engagement
	decode(t, mustRun(t, env, "engagement", "add", "--actor", "mia", "--kind", "surveillance", "--cab", "TrustCert CAB", "--lead", "Carol Auditor",
		"--from", "2026-01-01", "--to", "2027-01-01", "--service", "qcert-esig", "--assessor", "carol", "--json"), &e)
	var users []evident.User
	decode(t, mustRun(t, env, "user", "list", "--json"), &users)
	for _, u := range users {
		if u.Name == "carol" && u.PeriodFrom.Year() != 2026 {
			t.Errorf("carol's grant starts %s, want the engagement's 2026", u.PeriodFrom)
		}
	}

	var r evident.Request
	decode(t, mustRun(t, env, "request", "add", "--actor", "carol", "--engagement", e.ID, "--req", "REQ-7.8-14",
		"--due", "2027-02-01", "--text", "The Q3 and Q4 scan reports", "--json"), &r)
	mustRun(t, env, "request", "answer", r.ID, "--actor", "mia", "--text", "Uploaded to the scan folder")
	if out := mustRun(t, env, "request", "accept", r.ID, "--actor", "carol"); !strings.Contains(out, "accepted") {
		t.Errorf("request accept: %s", out)
	}

	csv := incWriteFile(t, "cab.csv", "Ref,Kind,Requirements,Text,Due\nNC-1,major,REQ-7.8-14,Scans skipped the RA hosts,2027-03-01\nOBS-1,observation,,Name the scanner's owner,\n")
	bad := incWriteFile(t, "bad.csv", "Ref,Kind,Requirements,Text\nNC-9,major,REQ-7.8-14,x\nNC-10,grave,REQ-7.8-14,y\n")
	if code, _, errs := cli(t, env, "finding", "import", bad, "--engagement", e.ID, "--actor", "carol"); code != 2 || !strings.Contains(errs, "bad.csv row 3, column B (kind)") {
		t.Errorf("bad list: exit %d %s, want 2 naming row 3 column B", code, errs)
	}
	var imported []evident.Finding
	decode(t, mustRun(t, env, "finding", "import", csv, "--engagement", e.ID, "--actor", "carol", "--json"), &imported)
	if len(imported) != 2 {
		t.Fatalf("imported %d findings, want 2 (the refused list stored none)", len(imported))
	}
	nc := imported[0] // in the file's order
	if got := requirementState(t, env, "REQ-7.8-14"); got != evident.ReadinessFailing {
		t.Errorf("with NC-1 open REQ-7.8-14 is %s, want failing", got)
	}

	var evs []evident.Evidence
	decode(t, mustRun(t, env, "evidence", "add", incWriteFile(t, "scope.txt", "RA hosts added to the scan scope\n"), "--control", "risk-review-quarterly", "--json"), &evs)
	ev := evs[0]
	mustRun(t, env, "finding", "update", nc.ID, "--actor", "mia", "--root-cause", "RA hosts were not in the scan inventory", "--action", "add them")
	if code, _, errs := cli(t, env, "finding", "accept", nc.ID, "--actor", "carol"); code != 2 || !strings.Contains(errs, "decides on a proposed closure") {
		t.Errorf("accepting an open finding: exit %d %s", code, errs)
	}
	mustRun(t, env, "finding", "close", nc.ID, "--actor", "mia", "--evidence", ev.ID)
	if out := mustRun(t, env, "finding", "accept", nc.ID, "--actor", "carol"); !strings.Contains(out, "closed") {
		t.Errorf("finding accept: %s", out)
	}
	if got := requirementState(t, env, "REQ-7.8-14"); got == evident.ReadinessFailing {
		t.Errorf("after the accepted closure REQ-7.8-14 is still failing")
	}
	var v sqlstore.EngagementView
	decode(t, mustRun(t, env, "engagement", "show", e.ID, "--json"), &v)
	if len(v.Requests) != 1 || len(v.Findings) != 2 {
		t.Errorf("engagement show: %d requests, %d findings, want 1 and 2", len(v.Requests), len(v.Findings))
	}
	for _, f := range v.Findings {
		if f.Ref == "NC-1" && f.State() != evident.FindingClosed {
			t.Errorf("engagement show: NC-1 is %s, want closed", f.State())
		}
	}
	if out := mustRun(t, env, "engagement", "show", e.ID); !strings.Contains(out, "NC-1") || !strings.Contains(out, "TrustCert CAB") {
		t.Errorf("engagement show:\n%s", out)
	}
	if code, out, errs := cli(t, env, "verify"); code != 0 {
		t.Errorf("verify after the cycle: exit %d\n%s%s", code, out, errs)
	}
}

func decode(t *testing.T, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

// requirementState is a requirement's state in `evident status --json`.
func requirementState(t *testing.T, env map[string]string, id string) evident.Readiness {
	t.Helper()
	var r readiness.Report
	decode(t, mustRun(t, env, "status", "--json"), &r)
	for _, q := range r.Requirements {
		if strings.HasSuffix(q.Requirement, ":"+id) {
			return q.State
		}
	}
	t.Fatalf("no %s in status", id)
	return ""
}
