package ledger

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Ledger writes evidence (blob, record, leaf) and signs checkpoints. It is
// what every command and handler that stores evidence goes through.
type Ledger struct {
	st       *sqlstore.Store
	blobs    blob.Store
	signer   note.Signer    // nil: read-only
	verifier note.Verifier  // nil: signatures are not checked
	tsaRoots *x509.CertPool // trust anchors for stored RFC 3161 tokens
	// pinned and directory are the verifier keys' text, for following
	// key rotations (see SetKeys); "" when not given.
	pinned, directory string
	// deferSmall is set by DeferSmallBlobs; deferred counts blobs kept
	// in the database without a file since the last Settle.
	deferSmall atomic.Bool
	deferred   atomic.Int64
}

// Open returns a ledger over a store and a blob store. signer signs
// checkpoints; without one the ledger is read-only (list, show, verify).
// verifier checks stored checkpoints and must match signer when both are
// given.
//
// With a signer, Open also makes the store sign every write that appends
// to the ledger (sqlstore.Store.SetSigner): users, tokens, incidents and
// program changes are acknowledged under a checkpoint as evidence is.
func Open(st *sqlstore.Store, blobs blob.Store, signer note.Signer, verifier note.Verifier) *Ledger {
	if signer != nil {
		st.SetSigner(signer)
	}
	return &Ledger{st: st, blobs: blobs, signer: signer, verifier: verifier}
}

// DeferSmallBlobs makes a write of a few small files durable with one
// flush, the database commit, and no file creation before it is
// acknowledged (see commit). A long-running process (the server) calls
// it: its single uploads are the writes whose latency counts, and it
// writes the deferred files every settleEvery blobs. A command-line process does not: it ends right after its write,
// and its files are flushed before the commit as before, so that nothing
// is left for the next command to settle.
func (l *Ledger) DeferSmallBlobs() { l.deferSmall.Store(true) }

// Store returns the SQL store the ledger writes to.
func (l *Ledger) Store() *sqlstore.Store { return l.st }

// Blobs returns the blob store, reading a blob whose file Settle has not
// yet written from the bytes the database kept (see keptBlobs).
func (l *Ledger) Blobs() blob.Store { return keptBlobs{Store: l.blobs, l: l} }

// ReadOnly reports whether the ledger has no signing key, so callers that
// write records in their own transaction (Prepare, then InsertEvidence)
// can refuse before writing anything no checkpoint would cover.
func (l *Ledger) ReadOnly() bool { return l.signer == nil }

// Verifier returns the ledger's public key, nil when signatures are not
// checked; pages showing a proof check it with this, as an assessor would.
func (l *Ledger) Verifier() note.Verifier { return l.verifier }

// EvidenceInput is what an uploader says about a file: everything in
// evident.Evidence except what the server decides (id, digest, size, actor
// time, ledger index).
type EvidenceInput struct {
	Actor        string
	Kind         evident.EvidenceKind // default raw
	MediaType    string               // default: sniffed from the content
	Filename     string
	Effective    evident.Effective // zero: the time of receipt
	Controls     []string
	Requirements []evident.RequirementRef
	Services     []string
	Systems      []evident.SystemVersion
	About        []string
	Source       evident.EvidenceSource
	Performer    *evident.EvidencePerformer
	Supersedes   string
	DerivedFrom  []string
	Verdict      evident.Verdict
	Detail       []byte
}

// evidence builds the record for stored bytes. The id and receipt time are
// set by sqlstore.InsertEvidence from the transaction's clock.
func (in EvidenceInput) evidence(dg evident.Digest, size int64, sniffed string) evident.Evidence {
	e := evident.Evidence{
		Kind: in.Kind, Digest: dg, Size: size, MediaType: in.MediaType, Filename: in.Filename,
		Actor: in.Actor, Effective: in.Effective, Controls: in.Controls, Requirements: in.Requirements,
		Services: in.Services, Systems: in.Systems, About: in.About, Source: in.Source,
		Performer: in.Performer, Supersedes: in.Supersedes, DerivedFrom: in.DerivedFrom,
		Verdict: in.Verdict, Detail: in.Detail,
	}
	if e.Kind == "" {
		e.Kind = evident.RawEvidence
	}
	if e.MediaType == "" {
		e.MediaType = sniffed
	}
	return e
}

