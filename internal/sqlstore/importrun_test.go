package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// importRun stores a raw and a derived record and the run naming them in
// one transaction, as an import does.
func importRun(t *testing.T, s *sqlstore.Store, target string, pass bool, findings ...string) sqlstore.ImportRun {
	t.Helper()
	ctx := context.Background()
	raw := insert(t, s, evident.Evidence{Filename: "scan-" + target, About: []string{"control/scan"}})
	drv := insert(t, s, evident.Evidence{Filename: "verdict-" + target, Kind: evident.DerivedEvidence, DerivedFrom: []string{raw.ID},
		Controls: []string{"scan"}, Verdict: evident.VerdictFail})
	fs, _ := json.Marshal(findings)
	run := sqlstore.ImportRun{Control: "scan", Target: target, Format: "nmap", Tool: "nmap", ToolVersion: "7.93",
		RawID: raw.ID, VerdictID: drv.ID, Pass: pass, Metrics: map[string]float64{"open_ports": float64(len(findings))},
		Findings: fs, Appeared: findings, Actor: "scanner"}
	if err := s.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertImportRun(ctx, &run) }); err != nil {
		t.Fatal(err)
	}
	return run
}

func TestPreviousImportIsPerControlAndTarget(t *testing.T) {
	storetest.Each(t, ticking(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)), func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		putControls(t, s, "scan")
		a1 := importRun(t, s, "10.0.0.1", true, "10.0.0.1 tcp/443")
		b1 := importRun(t, s, "10.0.0.2", true)
		a2 := importRun(t, s, "10.0.0.1", false, "10.0.0.1 tcp/443", "10.0.0.1 tcp/23")
		prev := func(target string) (sqlstore.ImportRun, error) {
			var r sqlstore.ImportRun
			err := s.Read(ctx, func(tx *sqlstore.Tx) error {
				var err error
				r, err = tx.PreviousImport(ctx, "scan", target)
				return err
			})
			return r, err
		}
		got, err := prev("10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(a2, got, cmp.Comparer(func(x, y json.RawMessage) bool { return string(x) == string(y) })); diff != "" {
			t.Errorf("previous import of 10.0.0.1 (-stored +read):\n%s", diff)
		}
		if got, _ := prev("10.0.0.2"); got.ID != b1.ID {
			t.Errorf("previous import of 10.0.0.2 = %s, want %s: targets are compared apart", got.ID, b1.ID)
		}
		if _, err := prev("10.0.0.3"); evident.ErrorCode(err) != evident.ENOTFOUND {
			t.Errorf("never scanned target: %v, want ENOTFOUND", err)
		}
		runs, err := s.ImportRuns(ctx, sqlstore.ImportFilter{Control: "scan", Target: "10.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 2 || runs[0].ID != a2.ID || runs[1].ID != a1.ID {
			t.Errorf("runs of 10.0.0.1 = %v, want %s then %s (newest first)", runs, a2.ID, a1.ID)
		}
	})
}

// A run and the evidence it names commit together: a bad run rolls the
// evidence back, and a run naming evidence that does not exist is refused.
func TestImportRunIsAllOrNothing(t *testing.T) {
	storetest.Each(t, ticking(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)), func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		putControls(t, s, "scan")
		size := func() int64 {
			var n int64
			if err := s.Read(ctx, func(tx *sqlstore.Tx) error { var err error; n, err = tx.LedgerSize(ctx); return err }); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := size()
		err := s.Write(ctx, func(tx *sqlstore.Tx) error {
			raw := []evident.Evidence{{Kind: evident.RawEvidence, Digest: evident.Digest{1}, MediaType: "text/xml", Actor: "a", About: []string{"control/scan"}}}
			if err := tx.InsertEvidence(ctx, raw); err != nil {
				return err
			}
			return tx.InsertImportRun(ctx, &sqlstore.ImportRun{Control: "scan", Format: "nmap", RawID: raw[0].ID, VerdictID: raw[0].ID})
		})
		if evident.ErrorCode(err) != evident.EINVALID {
			t.Errorf("run without its tool: %v, want EINVALID", err)
		}
		err = s.Write(ctx, func(tx *sqlstore.Tx) error {
			return tx.InsertImportRun(ctx, &sqlstore.ImportRun{Control: "scan", Format: "nmap", Tool: "nmap", RawID: "nope", VerdictID: "nope"})
		})
		if err == nil {
			t.Error("run naming evidence that does not exist was stored")
		}
		if n := size(); n != before {
			t.Errorf("ledger grew from %d to %d records through refused imports", before, n)
		}
	})
}

