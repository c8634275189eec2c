package pack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/ledger/ledgertest"
	"github.com/evidenthq/evident/internal/program"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// clock is a settable clock for the store: the fixture moves it through
// the year as evidence arrives.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// fixture is a program with a year of evidence, ready to export.
type fixture struct {
	st       *sqlstore.Store
	led      *ledger.Ledger
	clock    *clock
	src      Source
	signer   note.Signer
	verifier note.Verifier
	key      string
}

var (
	year2026 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	year2027 = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
)

// newFixture applies testdata/program and records 2026 for it, with
// deliberate gaps: time-sync misses 10 to 12 April and fails on 20 July;
// the third-quarter scan never happens. An incident in June.
func newFixture(t testing.TB, open func(now func() time.Time) *sqlstore.Store) *fixture {
	return newFixtureUntil(t, open, year2027)
}

// newFixtureUntil is newFixture with evidence only up to until.
func newFixtureUntil(t testing.TB, open func(now func() time.Time) *sqlstore.Store, until time.Time) *fixture {
	return newFixtureWith(t, open, until, t.TempDir())
}

// newFixtureWith is newFixtureUntil with the blob directory given.
func newFixtureWith(t testing.TB, open func(now func() time.Time) *sqlstore.Store, until time.Time, dir string) *fixture {
	t.Helper()
	return newFixtureKeyed(t, open, until, dir, nil)
}

// newFixtureKeyed is newFixtureWith signing with keyOf's ledger key when
// keyOf is set: a second store of one ledger, as a restored old copy is.
func newFixtureKeyed(t testing.TB, open func(now func() time.Time) *sqlstore.Store, until time.Time, dir string, keyOf *fixture) *fixture {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2025, 12, 15, 9, 0, 0, 0, time.UTC)}
	st := open(clk.Now)
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	var all []evident.Requirement
	for _, v := range cat.Versions() {
		reqs, err := cat.Requirements(v.Number)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, reqs...)
	}
	if _, err := st.SyncCatalog(ctx, all); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateProgram(ctx, evident.Program{Name: "Pack Test QTSP", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "alice@ops"}); err != nil {
		t.Fatal(err)
	}
	m, err := program.Load("testdata/program", cat)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := program.Apply(ctx, st, m, "alice@ops"); err != nil {
		t.Fatal(err)
	}
	lt := ledgertest.Open(t, st, "evident.ledger/pack-test-qtsp", filepath.Join(dir, "blobs"))
	if keyOf != nil {
		lt.Ledger = ledger.Open(st, lt.Blobs, keyOf.signer, keyOf.verifier)
		lt.Signer, lt.Verifier, lt.Key = keyOf.signer, keyOf.verifier, keyOf.key
	}
	f := &fixture{st: st, led: lt.Ledger, clock: clk, signer: lt.Signer, verifier: lt.Verifier, key: lt.Key}
	if err := st.CreateUser(ctx, evident.User{Name: "carol", Role: evident.RoleComplianceManager}, "", "admin"); err != nil {
		t.Fatal(err)
	}
	f.src = Source{Ledger: f.led, Signer: lt.Signer, Key: lt.Key, Catalog: cat}
	f.year(t, until)
	return f
}

// importSystems are the controls of testdata/program verified by import,
// with the system each one's checks speak for.
var importSystems = map[string]string{"time-sync": "tsa-01", "vuln-scan": "ca-issuing"}

