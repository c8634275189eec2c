package evident

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// leafSeeds are leaves as the program writes them, and the same leaves
// bent out of the canonical shape, which the scanner must give up on or
// read exactly as encoding/json does.
func leafSeeds(t testing.TB) [][]byte {
	e := Evidence{
		ID: "ev-1", Kind: "file", Digest: Digest{1, 2, 3}, Size: 8192, MediaType: "text/plain", Filename: "scan é.txt",
		Actor: "alice", ReceivedAt: time.Date(2026, 3, 1, 10, 0, 0, 5, time.UTC),
		Effective: Effective{From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
		Controls:  []string{"c-1", "c-2"}, Services: []string{"qes"}, About: []string{"host <a> & b"},
		Source:    EvidenceSource{Tool: "nmap", Version: "7.94", Importer: "nmap"},
		Performer: &EvidencePerformer{Name: "Bob", Independent: true}, Supersedes: "ev-0", DerivedFrom: []string{"ev-0"},
		Verdict: "pass", Detail: json.RawMessage(`{"findings":[1,2.5e-3,-0,true,null,"x\"y\u00e9"],"n":{}}`),
	}
	var out [][]byte
	for _, ev := range []Evidence{e, {ID: "ev-2", Kind: "file", Digest: Digest{9}, Size: 1, MediaType: "application/octet-stream",
		Actor: "bob", ReceivedAt: e.ReceivedAt, Effective: Effective{From: e.Effective.From}}} {
		r, err := ev.Record()
		if err != nil {
			t.Fatal(err)
		}
		r.Origin = "cli:alice@host"
		b, err := r.Canonical()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b, r.Body)
	}
	return append(out,
		[]byte(`{"v":1,"kind":"user.add","id":"u","actor":"a","at":"2026-01-01T00:00:00Z","body":{}}`),
		[]byte(`{"v":1, "kind":"x","id":"u","actor":"a","at":"2026-01-01T00:00:00Z","body":{}}`),
		[]byte(`{"v":1,"kind":"x","id":"u","actor":"a","at":"2026-01-01T00:00:00Z","body":{"a":1}}x`),
		[]byte(`{"v":01,"kind":"x","id":"u","actor":"a","at":"2026-01-01T00:00:00Z","body":{}}`),
		[]byte(`{"v":1,"kind":"x","id":"u\u0041","actor":"a","at":"2026-01-01T00:00:00Z","body":{"a":[}}`),
		[]byte(`{"v":1,"kind":"x","id":"\xff","actor":"a","at":"2026-01-01T00:00:00Z","body":{}}`),
		[]byte(`{"id":"e","kind":"file","size":1e3}`),
		[]byte(`{"id":"e","ID":"f"}`),
		[]byte(`{"kind":"file","id":"e"}`),
		[]byte(`{"id":"e","controls":[]}`),
		[]byte(`{"id":"e","source":null,"detail":null}`),
		[]byte(`{"id":"e","performer":{"name":"x","independent":"yes"}}`),
	)
}

// checkScan fails when the scanner read b and got other than
// encoding/json.
func checkScan(t *testing.T, b []byte) {
	if got, ok := scanRecord(b); ok {
		var want canonicalRecord
		if err := json.Unmarshal(b, &want); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("scanRecord(%s) = %+v, encoding/json %+v, %v", b, got, want, err)
		}
	}
	if got, ok := scanEvidenceLeaf(b); ok {
		var want evidenceLeaf
		if err := json.Unmarshal(b, &want); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("scanEvidenceLeaf(%s) = %+v, encoding/json %+v, %v", b, got, want, err)
		}
	}
	// What readiness reads of a body is encoding/json's, error or not.
	got, gotErr := ScopeOfEvidenceBody(b)
	var want EvidenceScope
	wantErr := json.Unmarshal(b, &want)
	if (gotErr == nil) != (wantErr == nil) || gotErr == nil && !reflect.DeepEqual(got, want) {
		t.Errorf("ScopeOfEvidenceBody(%s) = %+v, %v; encoding/json %+v, %v", b, got, gotErr, want, wantErr)
	}
}

// TestLeafScannerReadsWhatEncodingJSONReads checks the canonical leaves
// are read by the scanner itself, and that it reads nothing differently
// from encoding/json.
func TestLeafScannerReadsWhatEncodingJSONReads(t *testing.T) {
	seeds := leafSeeds(t)
	if _, ok := scanRecord(seeds[0]); !ok {
		t.Errorf("the scanner gave up on a canonical evidence leaf: %s", seeds[0])
	}
	if _, ok := scanEvidenceLeaf(seeds[1]); !ok {
		t.Errorf("the scanner gave up on a canonical evidence body: %s", seeds[1])
	}
	for _, b := range seeds {
		checkScan(t, b)
	}
}

// FuzzLeafScanner checks on any input that whatever the scanner reads,
// encoding/json reads the same.
func FuzzLeafScanner(f *testing.F) {
	for _, b := range leafSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(checkScan)
}

// BenchmarkScopeOfEvidenceBody reads the scope of a body as the program
// writes it for an imported verdict, against encoding/json reading the
// same three fields (sub-benchmark "encoding/json").
func BenchmarkScopeOfEvidenceBody(b *testing.B) {
	body := []byte(`{"id":"01902e01-fa80-7580-a9db-77bff8d17e21","kind":"derived","sha256":"fad6572013f46595a2b7bc82acb94ec8a6f144d520c5a5c7a2bc8dae21a01a8d","size":2048,"media_type":"text/plain","filename":"chrony.txt","effective_from":"2024-06-06T18:08:51Z","controls":["ctl-188"],"systems":["ca1@2.1"],"source":{"tool":"chronyc","host":"ca1"},"derived_from":["01902e01-fa80-7580-a9db-77bff8d17e21"],"verdict":"pass"}`)
	b.Run("scanner", func(b *testing.B) {
		for b.Loop() {
			if sc, err := ScopeOfEvidenceBody(body); err != nil || len(sc.Systems) != 1 {
				b.Fatal(sc, err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			var sc EvidenceScope
			if err := json.Unmarshal(body, &sc); err != nil || len(sc.Systems) != 1 {
				b.Fatal(sc, err)
			}
		}
	})
}

// The scope scanner's keys are evidenceLeaf's, in its order: a field
// added to the leaf must be added to both, or bodies with it would all
// be read by encoding/json.
func TestEvidenceKeysAreTheLeafsInOrder(t *testing.T) {
	typ := reflect.TypeFor[evidenceLeaf]()
	if typ.NumField() != len(evidenceKeys) {
		t.Fatalf("evidenceLeaf has %d fields, evidenceKeys %d", typ.NumField(), len(evidenceKeys))
	}
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if want := `"` + name + `":`; evidenceKeys[i] != want {
			t.Errorf("evidenceKeys[%d] = %s, want %s", i, evidenceKeys[i], want)
		}
	}
	if sc, ok := scanEvidenceScope(leafSeeds(t)[1]); !ok || sc.Kind != "file" || len(sc.Detail) == 0 {
		t.Errorf("the scope scanner gave up on or misread a canonical body: %+v, %v", sc, ok)
	}
}
