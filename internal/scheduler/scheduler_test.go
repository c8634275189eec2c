package scheduler

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// clock is shared by both replicas, as wall time is.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// setup creates a program on 1 January 2026 with a daily time-sync
// control and returns a second handle on the same database: two replicas.
func setup(t *testing.T, dsn string, c *clock) (*sqlstore.Store, *sqlstore.Store) {
	t.Helper()
	ctx := context.Background()
	open := func() *sqlstore.Store {
		st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Now: c.now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a := open()
	storetest.Init(t, a, "Example", "alice")
	daily, _ := evident.ParseCadence("continuous")
	ctl := evident.Control{ID: "time-sync", Title: "Time sync", Owner: "ops", Cadence: daily,
		Requirements: []evident.RequirementRef{{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.10-06"}}}
	if err := a.Write(ctx, func(tx *sqlstore.Tx) error { return tx.PutObject(ctx, sqlstore.Controls, ctl.ID, ctl, "alice") }); err != nil {
		t.Fatal(err)
	}
	return a, open()
}

// TestTwoReplicasRecordEachMissedPeriodOnce runs two schedulers against one
// database, ticking at the same moments while the lease changes hands:
// every missed day is in the ledger exactly once.
func TestTwoReplicasRecordEachMissedPeriodOnce(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			dsn := filepath.Join(t.TempDir(), "evident.db")
			if dialect == "postgres" {
				dsn = storetest.PostgresDSN(t)
			}
			a, b := setup(t, dsn, c)
			// On 10 January at noon, 1 to 8 January are missed (a day's
			// grace has passed) and 9 January is overdue.
			c.add(9*24*time.Hour + 12*time.Hour)
			sa := New(Config{Store: a, Holder: "a", Every: time.Minute, Now: c.now})
			sb := New(Config{Store: b, Holder: "b", Every: time.Minute, Now: c.now})
			total := 0
			ctx := context.Background()
			for round := 0; round < 6; round++ {
				var wg sync.WaitGroup
				counts := make([]int, 2)
				for i, s := range []*Scheduler{sa, sb} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						n, err := s.Tick(ctx)
						if err != nil {
							t.Error(err)
						}
						counts[i] = n
					}()
				}
				wg.Wait()
				total += counts[0] + counts[1]
				// Let the lease expire now and then so it changes hands,
				// and a new day is missed on the way.
				c.add(2 * time.Hour)
				if round == 2 {
					c.add(24 * time.Hour)
				}
			}
			var outcomes []sqlstore.Outcome
			var leaves []sqlstore.LedgerLeaf
			err := a.Read(ctx, func(tx *sqlstore.Tx) error {
				var err error
				if outcomes, err = tx.Outcomes(ctx, time.Time{}); err != nil {
					return err
				}
				n, err := tx.LedgerSize(ctx)
				if err != nil {
					return err
				}
				leaves, err = tx.LedgerLeaves(ctx, 0, n)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			missed := 0
			for _, l := range leaves {
				if l.Kind == "period.missed" {
					missed++
				}
			}
			// 1 to 9 January: the ninth became missed on the 11th.
			if len(outcomes) != 9 || missed != 9 || total != 9 {
				t.Errorf("outcomes %d, ledger records %d, reported %d; want 9 of each", len(outcomes), missed, total)
			}
			if len(outcomes) > 0 && (!outcomes[0].Start.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) || outcomes[len(outcomes)-1].Start.Day() != 9) {
				t.Errorf("recorded periods run from %s to %s, want 1 to 9 January", outcomes[0].Start, outcomes[len(outcomes)-1].Start)
			}
		})
	}
}

func TestLeaseKeepsTheSecondReplicaIdle(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	a, b := setup(t, filepath.Join(t.TempDir(), "evident.db"), c)
	c.add(6*24*time.Hour - 30*time.Second) // 6 January, 23:59:30
	ctx := context.Background()
	sa := New(Config{Store: a, Holder: "a", Every: time.Minute, Now: c.now})
	sb := New(Config{Store: b, Holder: "b", Every: time.Minute, Now: c.now})
	if n, err := sa.Tick(ctx); err != nil || n != 4 {
		t.Fatalf("first replica recorded %d (%v), want 4 (1 to 4 January)", n, err)
	}
	// Past midnight 5 January is missed, but the first replica holds the
	// lease: the second stays idle.
	c.add(time.Minute)
	if n, err := sb.Tick(ctx); err != nil || n != 0 {
		t.Errorf("second replica recorded %d (%v) while the first holds the lease, want 0", n, err)
	}
	// The first replica stops; once its lease expires the second takes over.
	c.add(3 * time.Minute)
	if n, err := sb.Tick(ctx); err != nil || n != 1 {
		t.Errorf("second replica after the lease expired recorded %d (%v), want 1 (5 January)", n, err)
	}
}

func TestStartStopsWithItsContext(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	a, _ := setup(t, filepath.Join(t.TempDir(), "evident.db"), c)
	ctx, cancel := context.WithCancel(context.Background())
	stop := Start(ctx, Config{Store: a, Every: time.Hour, Now: c.now})
	cancel()
	done := make(chan struct{})
	go func() { stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the scheduler did not stop when its context ended")
	}
}

// TestMissedDaysAfterTheClockMovesOn moves the clock 1, 30 and 400 days
// past the program's start in one step: the first tick records every day
// whose grace has run out, and nothing else, whatever today's date is.
func TestMissedDaysAfterTheClockMovesOn(t *testing.T) {
	for _, days := range []int{1, 30, 400} {
		t.Run(fmt.Sprintf("%d days", days), func(t *testing.T) {
			c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			a, _ := setup(t, filepath.Join(t.TempDir(), "evident.db"), c)
			c.add(time.Duration(days) * 24 * time.Hour)
			ctx := context.Background()
			s := New(Config{Store: a, Holder: "a", Every: time.Minute})
			// Day k ends at midnight and is missed a day of grace later:
			// on day 1+days the first days-1 days are missed. A tick looks
			// back 90 days (Config.Lookback), so after a longer outage the
			// 89 days missed inside it are recorded; readiness still counts
			// the older ones as missed, computed at read time.
			want := min(days-1, 89)
			if n, err := s.Tick(ctx); err != nil || n != want {
				t.Errorf("first tick %d days on recorded %d (%v), want %d", days, n, err, want)
			}
			if n, err := s.Tick(ctx); err != nil || n != 0 {
				t.Errorf("second tick at the same instant recorded %d (%v), want 0", n, err)
			}
		})
	}
}
