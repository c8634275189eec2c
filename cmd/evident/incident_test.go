package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/google/go-cmp/cmp"
)

// incidentEnv initialises a data directory for incident tests.
func incidentEnv(t *testing.T) map[string]string {
	t.Helper()
	env := map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "data"), "EVIDENT_ACTOR": "handler@example.eu"}
	if code, out, errs := cli(t, env, "init", "--name", "Example QTSP"); code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, errs)
	}
	return env
}

// incidentJSON runs an incident command with --json and decodes the result.
func incidentJSON(t *testing.T, env map[string]string, args ...string) evident.IncidentClocks {
	t.Helper()
	code, out, errs := cli(t, env, append(append([]string{"incident"}, args...), "--json")...)
	if code != 0 {
		t.Fatalf("incident %v: exit %d\n%s%s", args, code, out, errs)
	}
	var v evident.IncidentClocks
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("incident %v --json: %v\n%s", args, err, out)
	}
	return v
}

func incWriteFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The done-when scenario: an incident opened, classified
// significant, notified at 23 h and reported finally at 35 days shows the
// final report late and everything else met.
func TestIncidentDoneWhenScenario(t *testing.T) {
	env := incidentEnv(t)
	aware := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) string { return evident.UTC(aware.Add(d)) }
	opened := incidentJSON(t, env, "open", "--title", "Qualified certificate issuance down", "--aware", at(0), "--reporter", "noc")
	id := opened.Incident.ID
	if len(opened.Clocks) != 4 || !opened.Clocks[0].Provisional {
		t.Errorf("a new incident shows %d clocks, want the 4 regulatory clocks, provisional until classified: %+v", len(opened.Clocks), opened.Clocks)
	}
	cl := incidentJSON(t, env, "classify", id, "--severity", "high", "--category", "availability", "--outage-min", "45")
	if cur := cl.Incident.Classifications[len(cl.Incident.Classifications)-1]; !cur.Significant() || cur.Reasons[0].Criterion != evident.CritFullOutage {
		t.Fatalf("classification = %+v, want significant for the full outage", cur)
	}
	report := incWriteFile(t, "notification.pdf", "%PDF-1.7 initial notification")
	final := incWriteFile(t, "final-report.pdf", "%PDF-1.7 final report")
	incidentJSON(t, env, "notify", id, "--to", "csirt", "--kind", "early-warning", "--at", at(23*time.Hour))
	incidentJSON(t, env, "notify", id, "--to", "supervisory-body,csirt", "--kind", "notification", "--at", at(23*time.Hour), "--file", report)
	incidentJSON(t, env, "notify", id, "--to", "csirt", "--kind", "final-report", "--at", at(35*24*time.Hour), "--file", final)

	shown := incidentJSON(t, env, "show", id[:13])
	got := map[evident.ClockName]evident.ClockState{}
	for _, c := range shown.Clocks {
		got[c.Name] = c.State
	}
	want := map[evident.ClockName]evident.ClockState{
		evident.ClockEIDAS: evident.ClockMet, evident.ClockEarlyWarning: evident.ClockMet,
		evident.ClockNIS2Notification: evident.ClockMet, evident.ClockFinalReport: evident.ClockMetLate,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("clocks in incident show --json (-want +got):\n%s", diff)
	}
	// The reports are evidence: each notification names its ledgered
	// record and the digest of exactly the file sent.
	sum := sha256.Sum256([]byte("%PDF-1.7 final report"))
	n := shown.Incident.Notifications[2]
	if n.Kind != evident.NoticeFinal || n.EvidenceID == "" || n.Digest != hex.EncodeToString(sum[:]) || n.File != "final-report.pdf" {
		t.Errorf("final report notification = %+v, want it filed as evidence with its digest", n)
	}
	// The human view says the same.
	code, out, _ := cli(t, env, "incident", "show", id)
	if code != 0 || !strings.Contains(out, "nis2-final-report") || !strings.Contains(out, "met-late") {
		t.Errorf("incident show: exit %d\n%s", code, out)
	}
	// status reports the late final report as a missed clock, and only it.
	code, out, errs := cli(t, env, "status", "--json")
	var status struct {
		MissedClocks []struct {
			Incident string             `json:"incident"`
			Name     evident.ClockName  `json:"name"`
			State    evident.ClockState `json:"state"`
		} `json:"missed_clocks"`
	}
	if err := json.Unmarshal([]byte(out), &status); err != nil || code != 0 {
		t.Fatalf("status --json: exit %d, %v\n%s", code, err, errs)
	}
	if len(status.MissedClocks) != 1 || status.MissedClocks[0].Incident != id ||
		status.MissedClocks[0].Name != evident.ClockFinalReport || status.MissedClocks[0].State != evident.ClockMetLate {
		t.Errorf("status missed clocks = %+v, want only the final report, met late", status.MissedClocks)
	}
	// As of 25 hours in, before the final report existed, it was running.
	asOf := incidentJSON(t, env, "show", id, "--at", at(25*time.Hour))
	for _, c := range asOf.Clocks {
		if c.Name == evident.ClockFinalReport && c.State != evident.ClockRunning {
			t.Errorf("final report as of 25 h: %s, want running", c.State)
		}
	}
}

