package pack

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
)

// section returns the lines of VERIFY.md between <!-- name --> and
// <!-- /name -->.
func section(t *testing.T, name string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(verifyMD, "<!-- "+name+" -->\n")
	body, _, ok2 := strings.Cut(rest, "<!-- /"+name+" -->")
	if !ok || !ok2 {
		t.Fatalf("VERIFY.md has no section %q", name)
	}
	return strings.Split(strings.TrimSpace(body), "\n")
}

var backticked = regexp.MustCompile("`([^`]+)`")

// documented returns the field names a field list documents: the
// backticked names before each bullet's first colon.
func documented(t *testing.T, name string) []string {
	t.Helper()
	var out []string
	for _, l := range section(t, "fields:"+name) {
		head, _, ok := strings.Cut(strings.TrimPrefix(l, "- "), ": ")
		if !strings.HasPrefix(l, "- ") || !ok {
			t.Fatalf("VERIFY.md fields:%s: line %q is not \"- `field`: meaning\"", name, l)
		}
		for _, m := range backticked.FindAllStringSubmatch(head, -1) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// jsonFields returns the JSON names of a struct type's fields.
func jsonFields(typ reflect.Type) []string {
	var out []string
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// jsonKeys returns the keys of a JSON object, in order.
func jsonKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var out []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestVerifyMDFieldListsMatchTheCode: every field VERIFY.md documents is
// one the code writes, and every field the code writes is documented, so
// an independent verifier built from the document sees the same pack.
func TestVerifyMDFieldListsMatchTheCode(t *testing.T) {
	types := map[string]reflect.Type{
		"Manifest": reflect.TypeFor[Manifest](), "Program": reflect.TypeFor[Program](), "Scope": reflect.TypeFor[Scope](),
		"Item": reflect.TypeFor[Item](), "Boundary": reflect.TypeFor[Boundary](), "Previous": reflect.TypeFor[Previous](),
		"Checkpoint": reflect.TypeFor[Checkpoint](), "Consistency": reflect.TypeFor[Consistency](), "Final": reflect.TypeFor[Final](),
		"Coverage": reflect.TypeFor[Coverage](), "ScheduleFacts": reflect.TypeFor[ScheduleFacts](), "Window": reflect.TypeFor[Window](),
		"Acceptance": reflect.TypeFor[Acceptance](), "Exception": reflect.TypeFor[evident.Exception](),
		"Change": reflect.TypeFor[evident.Change](), "EvidenceRef": reflect.TypeFor[EvidenceRef](),
		"Document": reflect.TypeFor[Document](),
	}
	for name, typ := range types {
		if got, want := documented(t, name), jsonFields(typ); !slices.Equal(got, want) {
			t.Errorf("VERIFY.md documents %s fields %v; the code writes %v", name, got, want)
		}
	}
	// The leaf encoding, every optional field set: its keys, in order.
	leaf, err := evident.Record{Kind: "k", ID: "i", Actor: "a", At: year2026, Body: json.RawMessage(`{}`), Origin: "cli:u@h"}.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, l := range section(t, "fields:Record") {
		order = append(order, backticked.FindStringSubmatch(l)[1])
	}
	if got := jsonKeys(t, leaf); !slices.Equal(order, got) {
		t.Errorf("VERIFY.md documents leaf keys %v; a leaf has %v", order, got)
	}
	// An evidence leaf's body with every field the code can write.
	ref, err := evident.ParseRequirementRef("EN319401@3.2.1:REQ-7.8-14", "", "")
	if err != nil {
		t.Fatal(err)
	}
	ev := evident.Evidence{ID: "e", Kind: evident.DerivedEvidence, Size: 1, MediaType: "text/plain", Filename: "f",
		Effective: evident.Effective{From: year2026, To: year2027}, Controls: []string{"c"}, Requirements: []evident.RequirementRef{ref},
		Services: []string{"s"}, Systems: []evident.SystemVersion{{Name: "n", Version: "1"}}, About: []string{"x"},
		Source: evident.EvidenceSource{Tool: "t"}, Performer: &evident.EvidencePerformer{Name: "p"}, Supersedes: "o",
		DerivedFrom: []string{"r"}, Verdict: evident.VerdictPass, Detail: json.RawMessage(`{}`), Actor: "a", ReceivedAt: year2026}
	rec, err := ev.Record()
	if err != nil {
		t.Fatal(err)
	}
	body := jsonKeys(t, rec.Body)
	slices.Sort(body)
	if got := documented(t, "EvidenceBody"); !slices.Equal(got, body) {
		t.Errorf("VERIFY.md documents evidence body fields %v; the code writes %v", got, body)
	}
}

// TestVerifyMDLimitsMatchTheCode: the documented limits are the ones
// pack verify applies.
func TestVerifyMDLimitsMatchTheCode(t *testing.T) {
	want := map[string]float64{"max_entry": float64(DefaultLimits.MaxEntry), "max_total": float64(DefaultLimits.MaxTotal),
		"max_meta": float64(DefaultLimits.MaxMeta), "max_small": float64(DefaultLimits.MaxSmall), "max_ratio": DefaultLimits.MaxRatio,
		"ratio_floor": RatioFloor, "max_period": MaxPeriod.Seconds()}
	got := map[string]float64{}
	re := regexp.MustCompile("^- `([a-z_]+)`: ([0-9]+)")
	for _, l := range section(t, "limits") {
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("VERIFY.md limits: line %q is not \"- `name`: number\"", l)
		}
		n, _ := strconv.ParseFloat(m[2], 64)
		got[m[1]] = n
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("VERIFY.md documents limits %v; the code has %v", got, want)
	}
}

// anchoredChain exports January, anchors a checkpoint in February, and
// exports February linked to January with the TSA roots: a pack with an
// entry of every kind VERIFY.md lists.
func anchoredChain(t *testing.T) []byte {
	t.Helper()
	feb, mar := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f := newFixtureUntil(t, sqliteStore(t), mar)
	f.clock.Set(time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC))
	jan, _ := exportPeriod(t, f, year2026, feb, nil)
	url, roots, rootsPEM := startTSA(t)
	f.clock.Set(time.Date(2026, 2, 21, 0, 0, 0, 0, time.UTC))
	if _, err := f.led.Anchor(context.Background(), "alice@ops", ledger.TSA{URL: url, Roots: roots}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	f.src.TSARoots = rootsPEM
	// With a finding, so the optional findings register is written too.
	var buf bytes.Buffer
	man, err := Export(context.Background(), f.src, Options{From: feb, To: mar, Actor: "alice@ops", Now: f.clock.Now(), Previous: headOf(t, jan),
		Findings: []AssessmentFinding{{ID: "obs-1", Kind: "observation", Requirements: []string{}, Text: "noted", Status: "open"}}}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if man.Previous == nil || man.Previous.Path == "" || !slices.ContainsFunc(man.Checkpoints, func(c Checkpoint) bool { return c.Anchor != "" }) {
		t.Fatalf("the February pack has no link or no anchor: %+v", man.Previous)
	}
	if r := verifyBytes(t, b); !r.OK || r.Anchors != 1 {
		t.Fatalf("the February pack: ok %v, %d anchors\n%s", r.OK, r.Anchors, problems(r))
	}
	return b
}

// TestVerifyMDCompressionMatchesThePack: each entry of a real pack is
// stored or deflated as the table says, and each row of the table names
// entries the pack has.
func TestVerifyMDCompressionMatchesThePack(t *testing.T) {
	type row struct {
		re     *regexp.Regexp
		method uint16
		seen   bool
	}
	var rows []*row
	for _, l := range section(t, "methods")[2:] {
		cells := strings.Split(strings.Trim(l, "| "), " | ")
		name := strings.Trim(cells[0], "`")
		pat := "^" + regexp.MustCompile(`<[a-z]+>`).ReplaceAllString(regexp.QuoteMeta(name), "[^/]+") + "$"
		method := map[string]uint16{"stored": zip.Store, "deflated": zip.Deflate}[cells[1]]
		if cells[1] != "stored" && cells[1] != "deflated" {
			t.Fatalf("VERIFY.md methods: %q is neither stored nor deflated", cells[1])
		}
		rows = append(rows, &row{re: regexp.MustCompile(pat), method: method})
	}
	b := anchoredChain(t)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		i := slices.IndexFunc(rows, func(r *row) bool { return r.re.MatchString(f.Name) })
		if i < 0 {
			t.Errorf("entry %s is in no row of VERIFY.md's table", f.Name)
			continue
		}
		rows[i].seen = true
		if f.Method != rows[i].method {
			t.Errorf("entry %s has zip method %d; VERIFY.md says %d", f.Name, f.Method, rows[i].method)
		}
	}
	for _, r := range rows {
		if !r.seen {
			t.Errorf("VERIFY.md lists %s, which the pack does not have", r.re)
		}
	}
}

// TestVerifyMDOpenSSLCommand runs the documented openssl command on the
// anchor of a real pack, unzipped: it passes, and fails once the
// checkpoint it stamps is changed.
func TestVerifyMDOpenSSLCommand(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatalf("openssl is needed to run the command VERIFY.md documents: %v", err)
	}
	cmd := strings.TrimSpace(section(t, "openssl")[0])
	b := anchoredChain(t)
	dir := t.TempDir()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	size := ""
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		buf.ReadFrom(rc)
		rc.Close()
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if s, ok := strings.CutSuffix(strings.TrimPrefix(f.Name, "checkpoints/"), ".tsr"); ok {
			size = s
		}
	}
	run := func() (string, error) {
		c := exec.Command("sh", "-c", strings.ReplaceAll(cmd, "<size>", size))
		c.Dir = dir
		out, err := c.CombinedOutput()
		return string(out), err
	}
	if out, err := run(); err != nil || !strings.Contains(out, "Verification: OK") {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	cp := filepath.Join(dir, "checkpoints", size+".checkpoint")
	data, _ := os.ReadFile(cp)
	os.WriteFile(cp, append(data, '\n'), 0o644)
	if out, err := run(); err == nil || strings.Contains(out, "Verification: OK") {
		t.Errorf("the documented command passes on a changed checkpoint:\n%s", out)
	}
}