// Item is one file of a batch. Open is called once, when the item's turn
// comes, so a batch of ten thousand files holds only a few files open at a
// time. Open may be called from another goroutine.
type Item struct {
	Input EvidenceInput
	Open  func() (io.ReadCloser, error)
}

// AddEvidence stores one file and its record, then signs a checkpoint
// covering it. When it returns nil the blob, the record and the checkpoint
// are durable.
func (l *Ledger) AddEvidence(ctx context.Context, in EvidenceInput, content io.Reader) (evident.Evidence, error) {
	out, err := l.AddBatch(ctx, []Item{{Input: in, Open: func() (io.ReadCloser, error) { return io.NopCloser(content), nil }}})
	if err != nil {
		return evident.Evidence{}, err
	}
	return out[0], nil
}

// AddBatch stores many files as one group commit: the blobs are flushed
// together, then every record and leaf goes into one transaction with the
// checkpoint that covers them. Either all of the batch is durable when it
// returns nil, or none of its records exist. A bad item (unknown control,
// unreadable file) fails the whole batch with an error naming the item.
func (l *Ledger) AddBatch(ctx context.Context, items []Item) ([]evident.Evidence, error) {
	if l.signer == nil {
		return nil, evident.Errorf(evident.EINVALID, "the ledger is open read-only: no signing key")
	}
	b := l.blobs.Batch()
	defer b.Abort()
	evs, err := l.stageAll(ctx, b, items)
	if err != nil {
		return nil, err
	}
	return l.commit(ctx, b, evs)
}

// AddBatches stores batches of files one group commit after another, each
// as AddBatch would, and overlaps them: the next batch's files are read
// and its blobs sent to the store while the batch before it writes its
// records and checkpoint, so the store is not left idle during each
// transaction. A batch's records are written only once every blob of
// that batch is complete in the store; blobs of a batch with no records
// yet are named by no record, so a crash at any point loses no
// acknowledged batch. added is called with each batch's records, in
// order, once they are durable. The first failure ends it: the batches
// before the failing one stay stored, the failing one and those after it
// get no records, and the error names the file when one is to blame.
func (l *Ledger) AddBatches(ctx context.Context, batches [][]Item, added func([]evident.Evidence) error) error {
	if l.signer == nil {
		return evident.Errorf(evident.EINVALID, "the ledger is open read-only: no signing key")
	}
	ctx, cancel := context.WithCancel(ctx)
	// staged hands over one batch at a time: while its records are
	// written the next batch is read and sent, and no further, so at
	// most two batches are held in memory.
	type staged struct {
		b   blob.Batch
		f   flushed
		err error
	}
	ready := make(chan staged)
	go func() {
		defer close(ready)
		for _, items := range batches {
			s := staged{b: l.blobs.Batch()}
			var evs []evident.Evidence
			if evs, s.err = l.stageAll(ctx, s.b, items); s.err == nil {
				s.f, s.err = l.flush(ctx, s.b, evs)
			}
			select {
			case ready <- s:
			case <-ctx.Done():
				s.b.Abort()
				return
			}
			if s.err != nil {
				return
			}
		}
	}()
	// On return, stop the batch being sent and wait for it, so nothing
	// of this call is still in flight once it has returned.
	defer func() {
		cancel()
		for s := range ready {
			s.b.Abort()
		}
	}()
	for s := range ready {
		if s.err != nil {
			s.b.Abort()
			return s.err
		}
		evs, err := l.record(ctx, s.f)
		s.b.Abort()
		if err != nil {
			return err
		}
		if err := added(evs); err != nil {
			return err
		}
	}
	return nil
}

// stageAll stages the items on a few goroutines: creating and writing
// small files is kernel work that runs on every core, and a large file's
// hashing overlaps another's writing. Records keep the items' order.
func (l *Ledger) stageAll(ctx context.Context, b blob.Batch, items []Item) ([]evident.Evidence, error) {
	evs := make([]evident.Evidence, len(items))
	errs := make([]error, len(items))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(len(items), 2*runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				evs[i], errs[i] = l.stage(ctx, b, items[i])
			}
		}()
	}
	for i := range items {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return evs, nil
}