// Tx.OpenVulnerability registers a finding once, and inside a rolled-back
// import it registers nothing.
func TestOpenVulnerabilityInImportTransaction(t *testing.T) {
	now := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	storetest.Each(t, func() time.Time { return now }, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		incidentStore(t, s)
		f := evident.VulnerabilityFinding{Key: "trivy:img CVE-2026-0002", Title: "CVE-2026-0002", Severity: "critical",
			DiscoveredAt: now.Add(-2 * time.Hour), Reporter: "importer:trivy"}
		errRollback := errors.New("import failed later")
		err := s.Write(ctx, func(tx *sqlstore.Tx) error {
			if _, created, err := tx.OpenVulnerability(ctx, f, "scanner"); err != nil || !created {
				t.Fatalf("open: created %v, %v", created, err)
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		if list, _ := s.Incidents(ctx, sqlstore.IncidentFilter{}); len(list) != 0 {
			t.Fatalf("rolled-back import left %d register entries", len(list))
		}
		var first, second evident.Incident
		for i, into := range []*evident.Incident{&first, &second} {
			err := s.Write(ctx, func(tx *sqlstore.Tx) error {
				inc, created, err := tx.OpenVulnerability(ctx, f, "scanner")
				if created != (i == 0) {
					t.Errorf("import %d: created %v", i+1, created)
				}
				*into = inc
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if first.ID != second.ID || first.Severity() != evident.SeverityCritical {
			t.Errorf("second import returned %s, first %s (severity %s); want the same critical entry", second.ID, first.ID, first.Severity())
		}
		cs := first.Clocks(now)
		if len(cs) != 1 || !cs[0].Due.Equal(now.Add(46*time.Hour)) {
			t.Errorf("clocks %+v, want the 48-hour clock from discovery", cs)
		}
	})
}

// A large scan's findings are stored in parts and read back whole, byte
// for byte, with every part a whole number of characters (PostgreSQL
// refuses a TEXT value cut inside one); runs stored before the parts,
// with their findings in the row, read back as they were.
func TestImportFindingsInParts(t *testing.T) {
	storetest.Each(t, ticking(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)), func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		putControls(t, s, "scan")
		// `["` then four-byte characters: the first part's end at 1 MiB
		// falls two bytes into one, and so do later ones.
		big := []string{strings.Repeat("𝄞", 640<<10), "10.0.0.1 tcp/443 é€"}
		run := importRun(t, s, "10.0.0.1", false, big...)
		if len(run.Findings) < 2<<20 {
			t.Fatalf("the findings are %d bytes; the test needs more than two parts", len(run.Findings))
		}
		read := func() sqlstore.ImportRun {
			t.Helper()
			var r sqlstore.ImportRun
			err := s.Read(ctx, func(tx *sqlstore.Tx) error {
				var err error
				r, err = tx.PreviousImport(ctx, "scan", "10.0.0.1")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		if got := read(); !bytes.Equal(got.Findings, run.Findings) {
			t.Errorf("findings read back are %d bytes, want the %d stored", len(got.Findings), len(run.Findings))
		}
		runs, err := s.ImportRuns(ctx, sqlstore.ImportFilter{Control: "scan"})
		if err != nil || len(runs) != 1 || !bytes.Equal(runs[0].Findings, run.Findings) {
			t.Errorf("ImportRuns: %d runs, err %v; want the one run with its findings", len(runs), err)
		}
		runs, err = s.ImportRuns(ctx, sqlstore.ImportFilter{Control: "scan", NoFindings: true})
		if err != nil || len(runs) != 1 || runs[0].Findings != nil || runs[0].Metrics["open_ports"] != 2 {
			t.Errorf("ImportRuns without findings: %+v, err %v", runs, err)
		}

		// A run as stored before findings went into parts.
		old, _ := json.Marshal([]string{"10.0.0.1 tcp/23"})
		err = s.Write(ctx, func(tx *sqlstore.Tx) error {
			if _, err := tx.Exec(ctx, `DELETE FROM import_findings WHERE run_id = ?`, run.ID); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE import_runs SET findings = ?, findings_parts = 0 WHERE id = ?`, string(old), run.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := read(); string(got.Findings) != string(old) {
			t.Errorf("a run stored with its findings in the row reads back %q, want %q", got.Findings, old)
		}
	})
}

// Findings stored as they are read go into the parts the same findings
// stored whole go into, however the reader hands them over: where a part
// ends depends on the bytes alone. A reader that fails midway leaves
// nothing of its run, though parts were written before it failed.
func TestImportFindingsFromReader(t *testing.T) {
	storetest.Each(t, ticking(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)), func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		putControls(t, s, "scan")
		// Four-byte, then two-byte characters: part ends fall inside
		// characters of both widths.
		whole := importRun(t, s, "whole", false, strings.Repeat("𝄞", 640<<10), "10.0.0.1 tcp/443 é€", strings.Repeat("é", 700<<10))
		from := func(target string, r io.Reader) (sqlstore.ImportRun, error) {
			raw := insert(t, s, evident.Evidence{Filename: "scan-" + target, About: []string{"control/scan"}})
			drv := insert(t, s, evident.Evidence{Filename: "verdict-" + target, Kind: evident.DerivedEvidence, DerivedFrom: []string{raw.ID},
				Controls: []string{"scan"}, Verdict: evident.VerdictFail})
			run := sqlstore.ImportRun{Control: "scan", Target: target, Format: "nmap", Tool: "nmap", RawID: raw.ID, VerdictID: drv.ID, Actor: "scanner"}
			err := s.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertImportRunFrom(ctx, &run, r) })
			return run, err
		}
		parts := func(run string) []string {
			t.Helper()
			var out []string
			err := s.Read(ctx, func(tx *sqlstore.Tx) error {
				rows, err := tx.Query(ctx, `SELECT part FROM import_findings WHERE run_id = ? ORDER BY seq`, run)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var p string
					if err := rows.Scan(&p); err != nil {
						return err
					}
					out = append(out, p)
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		want := parts(whole.ID)
		if len(want) < 3 {
			t.Fatalf("the findings are in %d parts; the test needs at least three", len(want))
		}
		run, err := from("pieces", &pieces{r: bytes.NewReader(whole.Findings), rnd: rand.New(rand.NewPCG(1, 2))})
		if err != nil {
			t.Fatal(err)
		}
		if got := parts(run.ID); !slices.Equal(got, want) {
			t.Errorf("parts read in pieces: %d parts of %v bytes, want %d of %v", len(got), lens(got), len(want), lens(want))
		}
		err = s.Read(ctx, func(tx *sqlstore.Tx) error {
			prev, err := tx.PreviousImport(ctx, "scan", "pieces")
			if err == nil && !bytes.Equal(prev.Findings, whole.Findings) {
				t.Errorf("findings read back are %d bytes, want the %d stored", len(prev.Findings), len(whole.Findings))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if run, err := from("nothing", strings.NewReader("")); err != nil || !slices.Equal(parts(run.ID), []string{"[]"}) {
			t.Errorf("no findings read: parts %q, %v; want one part, []", parts(run.ID), err)
		}

		errBroken := errors.New("the spool is gone")
		broken := io.MultiReader(bytes.NewReader(whole.Findings[:len(whole.Findings)-10]), iotest.ErrReader(errBroken))
		if _, err := from("broken", broken); !errors.Is(err, errBroken) {
			t.Errorf("findings that fail to read: %v, want the read error", err)
		}
		var n int
		err = s.Read(ctx, func(tx *sqlstore.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM import_findings f JOIN import_runs r ON r.id = f.run_id WHERE r.target = ?`, "broken").Scan(&n)
		})
		if err != nil || n != 0 {
			t.Errorf("%d parts of a run whose findings failed to read are stored (%v)", n, err)
		}
		if runs, err := s.ImportRuns(ctx, sqlstore.ImportFilter{Target: "broken", NoFindings: true}); err != nil || len(runs) != 0 {
			t.Errorf("a run whose findings failed to read is stored: %v, %v", runs, err)
		}
	})
}

// pieces reads from r in pieces of random size, from one byte up.
type pieces struct {
	r   io.Reader
	rnd *rand.Rand
}

func (p *pieces) Read(b []byte) (int, error) {
	return p.r.Read(b[:min(len(b), 1+p.rnd.IntN(9000))])
}

func lens(ss []string) []int {
	out := make([]int, len(ss))
	for i, s := range ss {
		out[i] = len(s)
	}
	return out
}

// The previous run's findings read a part at a time are the bytes stored,
// as often as they are opened, whether in parts or, for a run stored
// before the parts, in the row; a part missing or one too many is an
// error, not a shorter or longer list.
func TestPreviousImportStream(t *testing.T) {
	storetest.Each(t, ticking(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)), func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		putControls(t, s, "scan")
		run := importRun(t, s, "10.0.0.1", false, strings.Repeat("𝄞", 640<<10), "10.0.0.1 tcp/443 é€")
		read := func() ([]byte, error) {
			t.Helper()
			var got []byte
			err := s.Read(ctx, func(tx *sqlstore.Tx) error {
				prev, open, err := tx.PreviousImportStream(ctx, "scan", "10.0.0.1")
				if err != nil {
					return err
				}
				if prev.ID != run.ID || prev.Findings != nil || prev.Appeared != nil || prev.Gone != nil {
					t.Errorf("previous run %s with %d bytes of findings, %d appeared and %d gone, want %s without them", prev.ID, len(prev.Findings), len(prev.Appeared), len(prev.Gone), run.ID)
				}
				for range 2 {
					if got, err = io.ReadAll(open()); err != nil {
						return err
					}
				}
				return nil
			})
			return got, err
		}
		if got, err := read(); err != nil || !bytes.Equal(got, run.Findings) {
			t.Errorf("findings read a part at a time are %d bytes (%v), want the %d stored", len(got), err, len(run.Findings))
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if err := s.Write(ctx, func(tx *sqlstore.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
				t.Fatal(err)
			}
		}
		exec(`INSERT INTO import_findings (run_id, seq, part) VALUES (?, ?, ?)`, run.ID, 3, "]")
		if _, err := read(); err == nil || !strings.Contains(err.Error(), "4 findings parts stored, want 3") {
			t.Errorf("a part too many: %v, want it named", err)
		}
		exec(`DELETE FROM import_findings WHERE run_id = ? AND seq >= ?`, run.ID, 1)
		if _, err := read(); err == nil || !strings.Contains(err.Error(), "findings part 1 missing") {
			t.Errorf("a part missing: %v, want it named", err)
		}
		old, _ := json.Marshal([]string{"10.0.0.1 tcp/23"})
		exec(`DELETE FROM import_findings WHERE run_id = ?`, run.ID)
		exec(`UPDATE import_runs SET findings = ?, findings_parts = 0 WHERE id = ?`, string(old), run.ID)
		if got, err := read(); err != nil || string(got) != string(old) {
			t.Errorf("a run stored with its findings in the row reads %q (%v), want %q", got, err, old)
		}
	})
}

// Storing a large run's findings in SQLite makes no copy of them on the
// Go heap (a part bound as a string of its own was one): what it
// allocates is about the buffer a part is cut in, whatever the list's
// size. SQLite alone: pgx copies what it binds into its own messages.
func TestImportFindingsStoredWithoutCopies(t *testing.T) {
	ctx := context.Background()
	s := storetest.SQLite(t, ticking(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)))
	putControls(t, s, "scan")
	findings, _ := json.Marshal([]string{strings.Repeat("10.0.0.1 tcp/443 é€ ", 8<<20/24)})
	raw := insert(t, s, evident.Evidence{Filename: "scan", About: []string{"control/scan"}})
	drv := insert(t, s, evident.Evidence{Filename: "verdict", Kind: evident.DerivedEvidence, DerivedFrom: []string{raw.ID},
		Controls: []string{"scan"}, Verdict: evident.VerdictFail})
	run := sqlstore.ImportRun{Control: "scan", Target: "t", Format: "nmap", Tool: "nmap", RawID: raw.ID, VerdictID: drv.ID, Actor: "scanner"}
	var allocated uint64
	err := s.Write(ctx, func(tx *sqlstore.Tx) error {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := tx.InsertImportRunFrom(ctx, &run, bytes.NewReader(findings))
		runtime.ReadMemStats(&after)
		allocated = after.TotalAlloc - before.TotalAlloc
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocated > uint64(len(findings))/2 {
		t.Errorf("storing %d bytes of findings allocated %d bytes, want less than half of them", len(findings), allocated)
	}
}
