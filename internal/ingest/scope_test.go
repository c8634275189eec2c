package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer"
	"github.com/evidenthq/evident/internal/ingest"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// after is the clock of these tests: after every fixture was recorded.
var after = time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)

// counts is what an import leaves behind: ledger leaves, import runs and
// blobs.
func counts(t *testing.T, l *ledger.Ledger) [3]int64 {
	t.Helper()
	ctx := context.Background()
	n, err := l.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := l.Store().ImportRuns(ctx, sqlstore.ImportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var blobs int64
	if err := l.Blobs().Walk(ctx, func(evident.Digest, int64) error { blobs++; return nil }); err != nil {
		t.Fatal(err)
	}
	return [3]int64{n, int64(len(runs)), blobs}
}

func source(name string, b []byte) ingest.Source {
	return ingest.Source{Filename: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }}
}

// The first 3000 bytes of a real nmap scan are refused as truncated, naming
// the file, and nothing is stored: not its records, not its blobs, and not
// those of the good file checked before it in the same batch.
func TestTruncatedScanStoresNothing(t *testing.T) {
	storetest.Each(t, func() time.Time { return after }, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		l := setup(t, st)
		whole := fixture(t, "nmap/three-hosts.xml")
		before := counts(t, l)
		srcs := []ingest.Source{source("baseline.xml", fixture(t, "nmap/baseline.xml")), source("three-hosts.xml", whole[:3000])}
		_, err := ingest.CheckAll(ctx, l, srcs, ingest.Options{Control: "scan", Actor: "scanner", Now: after}, nil)
		if evident.ErrorCode(err) != evident.EINVALID || !strings.HasPrefix(err.Error(), "three-hosts.xml: truncated: ") {
			t.Fatalf("CheckAll = %v, want EINVALID \"three-hosts.xml: truncated: ...\"", err)
		}
		if got := counts(t, l); got != before {
			t.Errorf("leaves, import runs, blobs = %v after the refused batch, want %v", got, before)
		}
		_, err = ingest.Import(ctx, l, bytes.NewReader(whole[:3000]), ingest.Options{Control: "scan", Filename: "three-hosts.xml", Actor: "scanner", Now: after})
		if evident.ErrorCode(err) != evident.EINVALID || counts(t, l) != before {
			t.Errorf("Import of the cut-off scan = %v and stored %v, want EINVALID and nothing stored", err, counts(t, l))
		}
		// The whole file is a scan.
		if _, err := ingest.Import(ctx, l, bytes.NewReader(whole), ingest.Options{Control: "scan", Filename: "three-hosts.xml", Actor: "scanner", Now: after}); err != nil {
			t.Errorf("the whole scan: %v", err)
		}
	})
}

// Every format's cut-off output is refused through the ingest path as it
// is by the parser, naming the file, and leaves nothing behind.
func TestTruncatedOutputOfEveryFormatStoresNothing(t *testing.T) {
	cuts := map[string]func([]byte) []byte{
		"nmap/three-hosts.xml":     func(b []byte) []byte { return b[:3000] },
		"testssl/weak-tls10.json":  nil,
		"testssl/strong.json":      nil,
		"openscap/arf.xml":         nil,
		"lynis/report.dat":         func(b []byte) []byte { return bytes.TrimSuffix(b, []byte("finish=true\n")) },
		"chrony/synced.txt":        func(b []byte) []byte { return b[:len(b)-4] },
		"chrony/synced-csv.txt":    func(b []byte) []byte { return b[:len(b)/2] },
		"zlint/strong-server.json": nil,
		"tsr/granted.tsr":          nil,
		"sarif/gosec.sarif":        nil,
		"trivy/config.json":        nil,
	}
	storetest.Each(t, func() time.Time { return after }, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		l := setup(t, st)
		err := st.Write(ctx, func(tx *sqlstore.Tx) error {
			return tx.PutObject(ctx, sqlstore.Controls, "any", evident.Control{ID: "any", Title: "Any tool",
				Method: evident.VerificationMethod{Kind: evident.MethodImport}}, "test")
		})
		if err != nil {
			t.Fatal(err)
		}
		before := counts(t, l)
		for file, cut := range cuts {
			b := fixture(t, file)
			if cut == nil {
				cut = func(b []byte) []byte { return b[:len(b)/2] }
			}
			name := strings.ReplaceAll(file, "/", "-")
			_, err := ingest.Import(ctx, l, bytes.NewReader(cut(b)), ingest.Options{Control: "any", Filename: name, Actor: "scanner", Now: after})
			if evident.ErrorCode(err) != evident.EINVALID || !strings.HasPrefix(err.Error(), name+": truncated: ") {
				t.Errorf("%s cut off: %v, want EINVALID \"%s: truncated: ...\"", file, err, name)
			}
		}
		if got := counts(t, l); got != before {
			t.Errorf("leaves, import runs, blobs = %v after refused imports, want %v", got, before)
		}
	})
}

