package evident

import (
	"encoding/json"
	"reflect"
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