// year adds a year of evidence in weekly batches, as a collector would.
func (f *fixture) year(t testing.TB, until time.Time) {
	t.Helper()
	var batch []ledger.Item
	flush := func(at time.Time) {
		if len(batch) == 0 {
			return
		}
		f.clock.Set(at)
		evs, err := f.led.AddBatch(context.Background(), batch)
		if err != nil {
			t.Fatalf("add batch at %s: %v", at, err)
		}
		batch = nil
		// The scans and clock checks are tool output: only the verdicts an
		// importer derived from them count for their controls.
		var verdicts []ledger.Item
		for _, e := range evs {
			sys, ok := importSystems[e.Controls[0]]
			if !ok {
				continue
			}
			in := ledger.EvidenceInput{Actor: "importer:test", Kind: evident.DerivedEvidence, Effective: e.Effective, Controls: e.Controls,
				Systems: []evident.SystemVersion{{Name: sys, Version: "1"}}, DerivedFrom: []string{e.ID}, Verdict: evident.VerdictPass,
				MediaType: "application/json", Filename: e.Filename + ".verdict.json"}
			verdicts = append(verdicts, ledger.Item{Input: in, Open: func() (io.ReadCloser, error) {
				return io.NopCloser(strings.NewReader(`{"verdict":"pass"}`)), nil
			}})
		}
		if len(verdicts) > 0 {
			if _, err := f.led.AddBatch(context.Background(), verdicts); err != nil {
				t.Fatalf("add verdicts at %s: %v", at, err)
			}
		}
		f.accept(t, evs)
	}
	add := func(control string, eff evident.Effective, body string) {
		in := ledger.EvidenceInput{Actor: "collector:test", Effective: eff, Controls: []string{control},
			Filename: control + "-" + eff.From.Format("2006-01-02") + ".txt", MediaType: "text/plain"}
		if control == "policy-review" {
			// A person's review, submitted by its owner and accepted by
			// the compliance manager (accept).
			in.Actor, in.Detail = "alice", []byte(`{"method":"attestation","attestation":{"by":"alice","statement":"reviewed the security policy"}}`)
		}
		batch = append(batch, ledger.Item{Input: in, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(body)), nil
		}})
	}
	for d := year2026; d.Before(until); d = d.AddDate(0, 0, 1) {
		skip := d.Month() == time.April && d.Day() >= 10 && d.Day() <= 12
		if !skip {
			add("time-sync", evident.Effective{From: d.Add(30 * time.Minute)},
				fmt.Sprintf("Reference ID : C0A80001 (ntp1)\nStratum : 2\nSystem time : 0.%06d seconds fast of NTP time\nLeap status : Normal\n", d.YearDay()))
		}
		if d.Day() == 28 {
			add("policy-review", evident.Effective{From: d.Add(10 * time.Hour)}, "Policy review minutes for "+d.Format("2006-01"))
		}
		if d.Day() == 15 && (d.Month() == time.February || d.Month() == time.May || d.Month() == time.November) {
			add("vuln-scan", evident.Effective{From: d.Add(14 * time.Hour)}, "<nmaprun scanner=\"nmap\" start=\""+d.Format(time.RFC3339)+"\"></nmaprun>")
		}
		if d.Weekday() == time.Sunday {
			flush(d.Add(23 * time.Hour))
		}
		if d.Month() == time.July && d.Day() == 20 {
			flush(d.Add(2 * time.Hour))
			f.clock.Set(d.Add(3 * time.Hour))
			f.failing(t, d)
		}
		if d.Month() == time.June && d.Day() == 3 {
			flush(d.Add(11 * time.Hour))
			f.clock.Set(d.Add(12 * time.Hour))
			_, err := f.st.OpenIncident(context.Background(), evident.Incident{Kind: evident.KindIncident, Title: "TSA clock drift alarm",
				Reporter: "monitoring", AwareAt: d.Add(11 * time.Hour), Services: []string{"qtsa"}}, "alice@ops")
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	flush(until.Add(2 * time.Hour))
	f.clock.Set(until.Add(24 * time.Hour))
}

// accept accepts, as carol, every policy review of a batch.
func (f *fixture) accept(t testing.TB, evs []evident.Evidence) {
	t.Helper()
	for _, e := range evs {
		if e.Controls[0] != "policy-review" {
			continue
		}
		if _, err := f.led.Review(context.Background(), sqlstore.ReviewInput{Evidence: e.ID, Verb: evident.ActAccept, Reviewer: "carol"}); err != nil {
			t.Fatalf("accept %s: %v", e.ID, err)
		}
	}
}

// failing records a chrony import whose verdict fails, derived from the
// day's raw evidence.
func (f *fixture) failing(t testing.TB, d time.Time) {
	t.Helper()
	ctx := context.Background()
	evs, err := f.st.ListEvidence(ctx, sqlstore.EvidenceFilter{Control: "time-sync", From: d, To: d.AddDate(0, 0, 1)})
	if err != nil || len(evs) == 0 {
		t.Fatalf("raw evidence of %s: %v (%d)", d, err, len(evs))
	}
	in := ledger.EvidenceInput{Actor: "importer:chrony", Kind: evident.DerivedEvidence, Effective: evs[0].Effective,
		Controls: []string{"time-sync"}, DerivedFrom: []string{evs[0].ID}, Verdict: evident.VerdictFail,
		Systems: []evident.SystemVersion{{Name: importSystems["time-sync"], Version: "1"}},
		Detail:  []byte(`{"offset_ms":250}`), MediaType: "application/json", Filename: "chrony-verdict.json"}
	if _, err := f.led.AddEvidence(ctx, in, bytes.NewReader([]byte(`{"offset_ms":250}`))); err != nil {
		t.Fatal(err)
	}
}

// export writes the 2026 pack and returns its bytes. Its derived files
// must be the bytes the whole index renders (wholeIndex).
func (f *fixture) export(t testing.TB, services ...string) ([]byte, *Manifest) {
	t.Helper()
	var buf bytes.Buffer
	var whole wholeIndex
	man, err := Export(context.Background(), f.src, Options{From: year2026, To: year2027, Services: services,
		Actor: "alice@ops", Now: f.clock.Now(), rendered: whole.capture}, &buf)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	man = packManifest(t, buf.Bytes(), man)
	whole.check(t, buf.Bytes(), man)
	return buf.Bytes(), man
}

// packManifest is the manifest as written in pack b, checked against the
// counts Export returned with ret: the items live only in the pack.
func packManifest(t testing.TB, b []byte, ret *Manifest) *Manifest {
	t.Helper()
	var man Manifest
	if err := json.Unmarshal(entryOf(t, b, ManifestName), &man); err != nil {
		t.Fatalf("%s: %v", ManifestName, err)
	}
	var c Counts
	for _, it := range man.Items {
		c.add(it)
	}
	if ret.Counts == nil || *ret.Counts != c || len(ret.Items) != 0 {
		t.Fatalf("export returned counts %+v and %d items; the pack's manifest holds %+v", ret.Counts, len(ret.Items), c)
	}
	return &man
}

func verifyBytes(t testing.TB, b []byte) *Report {
	t.Helper()
	r, err := Verify(context.Background(), bytes.NewReader(b), int64(len(b)), VerifyOptions{})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return r
}
