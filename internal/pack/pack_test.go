package pack

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

func sqliteStore(t testing.TB) func(now func() time.Time) *sqlstore.Store {
	return func(now func() time.Time) *sqlstore.Store { return storetest.SQLite(t, now) }
}

// The year pack is built once and shared by the tests that only read it:
// building a year of evidence is most of this package's test time.
var year struct {
	once sync.Once
	pack []byte
	man  *Manifest
	err  string
}

func yearPack(t *testing.T) ([]byte, *Manifest) {
	t.Helper()
	year.once.Do(func() {
		// A sub-test's TempDir would vanish with it; this one lives as
		// long as the test binary.
		dir, err := os.MkdirTemp("", "evident-pack-test-")
		if err != nil {
			year.err = err.Error()
			return
		}
		open := func(now func() time.Time) *sqlstore.Store {
			st, err := sqlstore.Open(context.Background(), filepath.Join(dir, "evident.db"), sqlstore.Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		f := newFixtureWith(t, open, year2027, dir)
		year.pack, year.man = f.export(t)
		f.st.Close()
		os.RemoveAll(dir)
	})
	if year.pack == nil {
		t.Fatalf("building the year pack failed earlier: %s", year.err)
	}
	return year.pack, year.man
}

func TestYearPackVerifies(t *testing.T) {
	b, man := yearPack(t)
	r := verifyBytes(t, b)
	if !r.OK {
		t.Fatalf("the year pack does not verify:\n%s", problems(r))
	}
	// 378 records, and a verdict for each of the 362 clock checks and 3
	// scans. Records: the audit record of the period, each policy
	// review's acceptance, the record of the accepting login, and the
	// program's creation and apply, which the windows are recomputed from.
	if len(man.Acceptances) != 12 {
		t.Errorf("%d acceptances, want one per monthly policy review", len(man.Acceptances))
	}
	if r.Evidence != 743 || r.Records != 4+len(man.Acceptances) || r.Redacted != 0 || r.Checkpoints < 50 || r.Consistency != r.Checkpoints-1 {
		t.Errorf("report: %d evidence, %d records, %d redacted, %d checkpoints, %d consistency proofs", r.Evidence, r.Records, r.Redacted, r.Checkpoints, r.Consistency)
	}
	// The last days of December arrive on 1 January: they are in the
	// pack as evidence of the period, outside the range of its records:
	// the clock checks of 28 to 31 December with their verdicts, and the
	// December policy review.
	inRange, late := 0, 0
	for _, it := range man.Items {
		if it.Index >= man.Records.First && it.Index < man.Records.End {
			inRange++
		} else if it.Received.After(year2027) && it.Kind == evident.EvidenceRecordKind {
			late++
		}
	}
	if inRange != int(man.Records.End-man.Records.First) || late != 9 {
		t.Errorf("records range [%d, %d): %d items in it, %d late evidence items; want all of the range and the 9 records of 28 to 31 December",
			man.Records.First, man.Records.End, inRange, late)
	}
	want := map[string]ControlCoverage{
		"policy-review": {Control: "policy-review", Cadence: "monthly", Expected: 12, Found: 12, Gaps: []string{}},
		"time-sync": {Control: "time-sync", Cadence: "daily", Expected: 365, Found: 361,
			Gaps: []string{"2026-04-10 to 2026-04-10 missed", "2026-04-11 to 2026-04-11 missed", "2026-04-12 to 2026-04-12 missed", "2026-07-20 to 2026-07-20 failing"}},
		"vuln-scan": {Control: "vuln-scan", Cadence: "quarterly", Expected: 4, Found: 3, Gaps: []string{"2026-07-01 to 2026-09-30 missed"}},
	}
	for _, c := range r.Coverage {
		w := want[c.Control]
		if c.Expected != w.Expected || c.Found != w.Found || len(c.Gaps) != len(w.Gaps) || (len(c.Gaps) > 0 && c.Gaps[0] != w.Gaps[0]) {
			t.Errorf("coverage of %s: got %+v, want %+v", c.Control, c, w)
		}
	}
}

func TestServiceScope(t *testing.T) {
	f := newFixtureUntil(t, sqliteStore(t), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	var buf bytes.Buffer
	man, err := Export(context.Background(), f.src, Options{From: year2026, To: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
		Services: []string{"qca"}, Actor: "auditor", Now: f.clock.Now()}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	r := verifyBytes(t, buf.Bytes())
	if !r.OK {
		t.Fatalf("scoped pack does not verify:\n%s", problems(r))
	}
	man = packManifest(t, buf.Bytes(), man)
	// time-sync speaks only for the time-stamping service: the days
	// received in January stay as hashes (1 to 25: four weekly batches,
	// each day's check and its verdict);
	// 26 to 31, received on 1 February, are simply not in the pack. The
	// monthly policy review is program-wide and stays in full.
	if r.Redacted != 50 || r.Evidence != 1 {
		t.Errorf("scoped to qca: %d redacted, %d evidence; want 25 time-sync days and their verdicts redacted and the policy review kept", r.Redacted, r.Evidence)
	}
	for _, c := range man.Coverage {
		if c.Control == "time-sync" {
			t.Errorf("the scoped pack judges time-sync, a control of another service")
		}
	}
	for _, it := range man.Items {
		if it.Redacted && (it.ID != "" || it.Path != "") {
			t.Errorf("redacted item %d shows its id or blob", it.Index)
		}
	}
}

func TestExportBothDialects(t *testing.T) {
	opens := map[string]func(t *testing.T) func(now func() time.Time) *sqlstore.Store{
		"sqlite": func(t *testing.T) func(now func() time.Time) *sqlstore.Store { return sqliteStore(t) },
		"postgres": func(t *testing.T) func(now func() time.Time) *sqlstore.Store {
			return func(now func() time.Time) *sqlstore.Store { return storetest.Postgres(t, now) }
		},
	}
	for name, open := range opens {
		t.Run(name, func(t *testing.T) {
			f := newFixtureUntil(t, open(t), time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC))
			var buf bytes.Buffer
			if _, err := Export(context.Background(), f.src, Options{From: year2026, To: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
				Now: f.clock.Now()}, &buf); err != nil {
				t.Fatal(err)
			}
			// 14 days of time-sync with their verdicts; no policy review
			// before the 28th.
			if r := verifyBytes(t, buf.Bytes()); !r.OK || r.Evidence != 28 {
				t.Errorf("ok %v, %d evidence, want 28\n%s", r.OK, r.Evidence, problems(r))
			}
		})
	}
}

func TestExportRefusesBadOptions(t *testing.T) {
	f := newFixtureUntil(t, sqliteStore(t), year2026.AddDate(0, 0, 2))
	cases := []struct {
		opt   Options
		field string
	}{
		{Options{To: year2027}, "--from"},
		{Options{From: year2026}, "--to"},
		{Options{From: year2027, To: year2026}, "--to"},
		{Options{From: year2026, To: year2027, Services: []string{"qca", "nope"}}, "--services"},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		_, err := Export(context.Background(), f.src, c.opt, &buf)
		if evident.ErrorCode(err) != evident.EINVALID || !bytes.Contains([]byte(evident.ErrorMessage(err)), []byte(c.field)) {
			t.Errorf("%+v: got %v, want EINVALID naming %s", c.opt, err, c.field)
		}
		if buf.Len() != 0 {
			t.Errorf("%+v: refused, yet %d bytes were written", c.opt, buf.Len())
		}
	}
	src := f.src
	src.Signer = nil
	if _, err := Export(context.Background(), src, Options{From: year2026, To: year2027}, &bytes.Buffer{}); evident.ErrorCode(err) != evident.EINVALID {
		t.Errorf("export without the signing key: %v, want EINVALID", err)
	}
}

var writeFrozen = flag.Bool("write-frozen", false, "write the frozen pack of the current format, testdata/2026-q1-v<N>.zip (once per format version; never rewrite an older one)")

// frozenPacks are packs written by each format version: an assessor may
// check a pack years after it was made, so each must keep verifying.
var frozenPacks = map[string]struct {
	file     string
	evidence int
}{
	// 90 days of time-sync, 3 policy reviews, the February scan.
	FormatV1: {"2026-q1.zip", 94},
	// The same days, written once importers' verdicts were recorded beside
	// the clock checks and the scan: 180 + 3 + 2.
	FormatV2: {"2026-q1-v2.zip", 185},
	// The same quarter, with the registers and the report.
	Format: {"2026-q1-v3.zip", 185},
}

// TestFrozenPackVerifies keeps a pack written by each format version
// verifying.
func TestFrozenPackVerifies(t *testing.T) {
	if *writeFrozen {
		f := newFixtureUntil(t, sqliteStore(t), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
		var buf bytes.Buffer
		if _, err := Export(context.Background(), f.src, Options{From: year2026, To: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
			Actor: "alice@ops", Now: f.clock.Now()}, &buf); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", frozenPacks[Format].file), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, format := range Formats {
		path := filepath.Join("testdata", frozenPacks[format].file)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		r := verifyBytes(t, b)
		if !r.OK || r.Format != format {
			t.Fatalf("%s (%s) no longer verifies:\n%s", path, r.Format, problems(r))
		}
		if r.Evidence != frozenPacks[format].evidence || r.Program != "Pack Test QTSP" || len(r.Coverage) != 3 {
			t.Errorf("%s: %d evidence, program %q", path, r.Evidence, r.Program)
		}
	}
}

func TestExportIsInTheAuditTrail(t *testing.T) {
	f := newFixtureUntil(t, sqliteStore(t), year2026.AddDate(0, 0, 3))
	_, man := f.export(t)
	var found bool
	err := f.st.Read(context.Background(), func(tx *sqlstore.Tx) error {
		n, err := tx.LedgerSize(context.Background())
		if err != nil {
			return err
		}
		leaves, err := tx.LedgerLeaves(context.Background(), n-1, n)
		if err != nil {
			return err
		}
		rec, err := evident.ParseRecord(leaves[0].Data)
		found = err == nil && rec.Kind == ExportRecordKind && rec.ID == man.ID && rec.Actor == "alice@ops"
		return err
	})
	if err != nil || !found {
		t.Errorf("the last ledger record is not the export of pack %s by alice@ops (%v)", man.ID, err)
	}
}