// stage puts one item's bytes into the batch and builds its record.
func (l *Ledger) stage(ctx context.Context, b blob.Batch, it Item) (evident.Evidence, error) {
	name := it.Input.Filename
	rc, err := it.Open()
	if err != nil {
		return evident.Evidence{}, evident.Errorf(evident.EINVALID, "%s: %v", name, err)
	}
	defer rc.Close()
	sn := &sniffer{r: rc}
	dg, size, err := b.Put(ctx, sn)
	if err != nil {
		return evident.Evidence{}, fmt.Errorf("%s: %w", name, err)
	}
	return it.Input.evidence(dg, size, sn.mediaType(name)), nil
}

// Prepare stores one blob durably and returns its record, not yet in the
// ledger, for callers that must record evidence inside their own
// transaction (an incident notification and its report together): pass it
// to tx.InsertEvidence, then call Checkpoint after the commit.
func (l *Ledger) Prepare(ctx context.Context, in EvidenceInput, content io.Reader) (evident.Evidence, error) {
	sn := &sniffer{r: content}
	dg, size, err := l.blobs.Put(ctx, sn)
	if err != nil {
		return evident.Evidence{}, err
	}
	return in.evidence(dg, size, sn.mediaType(in.Filename)), nil
}

// Checkpoint signs a checkpoint for the current tree, unless the latest
// stored one already covers it, and returns the signed note.
func (l *Ledger) Checkpoint(ctx context.Context) ([]byte, error) {
	var c sqlstore.Checkpoint
	var err error
	if l.signer == nil {
		err = l.st.Read(ctx, func(tx *sqlstore.Tx) error {
			c, err = tx.LatestCheckpoint(ctx)
			return err
		})
	} else {
		err = l.st.Write(ctx, func(tx *sqlstore.Tx) error {
			c, err = l.sign(ctx, tx)
			return err
		})
	}
	return c.Note, err
}

// sign signs a checkpoint for the tree as tx sees it (see
// sqlstore.Tx.SignCheckpoint).
func (l *Ledger) sign(ctx context.Context, tx *sqlstore.Tx) (sqlstore.Checkpoint, error) {
	return tx.SignCheckpoint(ctx, l.signer)
}

// CheckpointBody is the C2SP tlog-checkpoint body: origin, tree size and
// base64 root, one per line.
func CheckpointBody(origin string, size int64, root tlog.Hash) string {
	return sqlstore.CheckpointBody(origin, size, root)
}

// ParsedCheckpoint is a checkpoint's body.
type ParsedCheckpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
}

// OpenCheckpoint verifies a signed checkpoint with v and parses its body.
func OpenCheckpoint(signed []byte, v note.Verifier) (ParsedCheckpoint, error) {
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		return ParsedCheckpoint{}, evident.Errorf(evident.EFAILED, "checkpoint signature does not verify with key %s: %v", v.Name(), err)
	}
	return ParseCheckpointBody(n.Text)
}

// ParseCheckpointBody reads origin, size and root; extension lines after
// the root are allowed by C2SP and ignored.
func ParseCheckpointBody(text string) (ParsedCheckpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 {
		return ParsedCheckpoint{}, evident.Errorf(evident.EINVALID, "checkpoint body has %d lines, want origin, size and root", len(lines)-1)
	}
	var c ParsedCheckpoint
	c.Origin = lines[0]
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return c, evident.Errorf(evident.EINVALID, "checkpoint size %q", lines[1])
	}
	c.Size = size
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return c, evident.Errorf(evident.EINVALID, "checkpoint root %q", lines[2])
	}
	copy(c.Root[:], root)
	return c, nil
}

// Size returns the number of leaves in the ledger.
func (l *Ledger) Size(ctx context.Context) (int64, error) {
	var n int64
	err := l.st.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		n, err = tx.LedgerSize(ctx)
		return err
	})
	return n, err
}

func hashReader(ctx context.Context, tx *sqlstore.Tx) tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return tx.ReadHashes(ctx, idx) })
}
