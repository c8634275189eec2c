package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/term"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/web"
)

// pinEnv names the verifier key pinned in the configuration, the
// signed-note verifier string (the content of ledger.pub).
const pinEnv = "EVIDENT_LEDGER_KEY"

// notPinned is the first line of verify and pack verify when no key is
// pinned: the check then rests on a key from the thing being checked.
const notPinned = "key not pinned: checked with the key %s carries, which anyone who can rewrite it can replace; pin the key with --key or " + pinEnv + "\n"

// cmdVerify recomputes the whole store (see ledger.Verify) and exits 1
// naming every problem it finds. With a pinned key (--key or
// EVIDENT_LEDGER_KEY) every checkpoint must verify with it and the data
// directory must hold it; without one the first line says so.
func cmdVerify(a *app, args []string) error {
	fs := a.flags("verify")
	rootsPath := fs.String("tsa-roots", "", "PEM `file` of trusted TSA roots for stored time-stamp tokens (default DATA/tsa-roots.pem)")
	keyArg := fs.String("key", "", "the ledger verifier key the store must be signed with: a `file` such as a copy of ledger.pub kept elsewhere, or the key itself ("+pinEnv+")")
	var witnessArgs listFlag
	fs.Var(&witnessArgs, "witness", "a witness verifier `KEY` (or file, or URL=KEY to ask the witness too): the store must hold every tree it cosigned; repeatable")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	ws, err := a.witnessKeys(witnessArgs)
	if err != nil {
		return err
	}
	pin, err := a.pinnedKey(*keyArg)
	if err != nil {
		return err
	}
	roots, _, err := a.tsaRoots(*rootsPath)
	if err != nil {
		return err
	}
	l, st, wrong, err := a.openVerifyLedger(pin)
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
	// Window facts are judgements kept to read instead of the records:
	// with the records proved against the log, each row is judged again.
	facts, err := readiness.CheckWindowFacts(a.ctx, st, a.now().UTC())
	if err != nil {
		return err
	}
	for _, f := range facts {
		r.Problems = append(r.Problems, ledger.Problem{Kind: ledger.EditedRow, Index: -1, Ref: "window_facts", Message: f})
	}
	// So are the dashboard's figures kept for the ledger's current size:
	// each is computed again as the dashboard computed it.
	cat, err := catalog.Load()
	if err != nil {
		return err
	}
	kept, err := web.CheckCachedResults(a.ctx, st, cat)
	if err != nil {
		return err
	}
	for _, f := range kept {
		r.Problems = append(r.Problems, ledger.Problem{Kind: ledger.EditedRow, Index: -1, Ref: "result_cache", Message: f})
	}
	r.Key, r.KeyPinned = pin, pin != ""
	if wrong != nil {
		r.Problems = append([]ledger.Problem{*wrong}, r.Problems...)
	}
	if err := a.checkWitnesses(l, ws, &r); err != nil {
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
		if pin == "" {
			a.out(notPinned, "the data directory ("+verifierFile+")")
		}
		for _, pr := range r.Problems {
			a.out("FAIL %s\n", pr)
		}
		for _, d := range r.DeletedByRetention {
			a.out("Deleted %s\n", d)
		}
		for _, e := range r.KeyEvents {
			a.out("Key event at %s\n", e)
		}
		for _, w := range r.Witnessed {
			if w.Size > 0 {
				a.out("Witness %s cosigned a tree of %d records at %s\n", w.Witness, w.Size, w.CosignedAt)
			}
		}
		a.out("%s, %s, %s (%s), %s, %s checked\n",
			count(int(r.Leaves), "ledger record", "ledger records"), count(r.Evidence, "evidence record", "evidence records"),
			count(r.Blobs, "blob", "blobs"), count(int(r.Bytes), "byte", "bytes"), count(r.Checkpoints, "checkpoint", "checkpoints"),
			count(r.Anchors, "anchor", "anchors"))
		if len(r.Unchecked) > 0 {
			a.out("Not yet re-derived from the log, so not checked against it: %s\n", strings.Join(r.Unchecked, ", "))
		}
	}
	if !r.OK() {
		return evident.Errorf(evident.EFAILED, "verify found %s", count(len(r.Problems), "problem", "problems"))
	}
	if !a.json {
		a.out("OK\n")
	}
	return nil
}

// pinnedKey returns the verifier key given by flag (a file or the key)
// or, without one, by EVIDENT_LEDGER_KEY; "" when none is pinned.
func (a *app) pinnedKey(flag string) (string, error) {
	if flag != "" {
		return readKeyArg(flag)
	}
	pin := strings.TrimSpace(a.getenv(pinEnv))
	if pin == "" {
		return "", nil
	}
	if _, err := note.NewVerifier(pin); err != nil {
		return "", evident.ErrorAt(evident.EINVALID, pinEnv, "%q is not a ledger verifier key (%v)", pin, err)
	}
	return pin, nil
}

// openVerifyLedger opens the store read-only for verify. With a pinned
// key the ledger checks every checkpoint with it, and a data directory
// holding another key is a problem, reported with the rest rather than
// ending the run.
func (a *app) openVerifyLedger(pin string) (*ledger.Ledger, *sqlstore.Store, *ledger.Problem, error) {
	if pin == "" {
		l, st, err := a.openLedger()
		if err == nil {
			pub, _ := a.directoryKey()
			l.SetKeys("", pub)
		}
		return l, st, nil, err
	}
	v, err := note.NewVerifier(pin)
	if err != nil {
		return nil, nil, nil, err
	}
	// The data directory's key is compared with the log's key chain by
	// Verify: after a rotation it differs from a pin of an earlier key.
	pub, err := os.ReadFile(filepath.Join(a.data, verifierFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil, err
	}
	blobs, err := a.openBlobs()
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := a.openStore()
	if err != nil {
		return nil, nil, nil, err
	}
	l := ledger.Open(st, blobs, nil, v)
	l.SetKeys(pin, strings.TrimSpace(string(pub)))
	if err := l.Settle(a.ctx); err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	return l, st, nil, nil
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
