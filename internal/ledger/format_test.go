package ledger

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident"
)

var update = flag.Bool("update", false, "rewrite testdata/v1 (only when adding a record to the frozen set)")

// frozenRecords are the version 1 records whose leaves are frozen in
// testdata/v1. They cover every evidence field and an audit record.
func frozenRecords() ([]evident.Record, []evident.Evidence) {
	at := time.Date(2026, 7, 1, 9, 30, 0, 123456000, time.UTC)
	d1, _ := evident.ParseDigest("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
	d2, _ := evident.ParseDigest("60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752")
	full := evident.Evidence{
		ID: "01900000-0000-7000-8000-000000000001", Kind: evident.RawEvidence, Digest: d1, Size: 4, MediaType: "application/xml",
		Filename: "nmap-ca-core.xml", Actor: "collector:nmap@scanner-01", ReceivedAt: at,
		Effective:    evident.Effective{From: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)},
		Controls:     []string{"vuln-scan-quarterly"},
		Requirements: []evident.RequirementRef{{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.8-14"}},
		Services:     []string{"qualified-certificates"}, Systems: []evident.SystemVersion{{Name: "ca-issuing", Version: "4.2.1"}},
		About:     []string{"change/CHG-12"},
		Source:    evident.EvidenceSource{Tool: "nmap", Version: "7.94", Host: "scanner-01", Command: "nmap -sV -oX - 10.0.0.0/24", Importer: "nmap"},
		Performer: &evident.EvidencePerformer{Name: "Acme Pentest GmbH", Independent: true, Competence: "01900000-0000-7000-8000-000000000000"},
	}
	derived := evident.Evidence{
		ID: "01900000-0000-7000-8000-000000000002", Kind: evident.DerivedEvidence, Digest: d2, Size: 5, MediaType: "application/json",
		Actor: "importer:nmap", ReceivedAt: at.Add(time.Second), Effective: evident.Effective{From: at},
		Controls: []string{"vuln-scan-quarterly"}, Supersedes: "01900000-0000-7000-8000-000000000000",
		DerivedFrom: []string{full.ID}, Verdict: evident.VerdictFail, Detail: json.RawMessage(`{"open_ports":3,"unexpected":["tcp/23"]}`),
	}
	var recs []evident.Record
	for _, e := range []evident.Evidence{full, derived} {
		r, err := e.Record()
		if err != nil {
			panic(err)
		}
		recs = append(recs, r)
	}
	recs = append(recs, evident.Record{Kind: "program.apply", ID: "program", Actor: "alice@example.org", At: at.Add(2 * time.Second),
		Body: json.RawMessage(`{"changes":2}`)})
	return recs, []evident.Evidence{full, derived}
}

// TestLeafFormatIsFrozen fails if this build would write, hash or read a
// version 1 leaf differently from the leaves in testdata/v1, which would
// make every ledger written so far fail to verify.
func TestLeafFormatIsFrozen(t *testing.T) {
	recs, evs := frozenRecords()
	dir := filepath.Join("testdata", "v1")
	if *update {
		writeFrozen(t, dir, recs)
	}
	var tree memTree
	for i, rec := range recs {
		got, err := rec.Canonical()
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%d.leaf", i)))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("leaf %d encodes differently:\n got %s\nwant %s", i, got, want)
		}
		hs, _ := tlog.StoredHashes(int64(i), want, tree)
		tree = append(tree, hs...)
		back, err := evident.ParseRecord(want)
		if err != nil {
			t.Fatalf("leaf %d: %v", i, err)
		}
		if i < len(evs) {
			e, err := evident.EvidenceFromRecord(back)
			if err != nil {
				t.Fatalf("leaf %d: %v", i, err)
			}
			if diff := cmp.Diff(evs[i], e); diff != "" {
				t.Errorf("leaf %d decodes differently (-want +got):\n%s", i, diff)
			}
		}
	}
	root, _ := tlog.TreeHash(int64(len(recs)), tree)
	cp, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
	vkey, _ := os.ReadFile(filepath.Join(dir, "ledger.pub"))
	v, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := OpenCheckpoint(cp, v)
	if err != nil {
		t.Fatal(err)
	}
	if c.Size != int64(len(recs)) || c.Root != root {
		t.Errorf("frozen checkpoint (size %d, root %s) does not match the recomputed tree (size %d, root %s)", c.Size, c.Root, len(recs), root)
	}
}

func writeFrozen(t *testing.T, dir string, recs []evident.Record) {
	os.MkdirAll(dir, 0o755)
	var tree memTree
	for i, rec := range recs {
		b, _ := rec.Canonical()
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.leaf", i)), b, 0o644)
		hs, _ := tlog.StoredHashes(int64(i), b, tree)
		tree = append(tree, hs...)
	}
	root, _ := tlog.TreeHash(int64(len(recs)), tree)
	skey, vkey, _ := note.GenerateKey(nil, "evident.ledger/frozen-v1")
	s, _ := note.NewSigner(skey)
	cp, _ := note.Sign(&note.Note{Text: CheckpointBody(s.Name(), int64(len(recs)), root)}, s)
	os.WriteFile(filepath.Join(dir, "checkpoint"), cp, 0o644)
	os.WriteFile(filepath.Join(dir, "ledger.pub"), []byte(vkey+"\n"), 0o644)
}
