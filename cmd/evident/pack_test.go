package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/pack"
	"github.com/evidenthq/evident/internal/readiness"
)

// exampleYear initialises a data directory with the example program and
// a year of evidence for every periodic control, up to now, with a gap:
// the first daily control misses three days. It returns the environment
// and the period [from, to) that covers the year.
func exampleYear(t *testing.T) (env map[string]string, from, to time.Time) {
	t.Helper()
	env = map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "data"), "EVIDENT_ACTOR": "ciso@example.eu"}
	for _, args := range [][]string{{"init", "--name", "Example QTSP"}, {"apply", "-f", filepath.Join("..", "..", "examples", "qtsp")}} {
		if code, out, errs := cli(t, env, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	now := time.Now().UTC()
	from = time.Date(now.Year()-1, now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	to = from.AddDate(1, 0, 1)
	a := &app{ctx: context.Background(), getenv: func(k string) string { return env[k] }, now: time.Now, stdout: io.Discard, stderr: io.Discard}
	a.flags("test")
	l, st, err := a.openLedger()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := st.Model(a.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var items []ledger.Item
	gapDone := false
	for _, c := range m.Controls {
		cad := readiness.ScheduleFor(c, from).Cadence
		if cad.Kind == evident.CadencePostChange {
			continue
		}
		daily := cad.Unit == evident.UnitDay && !gapDone
		for i, w := range cad.Windows(from, from, to) {
			at := w.Start.Add(time.Hour)
			if at.After(now) || (daily && i >= 100 && i < 103) {
				continue
			}
			for n := range c.Needs() {
				content := fmt.Sprintf("%s %s %d", c.ID, evident.UTC(at), n)
				in := ledger.EvidenceInput{Actor: "collector:year", Filename: fmt.Sprintf("%s-%d-%d.txt", c.ID, i, n),
					MediaType: "text/plain", Effective: evident.Effective{From: at}, Controls: []string{c.ID}}
				items = append(items, ledger.Item{Input: in, Open: func() (io.ReadCloser, error) {
					return io.NopCloser(strings.NewReader(content)), nil
				}})
			}
		}
		gapDone = gapDone || daily
	}
	if _, err := l.AddBatch(a.ctx, items); err != nil {
		t.Fatal(err)
	}
	return env, from, to
}

func TestPackOfExampleYear(t *testing.T) {
	env, from, to := exampleYear(t)
	out := filepath.Join(t.TempDir(), "pack.zip")
	code, stdout, errs := cli(t, env, "pack", "export", "--from", evident.UTC(from), "--to", evident.UTC(to), "--out", out)
	if code != 0 {
		t.Fatalf("pack export: exit %d\n%s%s", code, stdout, errs)
	}
	if !strings.Contains(stdout, "Wrote "+out) {
		t.Errorf("export output does not name the pack:\n%s", stdout)
	}
	// Verify with no data directory at all: the pack is all there is.
	bare := map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "nothing-here")}
	code, stdout, errs = cli(t, bare, "pack", "verify", out)
	if code != 0 || !strings.Contains(stdout, "OK "+out) {
		t.Fatalf("pack verify: exit %d\n%s%s", code, stdout, errs)
	}
	if _, err := os.Stat(bare["EVIDENT_DATA"]); err == nil {
		t.Errorf("pack verify created a data directory")
	}
	code, stdout, _ = cli(t, bare, "pack", "verify", out, "--json", "--key", filepath.Join(env["EVIDENT_DATA"], "ledger.pub"))
	var r pack.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || code != 0 {
		t.Fatalf("pack verify --json: exit %d, %v\n%s", code, err, stdout)
	}
	if !r.OK || !r.KeyChecked || r.Evidence < 1000 || r.Records == 0 {
		t.Errorf("report: ok %v, key checked %v, %d evidence, %d records; want a checked year of evidence and the audit trail", r.OK, r.KeyChecked, r.Evidence, r.Records)
	}
	// A pack checked against another key fails, and no line of the
	// human report says the key matched.
	_, otherKey, err := note.GenerateKey(rand.Reader, "evident.ledger/someone-else")
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = cli(t, bare, "pack", "verify", out, "--key", otherKey)
	if code != 1 || !strings.Contains(stdout, "FAIL") || strings.Contains(stdout, "(matches --key)") || !strings.Contains(stdout, "does NOT match --key") {
		t.Errorf("pack verify --key OTHER: exit %d, want 1 with FAIL and the key shown as not matching:\n%s", code, stdout)
	}
	gaps := 0
	for _, c := range r.Coverage {
		gaps += len(c.Gaps)
	}
	if gaps == 0 {
		t.Errorf("the three missed days of the first daily control are not reported as a gap: %+v", r.Coverage)
	}

	ix := readIndex(t, out)
	xf := openXLSX(t, out)
	rows, err := xf.GetRows("Requirements")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != len(ix.Requirements) || len(ix.Requirements) < 100 {
		t.Errorf("index.xlsx has %d requirement rows, index.json %d", len(rows)-1, len(ix.Requirements))
	}
	found := false
	for _, row := range rows {
		if len(row) > 0 && row[0] == "EN319401@3.2.1:REQ-7.8-14" {
			found = len(row) >= 8 && row[7] != ""
		}
	}
	if !found {
		t.Errorf("index.xlsx does not list REQ-7.8-14 with its controls")
	}
	if ev, err := xf.GetRows("Evidence"); err != nil || len(ev)-1 != r.Evidence && len(ev)-1 < r.Evidence {
		t.Errorf("index.xlsx Evidence sheet has %d rows for %d evidence items (%v)", len(ev)-1, r.Evidence, err)
	}
}

// readIndex returns index.json of a pack.
func readIndex(t *testing.T, path string) *pack.Index {
	t.Helper()
	var ix pack.Index
	if err := json.Unmarshal(zipEntry(t, path, pack.IndexJSON), &ix); err != nil {
		t.Fatal(err)
	}
	return &ix
}

func openXLSX(t *testing.T, path string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(zipEntry(t, path, pack.IndexXLSX)))
	if err != nil {
		t.Fatalf("index.xlsx does not open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func zipEntry(t *testing.T, path, name string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPackCommandRefusesBadInput(t *testing.T) {
	env := map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "data")}
	if code, _, errs := cli(t, env, "init"); code != 0 {
		t.Fatal(errs)
	}
	dir := t.TempDir()
	exists := filepath.Join(dir, "exists.zip")
	os.WriteFile(exists, []byte("x"), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"pack"}, "export"},
		{[]string{"pack", "frob"}, "frob"},
		{[]string{"pack", "export", "--from", "2026-01-01", "--to", "2027-01-01"}, "--out"},
		{[]string{"pack", "export", "--to", "2027-01-01", "--out", filepath.Join(dir, "a.zip")}, "--from"},
		{[]string{"pack", "export", "--from", "2026-02-01", "--to", "2026-01-01", "--out", filepath.Join(dir, "a.zip")}, "--to"},
		{[]string{"pack", "export", "--from", "yesterday", "--to", "2026-01-01", "--out", filepath.Join(dir, "a.zip")}, "--from"},
		{[]string{"pack", "export", "--period", "2026-Q5", "--out", filepath.Join(dir, "a.zip")}, "--period"},
		{[]string{"pack", "export", "--period", "2026", "--services", "nope", "--out", filepath.Join(dir, "a.zip")}, "nope"},
		{[]string{"pack", "export", "--period", "2026", "--out", exists}, "exists.zip"},
		{[]string{"pack", "verify"}, "one pack file"},
		{[]string{"pack", "verify", filepath.Join(dir, "missing.zip")}, "missing.zip"},
		{[]string{"pack", "verify", exists, "--key", "not a key"}, "--key"},
	}
	for _, c := range cases {
		code, _, errs := cli(t, env, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming %q", c.args, code, errs, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "a.zip")); err == nil {
		t.Errorf("a refused export left a file behind")
	}
	// Not a zip at all is a failed check (exit 1), not bad usage.
	code, stdout, _ := cli(t, env, "pack", "verify", exists)
	if code != 1 || !strings.Contains(stdout, pack.Unreadable) {
		t.Errorf("verify of a non-zip: exit %d\n%s", code, stdout)
	}
}

