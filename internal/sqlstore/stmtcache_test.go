package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evidenthq/evident"
)

// openKept opens a fresh SQLite store that keeps its read statements.
func openKept(t *testing.T) (*Store, *stmtCache) {
	t.Helper()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "evident.db"), Options{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.KeepStatements()
	return s, s.kept.Load()
}

// waitReady waits for the preparer to have prepared q, failing after
// some seconds.
func waitReady(t *testing.T, c *stmtCache, q string) {
	t.Helper()
	for range 2000 {
		c.mu.Lock()
		_, ok := c.ready[q]
		c.mu.Unlock()
		if ok {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%q was never prepared", q)
}

// userNamed reads a user's role with q, through the store's read path.
func userNamed(s *Store, q, name string) (string, error) {
	var role string
	err := s.Read(context.Background(), func(tx *Tx) error {
		return tx.QueryRow(context.Background(), q, name).Scan(&role)
	})
	return role, err
}

// A kept statement answers what the statement answers unprepared, for
// every argument, and is used once ready.
func TestKeptStatementsAnswerAsUnprepared(t *testing.T) {
	s, c := openKept(t)
	ctx := context.Background()
	for _, u := range []evident.User{{Name: "ana", Role: evident.RoleAdmin}, {Name: "bo", Role: evident.RoleApprover}} {
		if err := s.CreateUser(ctx, u, "", "setup"); err != nil {
			t.Fatal(err)
		}
	}
	const q = `SELECT role FROM users WHERE name = ?`
	if role, err := userNamed(s, q, "ana"); err != nil || role != string(evident.RoleAdmin) {
		t.Fatalf("unprepared: %q, %v", role, err)
	}
	waitReady(t, c, q)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Go(func() {
			name, want := "ana", string(evident.RoleAdmin)
			if i%2 == 1 {
				name, want = "bo", string(evident.RoleApprover)
			}
			if role, err := userNamed(s, q, name); err != nil || role != want {
				errs <- fmt.Errorf("prepared, %s: %q, %v; want %q", name, role, err, want)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if _, err := userNamed(s, q, "nobody"); err == nil {
		t.Error("a user that does not exist was found through the kept statement")
	}
}

// Every reader connection held by a transaction that asks for a new
// statement must not stop the transactions: the statements are prepared
// after, by the preparer, never by a reader waiting for a connection.
func TestKeptStatementsNeverWaitForAConnection(t *testing.T) {
	s, c := openKept(t)
	inside := sync.WaitGroup{}
	inside.Add(readConns)
	release := make(chan struct{})
	done := make(chan error, readConns)
	for i := range readConns {
		go func() {
			done <- s.Read(context.Background(), func(tx *Tx) error {
				var n int
				// A text of its own per reader: each is queued.
				err := tx.QueryRow(context.Background(), fmt.Sprintf(`SELECT COUNT(*) + %d FROM users`, i)).Scan(&n)
				inside.Done()
				<-release
				return err
			})
		}()
	}
	inside.Wait()
	close(release)
	timeout := time.After(30 * time.Second)
	for range readConns {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-timeout:
			t.Fatal("readers holding every connection never finished")
		}
	}
	for i := range readConns {
		waitReady(t, c, fmt.Sprintf(`SELECT COUNT(*) + %d FROM users`, i))
	}
}

// A statement that does not prepare keeps failing as it did, and is not
// tried again; one with a placeholder per list item is never kept.
func TestKeptStatementsRefuseWhatDoesNotPrepare(t *testing.T) {
	s, c := openKept(t)
	const bad = `SELECT missing_column FROM nowhere_table WHERE x = ?`
	for range 2 {
		if _, err := userNamed(s, bad, "ana"); err == nil || !strings.Contains(err.Error(), "nowhere_table") {
			t.Fatalf("err = %v; want the statement's own error", err)
		}
	}
	for range 2000 {
		c.mu.Lock()
		refused := c.refused[bad]
		c.mu.Unlock()
		if refused {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := userNamed(s, bad, "ana"); err == nil {
		t.Fatal("a statement that does not prepare ran once refused")
	}
	c.mu.Lock()
	refused, ready := c.refused[bad], c.ready[bad] != nil
	c.mu.Unlock()
	if !refused || ready {
		t.Errorf("refused %v, ready %v; want it refused", refused, ready)
	}
	long := `SELECT role FROM users WHERE name IN (` + strings.Repeat("?, ", maxKeptParams) + `?)`
	got := c.get(long)
	c.mu.Lock()
	pending := c.pending[long]
	c.mu.Unlock()
	if got != nil || pending {
		t.Error("a statement with more placeholders than maxKeptParams was queued")
	}
}

// PostgreSQL's driver keeps its statements: the store keeps none there.
func TestKeptStatementsOnlyOnSQLite(t *testing.T) {
	s := &Store{dialect: Postgres}
	s.KeepStatements()
	if s.kept.Load() != nil {
		t.Error("a PostgreSQL store started a statement cache")
	}
}