func TestIncidentWorkflowCLI(t *testing.T) {
	env := incidentEnv(t)
	aware := time.Now().UTC().Add(-30 * time.Hour).Truncate(time.Second)
	inc := incidentJSON(t, env, "open", "--title", "Suspicious login on RA portal", "--aware", evident.UTC(aware),
		"--customers-affected", "--customers-within", "48h", "--personal-data").Incident
	if inc.Rules.CustomerNotice != (evident.Span{Amount: 48, Unit: evident.UnitHour}) || inc.Reporter != "handler@example.eu" {
		t.Errorf("opened = %+v, want the 48 h customer deadline and the actor as reporter", inc)
	}
	// Reclassification keeps the history.
	incidentJSON(t, env, "classify", inc.ID, "--severity", "low", "--category", "malicious-access")
	v := incidentJSON(t, env, "classify", inc.ID, "--severity", "critical", "--category", "malicious-access", "--malicious-access", "--note", "attacker reached the RA database")
	if len(v.Incident.Classifications) != 2 || v.Incident.Classifications[0].Significant() || !v.Incident.Classifications[1].Significant() {
		t.Errorf("classifications = %+v, want low then significant", v.Incident.Classifications)
	}
	incidentJSON(t, env, "update", inc.ID, "--step", "containment", "--note", "account locked", "--at", evident.UTC(aware.Add(time.Hour)))
	// A report sent "now" (no --at) is filed as evidence at the same instant.
	v = incidentJSON(t, env, "notify", inc.ID, "--to", "customers", "--file", incWriteFile(t, "letter.pdf", "%PDF-1.7 dear customer"))
	if n := v.Incident.Notifications; len(n) != 1 || n[0].EvidenceID == "" || !n[0].SentAt.Equal(n[0].RecordedAt) {
		t.Errorf("notification sent now = %+v, want it filed as evidence, sent when recorded", n)
	}
	v = incidentJSON(t, env, "update", inc.ID, "--root-cause", "reused password", "--customers-affected=false")
	if v.Incident.RootCause != "reused password" || v.Incident.CustomersAffected || !v.Incident.PersonalData {
		t.Errorf("after update = %+v", v.Incident)
	}
	for _, c := range v.Clocks {
		if c.Name == evident.ClockCustomers {
			t.Errorf("customer clock still shown after customers-affected=false")
		}
	}
	v = incidentJSON(t, env, "close", inc.ID, "--note", "done")
	if v.Incident.Open() {
		t.Error("close left the incident open")
	}
	code, out, _ := cli(t, env, "incident", "list")
	if code != 0 || !strings.Contains(out, "Suspicious login") || !strings.Contains(out, "closed") || !strings.Contains(out, "3 missed") {
		t.Errorf("incident list: exit %d\n%s", code, out)
	}
	code, out, _ = cli(t, env, "incident", "list", "--open", "--json")
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("incident list --open after closing: exit %d %q, want []", code, out)
	}
	// Every step is in the audit trail.
	code, out, _ = cli(t, env, "log", "--json")
	if code == 0 {
		for _, k := range []string{"incident.open", "incident.classify", "incident.step", "incident.update"} {
			if !strings.Contains(out, k) {
				t.Errorf("audit trail has no %s record", k)
			}
		}
	}
}

