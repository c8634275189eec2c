package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
)

// cmdVerify recomputes the whole store (see ledger.Verify) and exits 1
// naming every problem it finds.
func cmdVerify(a *app, args []string) error {
	fs := a.flags("verify")
	rootsPath := fs.String("tsa-roots", "", "PEM `file` of trusted TSA roots for stored time-stamp tokens (default DATA/tsa-roots.pem)")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	roots, _, err := a.tsaRoots(*rootsPath)
	if err != nil {
		return err
	}
	l, st, err := a.openLedger()
	if err != nil {
		return err
	}
	defer st.Close()
	l.SetTSARoots(roots)
	// Verify decodes every leaf and row once and keeps little: collecting
	// garbage less often saves about a sixth of its CPU at a hundred
	// thousand records, for a few more MiB of heap in a short-lived process.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	p := newProgress(a.stderr, "verify: hashing blobs")
	r, err := l.Verify(a.ctx, p.update)
	p.finish()
	if err != nil {
		return err
	}
	if a.json {
		if r.Problems == nil {
			r.Problems = []ledger.Problem{}
		}
		if err := a.printJSON(r); err != nil {
			return err
		}
	} else {
		for _, pr := range r.Problems {
			a.out("FAIL %s\n", pr)
		}
		a.out("%d ledger records, %d evidence records, %d blobs (%d bytes), %d checkpoints, %d anchors checked\n",
			r.Leaves, r.Evidence, r.Blobs, r.Bytes, r.Checkpoints, r.Anchors)
	}
	if !r.OK() {
		return evident.Errorf(evident.EFAILED, "verify found %d problems", len(r.Problems))
	}
	if !a.json {
		a.out("OK\n")
	}
	return nil
}

// progress draws a one-line progress meter on a terminal, at most a few
// times a second; on anything else (a pipe, a log file, a test) it says
// nothing, so output stays clean for machines.
type progress struct {
	w     io.Writer
	label string
	tty   bool
	mu    sync.Mutex
	last  time.Time
	drawn bool
}

func newProgress(w io.Writer, label string) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, label: label, tty: ok && term.IsTerminal(int(f.Fd()))}
}

func (p *progress) update(done, total int64) {
	if !p.tty {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 200*time.Millisecond && done < total {
		return
	}
	p.last = time.Now()
	pct := 100.0
	if total > 0 {
		pct = 100 * float64(done) / float64(total)
	}
	fmt.Fprintf(p.w, "\r%s %5.1f%% (%d of %d MB)", p.label, pct, done>>20, total>>20)
	p.drawn = true
}

func (p *progress) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