func TestPackVerifyNamesAddedFile(t *testing.T) {
	env, from, to := smallPackEnv(t)
	out := filepath.Join(t.TempDir(), "pack.zip")
	if code, o, e := cli(t, env, "pack", "export", "--from", from, "--to", to, "--out", out); code != 0 {
		t.Fatalf("export: %s%s", o, e)
	}
	// Append an entry the way a careless or malicious hand would.
	b, _ := os.ReadFile(out)
	zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		zw.Copy(f)
	}
	w, _ := zw.Create("evidence/sha256/extra-notes.txt")
	w.Write([]byte("not from the ledger"))
	zw.Close()
	tampered := filepath.Join(t.TempDir(), "tampered.zip")
	os.WriteFile(tampered, buf.Bytes(), 0o644)
	code, stdout, errs := cli(t, env, "pack", "verify", tampered)
	if code != 1 || !strings.Contains(stdout, "FAIL extra file: evidence/sha256/extra-notes.txt") || !strings.Contains(errs, "failed verification") {
		t.Errorf("verify of a pack with an added file: exit %d\n%s%s", code, stdout, errs)
	}
}

// smallPackEnv is a data directory with the example program and a few
// evidence files added through the CLI.
func smallPackEnv(t *testing.T) (map[string]string, string, string) {
	t.Helper()
	env := map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "data"), "EVIDENT_ACTOR": "ciso@example.eu"}
	for _, args := range [][]string{{"init", "--name", "Example QTSP"}, {"apply", "-f", filepath.Join("..", "..", "examples", "qtsp")}} {
		if code, out, errs := cli(t, env, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	f := filepath.Join(t.TempDir(), "minutes.txt")
	os.WriteFile(f, []byte("review minutes"), 0o644)
	now := time.Now().UTC()
	code, out, errs := cli(t, env, "evidence", "add", f, "--control", firstControl(t, env))
	if code != 0 {
		t.Fatalf("evidence add: %s%s", out, errs)
	}
	return env, now.AddDate(0, 0, -1).Format("2006-01-02"), now.AddDate(0, 0, 1).Format("2006-01-02")
}

func firstControl(t *testing.T, env map[string]string) string {
	t.Helper()
	code, out, errs := cli(t, env, "list", "controls", "--json")
	if code != 0 {
		t.Fatalf("list controls: %s", errs)
	}
	var cs []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &cs); err != nil || len(cs) == 0 {
		t.Fatalf("list controls --json: %v\n%.300s", err, out)
	}
	return cs[0].ID
}

