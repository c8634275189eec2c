package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// clock is a movable test clock for stores: tests set the instant each
// write happens at, so receipt times are known exactly.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(s string)        { c.mu.Lock(); defer c.mu.Unlock(); c.t = mustTime(s) }
func (c *clock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

func mustTime(s string) time.Time {
	t, err := evident.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

// cadenceProgram stores a program with one system, a supplier, a person
// and a quarterly scan control scoped to the system.
func cadenceProgram(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	newProgram(t, s)
	ctx := context.Background()
	err := s.Write(ctx, func(tx *sqlstore.Tx) error {
		objs := []struct {
			sec sqlstore.Section
			id  string
			v   any
		}{
			{sqlstore.Systems, "ca-issuing", evident.System{ID: "ca-issuing", Name: "Issuing CA", Version: "4.2"}},
			{sqlstore.Suppliers, "cloudco", evident.Supplier{ID: "cloudco", Name: "CloudCo"}},
			{sqlstore.People, "ceo", evident.Person{ID: "ceo", Name: "Chief"}},
			{sqlstore.Controls, "vuln-scan", evident.Control{ID: "vuln-scan", Title: "Scan", Owner: "ceo",
				Requirements: []evident.RequirementRef{ref("REQ-7.8-14")}, Systems: []string{"ca-issuing"},
				Cadence: evident.Cadence{Kind: evident.CadencePeriodic, Every: 3, Unit: evident.UnitMonth}}},
		}
		for _, o := range objs {
			if err := tx.PutObject(ctx, o.sec, o.id, o.v, "alice"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSignificantChangeOpensTasks(t *testing.T) {
	c := &clock{}
	c.set("2026-06-10T09:00:00Z")
	storetest.Each(t, c.now, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		cadenceProgram(t, s)
		size := ledgerSize(t, s)
		_, _, err := s.AddChange(ctx, evident.Change{System: "no-such", Version: "1", Significant: true, Summary: "x", Actor: "alice"})
		if evident.ErrorCode(err) != evident.EINVALID {
			t.Fatalf("change to an unknown system: err = %v, want EINVALID", err)
		}
		if ledgerSize(t, s) != size {
			t.Fatal("a refused change wrote to the ledger")
		}
		ch, tasks, err := s.AddChange(ctx, evident.Change{System: "Issuing CA", Version: "5.0", Significant: true, Summary: "new CA software", Actor: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		if ch.System != "ca-issuing" || !ch.At.Equal(c.now()) {
			t.Errorf("stored change = %+v, want system id ca-issuing effective now", ch)
		}
		var got []string
		err = s.Read(ctx, func(tx *sqlstore.Tx) error {
			ts, err := tx.ChangeTasks(ctx, time.Time{})
			for _, x := range ts {
				got = append(got, x.Kind+" "+string(x.Requirement.ID)+" "+evident.UTC(x.Due))
			}
			before, err2 := tx.ChangeTasks(ctx, mustTime("2026-06-10T08:59:59Z"))
			if len(before) != 0 {
				t.Errorf("tasks before the change was recorded: %v", before)
			}
			if err == nil {
				err = err2
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"pen-test REQ-7.8-18 2026-07-10T09:00:00Z", "policy-review REQ-6.3-03 2026-07-10T09:00:00Z", "risk-review REQ-5-04 2026-07-10T09:00:00Z"}
		if diff := cmp.Diff(want, sortedCopy(got)); diff != "" {
			t.Errorf("tasks (-want +got):\n%s", diff)
		}
		if len(tasks) != 3 || ledgerSize(t, s) != size+1 {
			t.Errorf("returned %d tasks and wrote %d ledger records, want 3 and 1", len(tasks), ledgerSize(t, s)-size)
		}
	})
}

func TestExceptionNeedsKnownApprover(t *testing.T) {
	c := &clock{}
	c.set("2026-02-01T00:00:00Z")
	storetest.Each(t, c.now, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		cadenceProgram(t, s)
		e := evident.Exception{Control: "vuln-scan", Reason: "move", Approver: "mallory", ApprovedAt: c.now(), Expires: mustTime("2026-04-01"), Actor: "alice"}
		if _, err := s.AddException(ctx, e); evident.ErrorCode(err) != evident.EINVALID {
			t.Fatalf("unknown approver: err = %v, want EINVALID", err)
		}
		e.Approver = "ceo"
		got, err := s.AddException(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		var exs []evident.Exception
		err = s.Read(ctx, func(tx *sqlstore.Tx) error { exs, err = tx.Exceptions(ctx, time.Time{}); return err })
		if err != nil || len(exs) != 1 || exs[0].ID != got.ID || !exs[0].From.Equal(c.now()) {
			t.Errorf("stored exceptions = %+v, %v; want the one added, starting now", exs, err)
		}
	})
}

func TestLeaseHasOneHolder(t *testing.T) {
	c := &clock{}
	c.set("2026-01-01T00:00:00Z")
	storetest.Each(t, c.now, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		claim := func(holder string) bool {
			ok, err := s.Claim(ctx, "scheduler", holder, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !claim("a") || claim("b") || !claim("a") {
			t.Fatal("a live lease must stay with its holder and be renewable by it")
		}
		c.add(time.Minute)
		if !claim("b") || claim("a") {
			t.Fatal("an expired lease must go to the next claimant")
		}
		if err := s.Release(ctx, "scheduler", "b"); err != nil {
			t.Fatal(err)
		}
		if !claim("a") {
			t.Fatal("a released lease must be free at once")
		}
	})
}

func TestRecordOutcomeOnce(t *testing.T) {
	c := &clock{}
	c.set("2026-04-09T00:00:00Z")
	storetest.Each(t, c.now, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		cadenceProgram(t, s)
		p := evident.Period{Window: evident.Window{Start: mustTime("2026-01-01"), End: mustTime("2026-04-01")}, State: evident.PeriodMissed}
		size := ledgerSize(t, s)
		var wg sync.WaitGroup
		wrote := make([]bool, 4)
		for i := range wrote {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := s.RecordOutcome(ctx, "vuln-scan", p, "system:scheduler")
				if err != nil {
					t.Error(err)
				}
				wrote[i] = ok
			}()
		}
		wg.Wait()
		n := 0
		for _, w := range wrote {
			if w {
				n++
			}
		}
		if n != 1 || ledgerSize(t, s) != size+1 {
			t.Errorf("%d writers reported success and the ledger grew by %d; want exactly one", n, ledgerSize(t, s)-size)
		}
	})
}

func ledgerSize(t *testing.T, s *sqlstore.Store) int64 {
	t.Helper()
	var n int64
	err := s.Read(context.Background(), func(tx *sqlstore.Tx) error {
		var err error
		n, err = tx.LedgerSize(context.Background())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func sortedCopy(xs []string) []string {
	out := append([]string(nil), xs...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestOccurrencesForMatchesOneByOne checks the batched read status uses
// against the per-control read: same records, same order, for several
// ranges and instants, with a failing check, a correction and evidence
// received after the instant.
func TestOccurrencesForMatchesOneByOne(t *testing.T) {
	c := &clock{}
	c.set("2026-01-01T00:00:00Z")
	storetest.Each(t, c.now, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		cadenceProgram(t, s)
		err := s.Write(ctx, func(tx *sqlstore.Tx) error {
			for _, id := range []string{"time-sync", "config", "patching"} {
				ctl := evident.Control{ID: id, Title: id, Requirements: []evident.RequirementRef{ref("REQ-7.10-06")}}
				if err := tx.PutObject(ctx, sqlstore.Controls, id, ctl, "alice"); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		add := func(control, eff string, mod func(*evident.Evidence)) string {
			e := evident.Evidence{Kind: evident.RawEvidence, Digest: evident.Digest{1}, MediaType: "text/plain", Actor: "collector:test",
				Effective: evident.Effective{From: mustTime(eff)}, Controls: []string{control}}
			if mod != nil {
				mod(&e)
			}
			evs := []evident.Evidence{e}
			if err := s.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertEvidence(ctx, evs) }); err != nil {
				t.Fatal(err)
			}
			return evs[0].ID
		}
		for d := 1; d <= 20; d++ {
			c.set(fmt.Sprintf("2026-01-%02dT12:00:00Z", d))
			add("time-sync", fmt.Sprintf("2026-01-%02dT03:00:00Z", d), nil)
			if d%7 == 0 {
				raw := add("vuln-scan", fmt.Sprintf("2026-01-%02dT04:00:00Z", d), nil)
				add("vuln-scan", fmt.Sprintf("2026-01-%02dT04:00:00Z", d), func(e *evident.Evidence) {
					e.Kind, e.Verdict, e.DerivedFrom = evident.DerivedEvidence, evident.VerdictFail, []string{raw}
				})
			}
			if d == 8 {
				// A failed verdict an hour after its file: the latest record
				// before a later range failed, so the record before it that
				// did not comes too (rolling windows restart from it).
				raw := add("patching", "2026-01-08T04:00:00Z", nil)
				add("patching", "2026-01-08T05:00:00Z", func(e *evident.Evidence) {
					e.Kind, e.Verdict, e.DerivedFrom = evident.DerivedEvidence, evident.VerdictFail, []string{raw}
				})
			}
			if d == 10 {
				old := add("config", "2026-01-09T00:00:00Z", nil)
				add("config", "2026-01-09T00:00:00Z", func(e *evident.Evidence) { e.Supersedes = old })
			}
		}
		controls := []string{"time-sync", "vuln-scan", "config", "patching"}
		for _, at := range []string{"2026-01-05T00:00:00Z", "2026-01-14T12:00:00Z", "2026-01-30T00:00:00Z"} {
			for _, since := range []string{"2026-01-01", "2026-01-10", "2026-01-15"} {
				var qs []sqlstore.HistoryQuery
				for _, id := range controls {
					qs = append(qs, sqlstore.HistoryQuery{Control: id, Since: mustTime(since)})
				}
				err := s.Read(ctx, func(tx *sqlstore.Tx) error {
					got, err := tx.OccurrencesFor(ctx, qs, mustTime(at))
					if err != nil {
						return err
					}
					for _, id := range controls {
						want, err := tx.Occurrences(ctx, id, mustTime(since), mustTime(at))
						if err != nil {
							return err
						}
						if diff := cmp.Diff(want, got[id]); diff != "" {
							t.Errorf("%s since %s at %s (-one by one +batched):\n%s", id, since, at, diff)
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			// Each control from a start of its own, one of them scoped to
			// systems (its records read whole): one statement carries
			// every start, and each control must still get its own range.
			starts := []string{"2026-01-01", "2026-01-10", "2026-01-15"}
			for r := range starts {
				var qs []sqlstore.HistoryQuery
				for i, id := range controls {
					qs = append(qs, sqlstore.HistoryQuery{Control: id, Since: mustTime(starts[(i+r)%len(starts)]), Scoped: i == r})
				}
				err := s.Read(ctx, func(tx *sqlstore.Tx) error {
					got, err := tx.OccurrencesFor(ctx, qs, mustTime(at))
					if err != nil {
						return err
					}
					for _, q := range qs {
						want, err := tx.Occurrences(ctx, q.Control, q.Since, mustTime(at))
						if err != nil {
							return err
						}
						if diff := cmp.Diff(want, got[q.Control], cmpopts.EquateEmpty()); diff != "" {
							t.Errorf("%s since %s (scoped %v) at %s, starts differing (-one by one +batched):\n%s", q.Control, q.Since.Format(time.DateOnly), q.Scoped, at, diff)
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

// TestOccurrencesCarryVerdictSystemsAndLedgerOrder reads back what period
// evaluation judges by: the verdict, the systems the signed record names,
// and its leaf, which orders records effective at the same instant.
func TestOccurrencesCarryVerdictSystemsAndLedgerOrder(t *testing.T) {
	c := &clock{}
	c.set("2026-02-01T00:00:00Z")
	storetest.Each(t, c.now, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		cadenceProgram(t, s)
		eff := evident.Effective{From: mustTime("2026-02-01T00:00:00Z")}
		raw := evident.Evidence{Kind: evident.RawEvidence, Digest: evident.Digest{1}, MediaType: "application/xml", Actor: "importer:nmap",
			Effective: eff, About: []string{"control/vuln-scan"}}
		evs := []evident.Evidence{raw}
		if err := s.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertEvidence(ctx, evs) }); err != nil {
			t.Fatal(err)
		}
		drv := evident.Evidence{Kind: evident.DerivedEvidence, Digest: evident.Digest{2}, MediaType: "application/json", Actor: "importer:nmap",
			Effective: eff, Controls: []string{"vuln-scan"}, DerivedFrom: []string{evs[0].ID}, Verdict: evident.VerdictFail,
			Systems: []evident.SystemVersion{{Name: "ca-issuing", Version: "4.2"}}}
		drvs := []evident.Evidence{drv}
		if err := s.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertEvidence(ctx, drvs) }); err != nil {
			t.Fatal(err)
		}
		err := s.Read(ctx, func(tx *sqlstore.Tx) error {
			occ, err := tx.Occurrences(ctx, "vuln-scan", mustTime("2026-01-01T00:00:00Z"), mustTime("2026-02-02T00:00:00Z"))
			if err != nil {
				return err
			}
			want := []evident.Occurrence{{ID: drvs[0].ID, Effective: eff.From, Received: drvs[0].ReceivedAt, Failed: true,
				Verdict: evident.VerdictFail, Systems: []string{"ca-issuing"}, LedgerIndex: drvs[0].LedgerIndex}}
			if diff := cmp.Diff(want, occ); diff != "" {
				t.Errorf("occurrences (-want +got):\n%s", diff)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