// scoped adds to the setup program a database system answering on two
// addresses, versions for both systems, an HSM listing no host, and two
// controls: a port sweep of web and db (nmap) and a clock check of web, db
// and the HSM (chrony, whose output names no host).
func scoped(t *testing.T, st *sqlstore.Store) *ledger.Ledger {
	t.Helper()
	l := setup(t, st)
	ctx := context.Background()
	err := st.Write(ctx, func(tx *sqlstore.Tx) error {
		for _, o := range []struct {
			sec sqlstore.Section
			id  string
			v   any
		}{
			{sqlstore.Systems, "web", evident.System{ID: "web", Name: "Web", Kind: evident.SystemTrustworthy, Zone: "lab", Version: "2.1", Hosts: []string{"127.0.0.1"}}},
			{sqlstore.Systems, "db", evident.System{ID: "db", Name: "Database", Kind: evident.SystemTrustworthy, Zone: "lab", Version: "16.4", Hosts: []string{"127.0.0.2", "10.99.0.7"}}},
			{sqlstore.Controls, "sweep", evident.Control{ID: "sweep", Title: "Port sweep", Systems: []string{"web", "db"},
				Method: evident.VerificationMethod{Kind: evident.MethodImport, Format: "nmap"}}},
			{sqlstore.Systems, "hsm", evident.System{ID: "hsm", Name: "HSM", Kind: evident.SystemTrustworthy, Zone: "vault", Version: "7.8"}},
			{sqlstore.Controls, "clock", evident.Control{ID: "clock", Title: "Clock check", Systems: []string{"web", "db", "hsm"},
				Method: evident.VerificationMethod{Kind: evident.MethodImport, Format: "chrony"}}},
		} {
			if err := tx.PutObject(ctx, o.sec, o.id, o.v, "test"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// detailScope reads the coverage a derived record's leaf carries.
type detailScope struct {
	Checked        []string `json:"checked"`
	Missing        []struct{ Host, System string }
	Hosts          map[string][]string `json:"hosts"`
	SystemsCovered []string            `json:"systems_covered"`
	SystemsMissing []string            `json:"systems_missing"`
	CheckedPass    bool                `json:"checked_pass"`
	Asserted       bool                `json:"asserted"`
}

func scopeOf(t *testing.T, st *sqlstore.Store, o ingest.Outcome) (detailScope, []string) {
	t.Helper()
	ev, err := st.Evidence(context.Background(), o.Derived.ID)
	if err != nil {
		t.Fatal(err)
	}
	var d struct{ Scope *detailScope }
	if err := json.Unmarshal(ev.Detail, &d); err != nil {
		t.Fatal(err)
	}
	var systems []string
	for _, s := range ev.Systems {
		systems = append(systems, s.String())
	}
	if d.Scope == nil {
		t.Fatalf("derived record %s has no scope in its detail: %s", ev.ID, ev.Detail)
	}
	return *d.Scope, systems
}

// A scan that misses hosts in the control's scope is judged on what it
// checked: the missed hosts are findings and coverage in its detail, not a
// failed verdict. Its record names every system it reached a host of, and
// its detail lists which hosts of each it checked, so a system is counted
// only for those. A control that states a criterion on scope.missing is
// judged by it like any other criterion.
func TestImportRecordsScopeCoverage(t *testing.T) {
	storetest.Each(t, func() time.Time { return after }, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		l := scoped(t, st)
		imp := func(file, target string) ingest.Outcome {
			t.Helper()
			out, err := ingest.Import(ctx, l, bytes.NewReader(fixture(t, file)), ingest.Options{Control: "sweep", Target: target, Filename: file, Actor: "scanner", Now: after})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		missed := func(o ingest.Outcome) []string {
			var out []string
			for _, h := range o.Scope.Missing {
				out = append(out, h.Host)
			}
			return out
		}

		// One host of three: web is covered, db is not reached at all.
		out := imp("nmap/baseline.xml", "")
		sc, systems := scopeOf(t, st, out)
		if !out.Verdict.Pass || out.Metrics["scope.missing"] != 2 || !slices.Equal(missed(out), []string{"10.99.0.7", "127.0.0.2"}) {
			t.Errorf("baseline: pass %v missing %v %v, want a pass with both db hosts recorded as not checked",
				out.Verdict.Pass, out.Metrics["scope.missing"], missed(out))
		}
		if !slices.Equal(systems, []string{"web@2.1"}) || !slices.Equal(sc.Hosts["web"], []string{"127.0.0.1"}) || len(sc.Hosts) != 1 ||
			!slices.Equal(sc.SystemsMissing, []string{"db"}) || len(sc.Missing) != 2 {
			t.Errorf("baseline: derived systems %v, scope %+v; want web@2.1 on 127.0.0.1, db missing", systems, sc)
		}
		if out.Derived.Verdict != evident.VerdictPass {
			t.Errorf("baseline: derived verdict %s, want pass", out.Derived.Verdict)
		}

		// Three loopback hosts reach one of db's two: the record speaks for
		// db on that host only.
		out = imp("nmap/three-hosts.xml", "")
		sc, systems = scopeOf(t, st, out)
		if !out.Verdict.Pass || !slices.Equal(missed(out), []string{"10.99.0.7"}) || !slices.Equal(sc.SystemsMissing, []string{"db"}) {
			t.Errorf("three hosts: pass %v missed %v scope %+v, want a pass with db's 10.99.0.7 not checked", out.Verdict.Pass, missed(out), sc)
		}
		if !slices.Contains(sc.Checked, "127.0.0.3") || !slices.Equal(systems, []string{"db@16.4", "web@2.1"}) ||
			!slices.Equal(sc.Hosts["db"], []string{"127.0.0.2"}) || !slices.Equal(sc.SystemsCovered, []string{"web"}) {
			t.Errorf("three hosts: checked %v systems %v scope %+v, want every host checked listed, db on 127.0.0.2 and web named", sc.Checked, systems, sc)
		}

		// A control that demands every host in one run fails the run, for
		// the systems it reached.
		err := st.Write(ctx, func(tx *sqlstore.Tx) error {
			return tx.PutObject(ctx, sqlstore.Controls, "sweep", evident.Control{ID: "sweep", Title: "Port sweep", Systems: []string{"web", "db"},
				Method: evident.VerificationMethod{Kind: evident.MethodImport, Format: "nmap",
					Criteria: []evident.Criterion{{Metric: "unexpected_open_ports", Op: "==", Value: 0}, {Metric: "scope.missing", Op: "==", Value: 0}}}}, "test")
		})
		if err != nil {
			t.Fatal(err)
		}
		out = imp("nmap/three-hosts.xml", "")
		if _, systems = scopeOf(t, st, out); out.Verdict.Pass || !out.Verdict.CheckedPass || out.Derived.Verdict != evident.VerdictFail ||
			!slices.Equal(systems, []string{"db@16.4", "web@2.1"}) {
			t.Errorf("three hosts, scope.missing == 0 stated: pass %v checked_pass %v systems %v, want a failure for db and web", out.Verdict.Pass, out.Verdict.CheckedPass, systems)
		}

		// Aimed at web, the scan is complete for its scope.
		out = imp("nmap/baseline.xml", "web")
		if sc, systems = scopeOf(t, st, out); !out.Verdict.Pass || !slices.Equal(systems, []string{"web@2.1"}) || len(sc.SystemsMissing) != 0 {
			t.Errorf("baseline aimed at web: pass %v systems %v scope %+v, want a pass covering web", out.Verdict.Pass, systems, sc)
		}

		// A scan that found no host up checked nothing and covers nothing.
		out = imp("nmap/no-host-up.xml", "")
		if sc, systems = scopeOf(t, st, out); out.Verdict.Pass || out.Metrics["checked"] != 0 || len(systems) != 0 || len(sc.SystemsCovered) != 0 {
			t.Errorf("no host up: pass %v checked %v systems %v scope %+v, want a failure covering nothing", out.Verdict.Pass, out.Metrics["checked"], systems, sc)
		}
	})
}

// Single-host runs add up within a window: db lists two hosts, and the
// clock control is satisfied for db once a passing run checked each of
// them, as the store reads the records back; a later failing run on one
// host fails db.
func TestSingleHostRunsAddUpPerSystem(t *testing.T) {
	storetest.Each(t, func() time.Time { return after }, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		l := scoped(t, st)
		day := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
		imp := func(file, host string, h int) {
			t.Helper()
			_, err := ingest.Import(ctx, l, bytes.NewReader(fixture(t, file)), ingest.Options{Control: "clock", Target: host, Filename: file, Actor: "ops",
				Effective: evident.Effective{From: day.Add(time.Duration(h) * time.Hour)}, Now: after})
			if err != nil {
				t.Fatal(err)
			}
		}
		db := func() (evident.SystemPeriod, []string) {
			t.Helper()
			m, err := st.Model(ctx)
			if err != nil {
				t.Fatal(err)
			}
			s := readiness.ScheduleIn(m, *m.ControlByID("clock"), day)
			var occ []evident.Occurrence
			if err := st.Read(ctx, func(tx *sqlstore.Tx) error {
				occ, err = tx.Occurrences(ctx, "clock", day, after)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			ps := s.Evaluate(evident.History{Occurrences: occ}, day, after, after)
			if len(ps) != 1 || len(ps[0].Systems) != 3 || ps[0].Systems[1].System != "db" {
				t.Fatalf("periods %+v, want one window judging web, db and hsm", ps)
			}
			return ps[0].Systems[1], ps[0].Reasons()
		}

		imp("chrony/synced.txt", "127.0.0.2", 8)
		if sp, why := db(); sp.State == evident.PeriodSatisfied || !slices.Equal(sp.Missing, []string{"10.99.0.7"}) ||
			!slices.Contains(why, "db: 10.99.0.7 not checked in this window") {
			t.Errorf("one host of db checked: db %+v, reasons %q; want not satisfied, naming 10.99.0.7", sp, why)
		}
		imp("chrony/synced.txt", "10.99.0.7", 9)
		if sp, _ := db(); sp.State != evident.PeriodSatisfied || sp.Passed != 2 || len(sp.Missing) != 0 {
			t.Errorf("a passing run on each host of db: db %+v, want satisfied", sp)
		}
		imp("chrony/unsynchronised.txt", "127.0.0.2", 10)
		if sp, why := db(); sp.State != evident.PeriodFailing || sp.Host != "127.0.0.2" || !slices.ContainsFunc(why, func(s string) bool {
			return strings.HasPrefix(s, "db: the latest verdict on 127.0.0.2 (")
		}) {
			t.Errorf("a later failing run on 127.0.0.2: db %+v, reasons %q; want failing on 127.0.0.2", sp, why)
		}
	})
}

// A chronyc report does not say which machine it ran on: without a target
// it is evidence for no system and fails saying so; with a system or host
// as target it covers that system's hosts or that host.
func TestImportOfOutputNamingNoHostTakesTheTarget(t *testing.T) {
	storetest.Each(t, func() time.Time { return after }, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		l := scoped(t, st)
		imp := func(target string) ingest.Outcome {
			t.Helper()
			out, err := ingest.Import(ctx, l, bytes.NewReader(fixture(t, "chrony/synced.txt")), ingest.Options{Control: "clock", Target: target, Filename: "synced.txt", Actor: "ops", Now: after})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		out := imp("")
		i := slices.IndexFunc(out.Verdict.Failed, func(f importerFailed) bool { return f.Criterion.String() == "scope.reached > 0" })
		if out.Verdict.Pass || i < 0 || !strings.Contains(out.Verdict.Failed[i].Findings[0].Detail, "target") {
			t.Errorf("no target: verdict %+v, want scope.reached > 0 failed with a finding asking for the target", out.Verdict)
		}
		for target, want := range map[string]string{"web": "web@2.1", "127.0.0.1": "web@2.1", "db": "db@16.4"} {
			out := imp(target)
			sc, systems := scopeOf(t, st, out)
			if !out.Verdict.Pass || !slices.Equal(systems, []string{want}) || !sc.Asserted {
				t.Errorf("target %s: pass %v systems %v scope %+v, want a pass for %s as the target says", target, out.Verdict.Pass, systems, sc, want)
			}
		}
		// A system listing no host has no scope to compare with: the
		// target's word stands, and the record speaks for it.
		out = imp("hsm")
		if !out.Verdict.Pass || out.Scope != nil || len(out.Derived.Systems) != 1 || out.Derived.Systems[0].String() != "hsm@7.8" {
			t.Errorf("target hsm: pass %v scope %+v systems %v, want a pass for hsm@7.8 without scope", out.Verdict.Pass, out.Scope, out.Derived.Systems)
		}
	})
}

type importerFailed = importer.FailedCriterion