func TestIncidentBadInputCLI(t *testing.T) {
	env := incidentEnv(t)
	id := incidentJSON(t, env, "open", "--title", "x").Incident.ID
	future := evident.UTC(time.Now().Add(time.Hour))
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"incident"}, "subcommand"},
		{[]string{"incident", "frob"}, "frob"},
		{[]string{"incident", "open"}, "title"},
		{[]string{"incident", "open", "--title", "t", "--service", "no-such-service"}, "services[0]"},
		{[]string{"incident", "open", "--title", "t", "--aware", "yesterday"}, "--aware"},
		{[]string{"incident", "open", "--title", "t", "--aware", future}, "future"},
		{[]string{"incident", "open", "--title", "t", "--customers-within", "soon"}, "--customers-within"},
		{[]string{"incident", "open", "--title", "t", "--kind", "accident"}, "kind"},
		{[]string{"incident", "classify", id, "--severity", "dire", "--category", "breach"}, "dire"},
		{[]string{"incident", "classify", id, "--severity", "low"}, "category"},
		{[]string{"incident", "classify", id, "--severity", "low", "--category", "breach", "--loss-eur", "-5"}, "financial_loss_eur"},
		{[]string{"incident", "notify", id, "--kind", "notification"}, "recipient"},
		{[]string{"incident", "notify", id, "--to", "press"}, "press"},
		{[]string{"incident", "notify", id, "--to", "csirt", "--file", "/nonexistent/report.pdf"}, "--file"},
		{[]string{"incident", "update", id, "--step", "celebration"}, "celebration"},
		{[]string{"incident", "update", id}, "nothing to change"},
		{[]string{"incident", "show", "01234567-nope"}, "no incident"},
		{[]string{"incident", "show"}, "exactly one"},
	}
	for _, c := range cases {
		code, _, errs := cli(t, env, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming %q", c.args, code, errs, c.want)
		}
	}
	// Nothing half-stored: the one good incident has no classification and
	// no notification after all of that.
	v := incidentJSON(t, env, "show", id)
	if len(v.Incident.Classifications) != 0 || len(v.Incident.Notifications) != 0 || len(v.Incident.Steps) != 0 {
		t.Errorf("after refused commands the incident holds %+v", v.Incident)
	}
	code, out, _ := cli(t, env, "incident", "list", "--json")
	var all []evident.IncidentClocks
	if json.Unmarshal([]byte(out), &all); code != 0 || len(all) != 1 {
		t.Errorf("register holds %d entries, want 1", len(all))
	}
}

// A critical vulnerability opened by hand runs the 48-hour clock from its
// discovery, and a mitigation step meets it.
func TestVulnerabilityCLI(t *testing.T) {
	env := incidentEnv(t)
	found := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
	v := incidentJSON(t, env, "open", "--kind", "vulnerability", "--title", "RCE in the RA portal's template engine", "--aware", evident.UTC(found))
	if len(v.Clocks) != 0 {
		t.Errorf("unclassified vulnerability clocks = %+v, want none: it is not an incident until assessed", v.Clocks)
	}
	v = incidentJSON(t, env, "classify", v.Incident.ID, "--severity", "critical", "--category", "vulnerability")
	if len(v.Clocks) != 1 || v.Clocks[0].Name != evident.ClockVulnerability || !v.Clocks[0].Due.Equal(found.Add(48*time.Hour)) || v.Clocks[0].State != evident.ClockMissed {
		t.Fatalf("clocks = %+v, want the 48 h clock from discovery, missed by now", v.Clocks)
	}
	v = incidentJSON(t, env, "update", v.Incident.ID, "--step", "mitigation", "--at", evident.UTC(found.Add(30*time.Hour)), "--note", "WAF rule, patch scheduled")
	if v.Clocks[0].State != evident.ClockMet || v.Clocks[0].MetBy != v.Incident.Steps[0].ID {
		t.Errorf("after mitigation at 30 h: %+v, want met by the step", v.Clocks[0])
	}
}
