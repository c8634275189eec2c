package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"time"
)

// stmtCache keeps the statements a server's reads run prepared on the
// reader pool, so SQLite parses and plans each once per connection
// rather than on every call. Parsing was a third of the CPU of a request
// that reads only its API token, and an eighth of an evidence page's.
//
// A statement is prepared out of band, by one goroutine that holds no
// connection while it waits for one: preparing it from inside a
// transaction would take a second connection while holding the first,
// and with every connection of the pool held by such a transaction none
// would ever come free. Until it is ready a statement runs as before.
//
// Only statements of a bounded shape are kept: those built with a
// placeholder per item of a list (a batch of controls, an IN list) have
// as many texts as list lengths, and would fill the cache with texts
// that seldom repeat.
type stmtCache struct {
	db      *sql.DB
	mu      sync.Mutex
	ready   map[string]*sql.Stmt
	pending map[string]bool
	refused map[string]bool // failed to prepare (a temporary table's, say): not tried again
	queue   chan string
	stop    chan struct{}
	done    chan struct{}
}

// Bounds of the cache: the statements kept (each a few KB of SQLite's
// per connection), the placeholders of a statement worth keeping, and
// the statements waiting to be prepared.
const (
	maxKeptStatements = 256
	maxKeptParams     = 32
	maxPendingPrepare = 64
)

func newStmtCache(db *sql.DB) *stmtCache {
	c := &stmtCache{db: db, ready: map[string]*sql.Stmt{}, pending: map[string]bool{}, refused: map[string]bool{},
		queue: make(chan string, maxPendingPrepare), stop: make(chan struct{}), done: make(chan struct{})}
	go c.prepare()
	return c
}

// get returns q prepared, or nil when it is not (yet): the caller runs
// q unprepared, and q is queued to be prepared if it is worth keeping.
func (c *stmtCache) get(q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.ready[q]; ok {
		return st
	}
	if c.pending[q] || c.refused[q] || len(c.ready)+len(c.pending) >= maxKeptStatements ||
		strings.Count(q, "?") > maxKeptParams {
		return nil
	}
	select {
	case c.queue <- q:
		c.pending[q] = true
	default: // the preparer is behind: q is asked for again next time
	}
	return nil
}

// prepare prepares queued statements until close.
func (c *stmtCache) prepare() {
	defer close(c.done)
	for {
		var q string
		select {
		case <-c.stop:
			return
		case q = <-c.queue:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		st, err := c.db.PrepareContext(ctx, q)
		cancel()
		c.mu.Lock()
		delete(c.pending, q)
		switch {
		case err == nil:
			c.ready[q] = st
		case errors.Is(err, context.DeadlineExceeded):
			// Every connection busy for long: asked for again later.
		case len(c.refused) < maxKeptStatements:
			c.refused[q] = true
		}
		c.mu.Unlock()
	}
}

// close stops the preparer and closes the kept statements; the pool
// closes after it.
func (c *stmtCache) close() error {
	if c == nil {
		return nil
	}
	close(c.stop)
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.ready {
		errs = append(errs, st.Close())
		delete(c.ready, q)
	}
	return errors.Join(errs...)
}