// TestPackVerifyPrevious: pack export --previous puts the proof that the
// log grew into the new pack; pack verify --previous accepts it, and
// fails (exit 1) on the old pack presented as the newer one, naming the
// rollback with both tree sizes.
func TestPackVerifyPrevious(t *testing.T) {
	env, from, to := smallPackEnv(t)
	dir := t.TempDir()
	old, next := filepath.Join(dir, "old.zip"), filepath.Join(dir, "next.zip")
	if code, o, e := cli(t, env, "pack", "export", "--from", from, "--to", to, "--out", old); code != 0 {
		t.Fatalf("export: %s%s", o, e)
	}
	f := filepath.Join(t.TempDir(), "more.txt")
	os.WriteFile(f, []byte("more minutes"), 0o644)
	if code, o, e := cli(t, env, "evidence", "add", f, "--control", firstControl(t, env)); code != 0 {
		t.Fatalf("evidence add: %s%s", o, e)
	}
	if code, o, e := cli(t, env, "pack", "export", "--from", from, "--to", to, "--out", next, "--previous", old); code != 0 {
		t.Fatalf("export --previous: exit %d\n%s%s", code, o, e)
	}
	bare := map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "nothing-here")}
	code, stdout, errs := cli(t, bare, "pack", "verify", next, "--previous", old)
	if code != 0 || !strings.Contains(stdout, "Previous pack") || !strings.Contains(stdout, "OK "+next) {
		t.Fatalf("verify --previous: exit %d\n%s%s", code, stdout, errs)
	}
	var ro, rn pack.Report
	for _, x := range []struct {
		name string
		r    *pack.Report
	}{{old, &ro}, {next, &rn}} {
		_, js, _ := cli(t, bare, "pack", "verify", x.name, "--json")
		if err := json.Unmarshal([]byte(js), x.r); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, errs = cli(t, bare, "pack", "verify", old, "--previous", next)
	want := fmt.Sprintf("FAIL rollback: %s: the previous pack %s has a tree of size %d", pack.ManifestName, rn.Pack, rn.FinalSize)
	if code != 1 || !strings.Contains(stdout, want) || !strings.Contains(stdout, fmt.Sprintf("size %d, root %s", ro.FinalSize, ro.FinalRoot)) {
		t.Errorf("verify of the old pack after the new one: exit %d, want 1 with %q and the old tree\n%s%s", code, want, stdout, errs)
	}
	// Another ledger's pack is no previous pack of this one: export
	// refuses it, naming the key.
	other, ofrom, oto := smallPackEnv(t)
	foreign := filepath.Join(dir, "foreign.zip")
	if code, o, e := cli(t, other, "pack", "export", "--from", ofrom, "--to", oto, "--out", foreign); code != 0 {
		t.Fatalf("export of the other ledger: %s%s", o, e)
	}
	if code, _, errs := cli(t, env, "pack", "export", "--from", from, "--to", to, "--out", filepath.Join(dir, "x.zip"), "--previous", foreign); code != 1 || !strings.Contains(errs, "--previous") || !strings.Contains(errs, "untrusted key") {
		t.Errorf("export --previous FOREIGN: exit %d, want 1 naming --previous and the key\n%s", code, errs)
	}
	// A --previous that is not a pack fails; a missing one is bad input.
	if code, _, errs := cli(t, bare, "pack", "verify", next, "--previous", f); code != 1 || !strings.Contains(errs, "--previous") {
		t.Errorf("verify --previous NOT-A-PACK: exit %d, want 1 naming --previous\n%s", code, errs)
	}
	if code, _, errs := cli(t, bare, "pack", "verify", next, "--previous", filepath.Join(dir, "absent.zip")); code != 2 || !strings.Contains(errs, "--previous") {
		t.Errorf("verify --previous ABSENT: exit %d, want 2 naming --previous\n%s", code, errs)
	}
}
