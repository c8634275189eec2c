package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/pack"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// packSubs are `evident pack`'s subcommands: export for a period, and
// verify one offline.
var packSubs = []sub{
	{"export", "write the assessor's evidence pack for a period", packExport},
	{"verify", "verify a pack offline; exit 1 on any failure", packVerify},
}

// packExport writes the pack to a temporary file beside --out, flushes it
// and renames it into place: a failed or interrupted export leaves no
// half-written pack under the name an assessor would be given.
func packExport(a *app, args []string) error {
	flags := a.flags("pack export")
	from := flags.String("from", "", "first instant of the period (2026-01-01 or RFC 3339)")
	to := flags.String("to", "", "end of the period, exclusive (2027-01-01 for the year 2026)")
	period := flags.String("period", "", "the period as a year, quarter or month (2026, 2026-Q3, 2026-07), instead of --from/--to")
	services := flags.String("services", "", "comma-separated service ids the pack speaks for (default: all)")
	out := flags.String("out", "", "the pack `file` to write (F.zip)")
	previous := flags.String("previous", "", "an earlier pack `file` of this ledger: the new pack carries the proof that its log extends it")
	if _, err := a.parse(flags, args); err != nil {
		return err
	}
	opt, err := packOptions(a, *from, *to, *period, *services)
	if err != nil {
		return err
	}
	if *previous != "" {
		// The earlier pack must be signed with this ledger's key: the
		// pinned one when it is configured, else the data directory's.
		key, err := a.pinnedKey("")
		if err != nil {
			return err
		}
		if key == "" {
			pub, err := os.ReadFile(filepath.Join(a.data, verifierFile))
			if err != nil {
				return err
			}
			key = strings.TrimSpace(string(pub))
		}
		if opt.Previous, err = readPrevious(a, *previous, key); err != nil {
			// Signed with an earlier key of this log (before a rotation or
			// recovery) is as good: the key events vouch for the change.
			h, herr := readPrevious(a, *previous, "")
			if herr != nil || !a.logHasKey(h.Key) {
				return err
			}
			opt.Previous = h
		}
	}
	if *out == "" {
		return evident.ErrorAt(evident.EINVALID, "--out", "missing: the file to write the pack to")
	}
	if _, err := os.Stat(*out); err == nil {
		return evident.ErrorAt(evident.ECONFLICT, *out, "already exists; choose another name or remove it")
	}
	l, st, err := a.openLedger()
	if err != nil {
		return err
	}
	defer st.Close()
	signer, _, err := a.ledgerKeys()
	if err != nil {
		return err
	}
	pub, err := os.ReadFile(filepath.Join(a.data, verifierFile))
	if err != nil {
		return err
	}
	cat, err := catalog.Load()
	if err != nil {
		return err
	}
	src := pack.Source{Ledger: l, Signer: signer, Key: strings.TrimSpace(string(pub)), Catalog: cat}
	if src.TSARoots, err = os.ReadFile(filepath.Join(a.data, tsaRootsFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	p := newProgress(a.stderr, "pack export: copying evidence")
	opt.Progress = p.update
	man, err := writePack(a, *out, src, opt)
	p.finish()
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(exportSummary(man, *out))
	}
	s := exportSummary(man, *out)
	a.out("Wrote %s: %s (%s), %s, %s, period %s to %s, final checkpoint %d\n",
		*out, count(s.Evidence, "evidence item", "evidence items"), count(int(s.Bytes), "byte", "bytes"), count(s.Records, "audit record", "audit records"),
		count(s.Checkpoints, "checkpoint", "checkpoints"), stamp(man.Period.From), stamp(man.Period.To), man.Final.Size)
	a.out("Ledger key: %s\n", man.Key)
	return nil
}

// packOptions reads the period and scope flags.
func packOptions(a *app, from, to, period, services string) (pack.Options, error) {
	opt := pack.Options{Actor: a.actor, Now: a.now(), Services: splitList(services)}
	if period != "" {
		if from != "" || to != "" {
			return opt, evident.ErrorAt(evident.EINVALID, "--period", "give --period or --from/--to, not both")
		}
		e, err := evident.ParseEffectivePeriod(period)
		if err != nil {
			return opt, evident.ErrorAt(evident.EINVALID, "--period", "%s", evident.ErrorMessage(err))
		}
		if e.IsInstant() {
			return opt, evident.ErrorAt(evident.EINVALID, "--period", "%q is an instant, not a period", period)
		}
		opt.From, opt.To = e.From, e.To
		return opt, nil
	}
	var err error
	if from != "" {
		if opt.From, err = evident.ParseTime(from); err != nil {
			return opt, evident.ErrorAt(evident.EINVALID, "--from", "%s", evident.ErrorMessage(err))
		}
	}
	if to != "" {
		if opt.To, err = evident.ParseTime(to); err != nil {
			return opt, evident.ErrorAt(evident.EINVALID, "--to", "%s", evident.ErrorMessage(err))
		}
	}
	return opt, opt.Validate()
}

func writePack(a *app, out string, src pack.Source, opt pack.Options) (*pack.Manifest, error) {
	dir := filepath.Dir(out)
	f, err := os.CreateTemp(dir, ".pack-*.zip.tmp")
	if err != nil {
		return nil, evident.ErrorAt(evident.EINVALID, out, "cannot write here: %v", unwrapPath(err))
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	defer f.Close()
	// The buffer gathers the zip's small headers, leaves and proofs; its
	// size matches the chunks evidence is copied in (pack's copyBuf), so
	// what the kernel copies from is still in the CPU cache.
	bw := bufio.NewWriterSize(&writeBehind{f: f}, 64<<10)
	man, err := pack.Export(a.ctx, src, opt, bw)
	if err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("write %s: %w", out, err)
	}
	if err := f.Sync(); err != nil {
		return nil, fmt.Errorf("flush %s: %w", out, err)
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	// Link, not rename: link(2) refuses to replace a file that appeared at
	// out meanwhile.
	if err := os.Link(tmp, out); err != nil {
		return nil, evident.ErrorAt(evident.ECONFLICT, out, "%v", unwrapPath(err))
	}
	return man, nil
}

// writeBehindChunk is how many bytes of a pack are written before the
// kernel is asked to start writing them to disk.
const writeBehindChunk = 8 << 20

// writeBehind writes to f and starts the disk write of every
// writeBehindChunk bytes as soon as they are written. Left alone, the
// kernel would keep a 1 GiB pack in memory (it starts writing back at a
// tenth of RAM) and write all of it at the closing fsync, after the copy;
// started early, the disk writes while evidence is still being copied and
// the fsync waits for the last few MiB only.
type writeBehind struct {
	f            *os.File
	off, started int64
}

func (w *writeBehind) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.off += int64(n)
	if w.off-w.started >= writeBehindChunk {
		startWriteback(w.f, w.started, w.off-w.started)
		w.started = w.off
	}
	return n, err
}

// packSummary is what export reports.
type packSummary struct {
	Out         string      `json:"out"`
	Pack        string      `json:"pack"`
	Period      pack.Period `json:"period"`
	Services    []string    `json:"services"`
	Evidence    int         `json:"evidence"`
	Records     int         `json:"records"`
	Redacted    int         `json:"redacted"`
	Bytes       int64       `json:"bytes"`
	Checkpoints int         `json:"checkpoints"`
	FinalSize   int64       `json:"final_size"`
	Key         string      `json:"key"`
}

func exportSummary(m *pack.Manifest, out string) packSummary {
	s := packSummary{Out: out, Pack: m.ID, Period: m.Period, Services: m.Scope.Services, Checkpoints: len(m.Checkpoints),
		FinalSize: m.Final.Size, Key: m.Key}
	if c := m.Counts; c != nil {
		s.Evidence, s.Records, s.Redacted, s.Bytes = c.Evidence, c.Records, c.Redacted, c.Bytes
	}
	return s
}

// packVerify checks a pack with nothing but the file: no data directory,
// no network. It exits 1 naming every problem.
func packVerify(a *app, args []string) error {
	flags := a.flags("pack verify")
	keyArg := flags.String("key", "", "the ledger verifier key the pack must be signed with: a `file` such as ledger.pub, or the key itself ("+pinEnv+")")
	previous := flags.String("previous", "", "an earlier pack `file` you kept: this pack's log must extend its log (no rollback, no fork)")
	pos, err := a.parse(flags, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return evident.Errorf(evident.EINVALID, "pack verify: want one pack file, got %d arguments", len(pos))
	}
	opt := pack.VerifyOptions{}
	if opt.Key, err = a.pinnedKey(*keyArg); err != nil {
		return err
	}
	if *previous != "" {
		if opt.Previous, err = readPrevious(a, *previous, opt.Key); err != nil {
			return err
		}
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return evident.ErrorAt(evident.EINVALID, pos[0], "%v", unwrapPath(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return evident.ErrorAt(evident.EINVALID, pos[0], "not a regular file")
	}
	p := newProgress(a.stderr, "pack verify: hashing evidence")
	opt.Progress = p.update
	r, err := pack.Verify(a.ctx, f, fi.Size(), opt)
	p.finish()
	if err != nil {
		return err
	}
	if a.json {
		if err := a.printJSON(r); err != nil {
			return err
		}
	} else {
		printPackReport(a, pos[0], r)
	}
	if !r.OK {
		return evident.Errorf(evident.EFAILED, "pack %s failed verification with %s", pos[0], count(len(r.Problems), "problem", "problems"))
	}
	return nil
}

// readPrevious verifies the earlier pack named by --previous, with key
// pinned when it is set, and returns its final checkpoint. A previous
// pack that does not verify fails the command (exit 1): it cannot vouch
// for anything.
func readPrevious(a *app, name, key string) (*pack.Head, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, evident.ErrorAt(evident.EINVALID, "--previous", "%v", unwrapPath(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, evident.ErrorAt(evident.EINVALID, "--previous", "%s is not a regular file", name)
	}
	h, _, err := pack.ReadHead(a.ctx, f, fi.Size(), pack.VerifyOptions{Key: key})
	if err != nil {
		return nil, evident.ErrorAt(evident.EFAILED, "--previous", "%s: %s", name, evident.ErrorMessage(err))
	}
	return &h, nil
}

// readKeyArg reads --key: a file holding the verifier key, or the key.
func readKeyArg(s string) (string, error) {
	key := s
	if b, err := os.ReadFile(s); err == nil {
		key = strings.TrimSpace(string(b))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", evident.ErrorAt(evident.EINVALID, "--key", "%v", unwrapPath(err))
	}
	if _, err := note.NewVerifier(key); err != nil {
		return "", evident.ErrorAt(evident.EINVALID, "--key", "%q is neither a key file nor a ledger verifier key (%v)", s, err)
	}
	return key, nil
}

func printPackReport(a *app, name string, r *pack.Report) {
	if !r.KeyChecked {
		a.out(notPinned, "the pack ("+pack.KeyName+")")
	}
	for _, p := range r.Problems {
		a.out("FAIL %s\n", p)
	}
	if r.Period != nil {
		a.out("Pack %s of %s, period %s to %s, %s\n", r.Pack, r.Program, stamp(r.Period.From), stamp(r.Period.To), r.Standard)
	}
	if r.Key != "" {
		trust := "compare it with the key the provider gave you, or pass --key"
		switch {
		case r.KeyChecked && r.KeyMatches:
			trust = "matches --key"
		case r.KeyChecked:
			// The FAIL line above says so too; this line must not
			// read as if the key were trusted.
			trust = "does NOT match --key"
		}
		a.out("Ledger key %s (%s)\n", r.Key, trust)
	}
	for _, e := range r.KeyEvents {
		a.out("Key event at %s\n", e)
	}
	if p := r.Previous; p != nil {
		a.out("Previous pack %s (%s): final tree size %d, root %s\n", p.Pack, p.Format, p.Size, p.Root)
	}
	a.out("%s (%d evidence, %s, %d out of scope), %s (%s) hashed, %s, %s, %s; final tree size %d\n",
		count(r.Items, "item", "items"), r.Evidence, count(r.Records, "audit record", "audit records"), r.Redacted,
		count(r.Blobs, "blob", "blobs"), count(int(r.Bytes), "byte", "bytes"), count(r.Checkpoints, "checkpoint", "checkpoints"),
		count(r.Consistency, "consistency proof", "consistency proofs"), count(r.Anchors, "anchor", "anchors"), r.FinalSize)
	for _, c := range r.Coverage {
		gaps := "no gaps"
		if len(c.Gaps) > 0 {
			gaps = "gaps: " + strings.Join(c.Gaps, "; ")
		}
		open := ""
		if c.Open > 0 {
			// Windows still running or not started: not a gap, and not
			// yet due either.
			open = fmt.Sprintf(" (%d not yet due)", c.Open)
		}
		a.out("  %-32s %-14s %d of %d periods evidenced%s, %s\n", c.Control, c.Cadence, c.Found, c.Expected, open, gaps)
	}
	if r.OK {
		a.out("OK %s\n", name)
	}
}

// logHasKey reports whether vkey signed this log at some point: a key of
// the chain its key events describe.
func (a *app) logHasKey(vkey string) bool {
	cur, err := a.directoryKey()
	if err != nil {
		return false
	}
	st, err := a.openStore()
	if err != nil {
		return false
	}
	defer st.Close()
	var events []ledger.KeyEvent
	err = st.Read(a.ctx, func(tx *sqlstore.Tx) error {
		events, err = ledger.KeyEvents(a.ctx, tx)
		return err
	})
	return err == nil && ledger.NewKeyChain(events, cur).Has(vkey)
}
