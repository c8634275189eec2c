package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// ledgerEnv initialises a data directory with two controls and returns its
// environment for cli.
func ledgerEnv(t *testing.T) map[string]string {
	t.Helper()
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"EVIDENT_DATA": data, "EVIDENT_ACTOR": "alice@ops"}
	if code, out, errs := cli(t, env, "init", "--name", "Example QTSP"); code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, errs)
	}
	ca := evident.System{ID: "ca-issuing", Name: "Issuing CA", Kind: evident.SystemTrustworthy, Version: "4.2.1"}
	addScope(t, filepath.Join(data, "evident.db"), []evident.System{ca}, "vuln-scan", "time-sync")
	// Sign the scope's leaf, as apply would have in its own write.
	if code, out, errs := cli(t, env, "checkpoint"); code != 0 {
		t.Fatalf("checkpoint: exit %d\n%s%s", code, out, errs)
	}
	return env
}

// addControls puts controls straight into the store with the
// program.apply leaf that records them, as apply writes both; applying a
// whole program is another command's business.
func addControls(t *testing.T, dsn string, ids ...string) { addScope(t, dsn, nil, ids...) }

// addScope puts systems and controls straight into the store with the one
// program.apply leaf that records them, as apply writes both, so evidence
// can name them.
func addScope(t *testing.T, dsn string, systems []evident.System, ids ...string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ref := evident.RequirementRef{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.8-14"}
	type step struct {
		Op      string `json:"op"`
		Section string `json:"section"`
		ID      string `json:"id"`
		Object  any    `json:"object"`
	}
	var steps []step
	err = st.Write(ctx, func(tx *sqlstore.Tx) error {
		for _, s := range systems {
			if err := tx.PutObject(ctx, sqlstore.Systems, s.ID, s, "test"); err != nil {
				return err
			}
			steps = append(steps, step{"add", "systems", s.ID, s})
		}
		for _, id := range ids {
			c := evident.Control{ID: id, Title: id, Requirements: []evident.RequirementRef{ref}}
			if err := tx.PutObject(ctx, sqlstore.Controls, id, c, "test"); err != nil {
				return err
			}
			steps = append(steps, step{"add", "controls", id, c})
		}
		_, err := tx.Audit(ctx, "program.apply", "program", "test", struct {
			Steps []step `json:"steps"`
		}{steps})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// writeFiles creates n small files and returns their paths.
func writeFiles(t *testing.T, n int, prefix string) []string {
	t.Helper()
	dir := t.TempDir()
	var out []string
	for i := 0; i < n; i++ {
		p := filepath.Join(dir, fmt.Sprintf("%s-%d.txt", prefix, i))
		if err := os.WriteFile(p, []byte(fmt.Sprintf("%s report %d\n", prefix, i)), 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

var addedLine = regexp.MustCompile(`(?m)^([0-9a-f-]{36})  sha256:([0-9a-f]{64})  leaf (\d+)  (\S+)$`)

// addEvidence runs evidence add and returns the ids it acknowledged.
func addEvidence(t *testing.T, env map[string]string, args ...string) []string {
	t.Helper()
	code, out, errs := cli(t, env, append([]string{"evidence", "add"}, args...)...)
	if code != 0 {
		t.Fatalf("evidence add: exit %d\n%s%s", code, out, errs)
	}
	var ids []string
	for _, m := range addedLine.FindAllStringSubmatch(out, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func listEvidence(t *testing.T, env map[string]string, args ...string) []evident.Evidence {
	t.Helper()
	code, out, errs := cli(t, env, append([]string{"evidence", "list", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("evidence list: exit %d\n%s%s", code, out, errs)
	}
	var evs []evident.Evidence
	if err := json.Unmarshal([]byte(out), &evs); err != nil {
		t.Fatalf("evidence list --json: %v\n%s", err, out)
	}
	return evs
}

func TestEvidenceAddListShow(t *testing.T) {
	env := ledgerEnv(t)
	files := writeFiles(t, 2, "scan")
	code, out, errs := cli(t, env, "evidence", "add", files[0], files[1], "--control", "vuln-scan", "--req", "REQ-7.8-14",
		"--period", "2026-Q3", "--system", "ca-issuing@4.2.1", "--tool", "nmap", "--tool-version", "7.94")
	if code != 0 {
		t.Fatalf("evidence add: exit %d\n%s%s", code, out, errs)
	}
	m := addedLine.FindAllStringSubmatch(out, -1)
	if len(m) != 2 || m[0][4] != "scan-0.txt" || m[1][4] != "scan-1.txt" {
		t.Fatalf("evidence add printed:\n%s\nwant one line per file with id, digest and leaf", out)
	}
	// Leaf 0 is the program's creation, leaf 1 the recovery key, leaf 2 the controls: evidence follows them.
	if m[0][3] != "3" || m[1][3] != "4" {
		t.Errorf("leaves %s, %s; want 3, 4", m[0][3], m[1][3])
	}
	evs := listEvidence(t, env, "--control", "vuln-scan")
	if len(evs) != 2 {
		t.Fatalf("list --control vuln-scan: %d records, want 2", len(evs))
	}
	e := evs[0]
	if e.ID != m[0][1] || e.Digest.String() != m[0][2] || e.Actor != "alice@ops" || e.Effective.String() != "2026-07-01T00:00:00Z/2026-10-01T00:00:00Z" ||
		len(e.Requirements) != 1 || e.Requirements[0].String() != "EN319401@3.2.1:REQ-7.8-14" ||
		len(e.Systems) != 1 || e.Systems[0].String() != "ca-issuing@4.2.1" || e.Source.Tool != "nmap" {
		t.Errorf("listed record does not carry what was added: %+v", e)
	}
	if n := len(listEvidence(t, env, "--control", "time-sync")); n != 0 {
		t.Errorf("list --control time-sync: %d records, want 0", n)
	}
	if n := len(listEvidence(t, env, "--req", "REQ-7.8-14")); n != 2 {
		t.Errorf("list --req REQ-7.8-14: %d records, want 2", n)
	}
	code, out, errs = cli(t, env, "evidence", "show", e.ID)
	if code != 0 || !strings.Contains(out, "c2sp.org/tlog-proof@v1") || !strings.Contains(out, "index 3") || !strings.Contains(out, e.Digest.String()) {
		t.Errorf("evidence show: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = cli(t, env, "log", "--kind", "evidence", "--json")
	var entries []logEntry
	if err := json.Unmarshal([]byte(out), &entries); code != 0 || err != nil || len(entries) != 2 || entries[0].ID != e.ID {
		t.Errorf("log --kind evidence: exit %d, %v, %d entries\n%s", code, err, len(entries), out)
	}
	code, out, _ = cli(t, env, "checkpoint")
	if code != 0 || !strings.HasPrefix(out, "evident.ledger/example-qtsp\n5\n") || !strings.Contains(out, "\n\n— evident.ledger/example-qtsp ") {
		t.Errorf("checkpoint: exit %d\n%s", code, out)
	}
	if code, out, errs := cli(t, env, "verify"); code != 0 || !strings.Contains(out, "OK") {
		t.Errorf("verify on an untouched store: exit %d\n%s%s", code, out, errs)
	}
}

func TestEvidenceAddRefusesBadInputAndStoresNothing(t *testing.T) {
	env := ledgerEnv(t)
	files := writeFiles(t, 2, "x")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown control", []string{files[0], "--control", "vuln-scna"}, `no control "vuln-scna"`},
		{"one unknown control of two", []string{files[0], files[1], "--control", "vuln-scan,nope"}, `no control "nope"`},
		{"unknown requirement", []string{files[0], "--control", "vuln-scan", "--req", "REQ-7.8-99"}, "no requirement EN319401@3.2.1:REQ-7.8-99"},
		{"bad period", []string{files[0], "--control", "vuln-scan", "--period", "2026-Q5"}, "--period"},
		{"local time", []string{files[0], "--control", "vuln-scan", "--effective", "2026-07-01T10:00:00"}, "--effective"},
		{"future", []string{files[0], "--control", "vuln-scan", "--effective", "2999-01-01"}, "after the evidence was received"},
		{"period and instant", []string{files[0], "--control", "vuln-scan", "--period", "2026", "--effective", "2026-01-01"}, "not both"},
		{"missing file", []string{files[0], filepath.Join(filepath.Dir(files[0]), "nope.txt"), "--control", "vuln-scan"}, "nope.txt"},
		{"no control", []string{files[0]}, "--control is required"},
		{"bad system", []string{files[0], "--control", "vuln-scan", "--system", "ca-issuing"}, "NAME@VERSION"},
		{"unknown superseded record", []string{files[0], "--control", "vuln-scan", "--supersedes", "0190-nope"}, "no evidence record"},
		{"unknown system", []string{files[0], "--control", "vuln-scan", "--system", "bogus@0"}, `--system: no system "bogus"`},
		{"unknown service", []string{files[0], "--control", "vuln-scan", "--service", "no-such-service"}, `--service: no service "no-such-service"`},
		{"unknown incident", []string{files[0], "--control", "vuln-scan", "--about", "incident/NOPE"}, `--about: no incident "NOPE"`},
		{"unknown kind", []string{files[0], "--control", "vuln-scan", "--about", "gadget/7"}, `--about: "gadget/7": want KIND/ID`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := cli(t, env, append([]string{"evidence", "add"}, tc.args...)...)
			if code != 2 || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q\n%s", code, errs, tc.want, out)
			}
		})
	}
	if n := len(listEvidence(t, env)); n != 0 {
		t.Errorf("%d records stored after refused adds, want 0", n)
	}
	code, out, _ := cli(t, env, "log", "--json")
	var entries []logEntry
	json.Unmarshal([]byte(out), &entries)
	if code != 0 || len(entries) != 3 {
		t.Errorf("ledger holds %d records after refused adds, want only program.create, the recovery key and the controls", len(entries))
	}
	if code, out, errs := cli(t, env, "verify"); code != 0 {
		t.Errorf("verify after refused adds: exit %d\n%s%s", code, out, errs)
	}
}

func TestEvidenceSupersedesAndPerformer(t *testing.T) {
	env := ledgerEnv(t)
	files := writeFiles(t, 3, "pentest")
	comp := addEvidence(t, env, files[0], "--control", "vuln-scan", "--effective", "2026-01-10")
	first := addEvidence(t, env, files[1], "--control", "vuln-scan", "--performer", "Acme Pentest GmbH", "--independent", "--competence", comp[0])
	fix := addEvidence(t, env, files[2], "--control", "vuln-scan", "--supersedes", first[0], "--performer", "Acme Pentest GmbH", "--independent", "--competence", comp[0])
	code, out, _ := cli(t, env, "evidence", "show", fix[0], "--json")
	var got struct{ Evidence evident.Evidence }
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("show: exit %d %v\n%s", code, err, out)
	}
	e := got.Evidence
	if e.Supersedes != first[0] || e.Performer == nil || e.Performer.Name != "Acme Pentest GmbH" || !e.Performer.Independent || e.Performer.Competence != comp[0] {
		t.Errorf("correction record: %+v %+v", e, e.Performer)
	}
	// The original is still there: records are never replaced.
	if n := len(listEvidence(t, env)); n != 3 {
		t.Errorf("%d records, want 3", n)
	}
}

// A typed --actor names whoever the operator says; the leaf also records
// the operating-system account and host the command ran as, and the
// audit trail shows both.
func TestCommandLineWritesRecordWhoRanThem(t *testing.T) {
	t.Parallel()
	env := ledgerEnv(t)
	files := writeFiles(t, 1, "scan")
	if code, out, errs := cli(t, env, "evidence", "add", files[0], "--control", "time-sync", "--actor", "someone-else@example"); code != 0 {
		t.Fatalf("evidence add: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ := cli(t, env, "log", "--kind", "evidence", "--json")
	var entries []logEntry
	if err := json.Unmarshal([]byte(out), &entries); code != 0 || err != nil || len(entries) != 1 {
		t.Fatalf("log --kind evidence: exit %d, %v\n%s", code, err, out)
	}
	host, _ := os.Hostname()
	e := entries[0]
	if e.Actor != "someone-else@example" || !strings.HasPrefix(e.Origin, "cli:") || !strings.HasSuffix(e.Origin, "@"+host) {
		t.Errorf("leaf actor %q origin %q; want the typed actor and cli:USER@%s beside it", e.Actor, e.Origin, host)
	}
	if _, out, _ := cli(t, env, "log", "--kind", "evidence"); !strings.Contains(out, "someone-else@example ("+e.Origin+")") {
		t.Errorf("the audit trail does not show the origin beside the actor:\n%s", out)
	}
}
