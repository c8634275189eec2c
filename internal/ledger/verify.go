package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Problem kinds. Each names a way the store can disagree with itself; the
// wording is what `evident verify` prints.
const (
	ChangedBlob      = "changed blob"
	MissingBlob      = "missing blob"
	EditedRow        = "edited row"
	DeletedRecord    = "deleted record"
	RewrittenHistory = "rewritten history"
	BadSignature     = "bad signature"
	BadAnchor        = "bad anchor"
	Reordered        = "reordered leaves"
	Unsigned         = "unsigned records"
	AddedRow         = "added row"
	WrongKey         = "wrong key"
	Forged           = "forged checkpoint" // signed by a key a recovery retired
)

// Problem is one integrity failure, with the record it concerns.
type Problem struct {
	Kind    string `json:"kind"`
	Index   int64  `json:"index"` // the ledger leaf, or -1
	Ref     string `json:"ref,omitempty"`
	Message string `json:"message"`
}

// String is the line `evident verify` prints for the problem.
func (p Problem) String() string { return p.Kind + ": " + p.Message }

// Report is what Verify found.
type Report struct {
	Leaves      int64     `json:"leaves"`
	Evidence    int       `json:"evidence"`
	Blobs       int       `json:"blobs"`
	Bytes       int64     `json:"bytes"`
	Checkpoints int       `json:"checkpoints"`
	Anchors     int       `json:"anchors"`
	Problems    []Problem `json:"problems"`
	// Unchecked names the tables that decide a state but are not yet
	// re-derived from the log, so no one takes them for checked.
	Unchecked []string `json:"unchecked_tables"`
	// Key is the verifier key pinned by the caller; KeyPinned is false
	// when the checkpoints were checked with the key the store carries.
	Key       string `json:"key,omitempty"`
	KeyPinned bool   `json:"key_pinned"`
	// Witnessed is, per witness key checked, the largest tree it cosigned.
	Witnessed []Witnessed `json:"witnessed,omitempty"`
	// KeyEvents are the rotations and recoveries of the signing key (and
	// the recording of the recovery key), for verify to show who signed them.
	KeyEvents []KeyEvent `json:"key_events,omitempty"`
	// DeletedByRetention are the blobs absent from the store because a
	// signed retention.delete leaf after their last evidence leaf says
	// `retention apply` deleted them: not a problem, and named so that no
	// one mistakes them for checked bytes. A blob missing without such a
	// leaf is a MissingBlob problem.
	DeletedByRetention []RetentionDeleted `json:"deleted_by_retention,omitempty"`
}

// RetentionDeleted is one blob verify found deleted by retention.
type RetentionDeleted struct {
	Evidence string         `json:"evidence"`
	Digest   evident.Digest `json:"sha256"`
	At       time.Time      `json:"at"`
	Leaf     int64          `json:"leaf"` // the retention.delete leaf
}

// String is the line `evident verify` prints for the blob.
func (d RetentionDeleted) String() string {
	return fmt.Sprintf("evidence %s: blob %s deleted by retention at %s (leaf %d)", d.Evidence, d.Digest, evident.UTC(d.At), d.Leaf)
}

// OK reports whether nothing was wrong.
func (r Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) add(kind string, idx int64, ref, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{Kind: kind, Index: idx, Ref: ref, Message: fmt.Sprintf(format, args...)})
}

// leafInfo is what verify keeps per evidence leaf to hash its blob.
type leafInfo struct {
	index  int64
	digest evident.Digest
}

// Verify recomputes the ledger from its leaves and checks everything that
// could have been changed behind the program's back: the stored tree
// hashes, every checkpoint's signature and root and their consistency,
// every evidence row against its leaf, and every blob against its digest.
// progress, if not nil, is called with bytes of blobs hashed so far and
// the total. The error is for failures to read; integrity failures are in
// the report.
func (l *Ledger) Verify(ctx context.Context, progress func(done, total int64)) (Report, error) {
	var r Report
	var err error
	rerr := l.st.Read(ctx, func(tx *sqlstore.Tx) error {
		r, err = l.verifyIn(ctx, tx, progress)
		return err
	})
	if err == nil {
		err = rerr
	}
	return r, err
}

// verifyIn is Verify inside tx.
func (l *Ledger) verifyIn(ctx context.Context, tx *sqlstore.Tx, progress func(done, total int64)) (Report, error) {
	r := Report{Unchecked: sqlstore.UnprojectedTables()}
	replay := sqlstore.NewReplay()
	// Blobs are hashed on other goroutines while the database is checked:
	// hashing is I/O and a second core, the database checks are the first.
	hasher := l.startBlobs(ctx, progress)
	err := func() error {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(size), 0) FROM evidence`).Scan(&hasher.total); err != nil {
			return err
		}
		if err := hasher.keep(ctx, tx); err != nil {
			return err
		}
		tree, present, err := l.verifyLeaves(ctx, tx, &r, replay, hasher)
		hasher.close()
		if err != nil {
			return err
		}
		if err := verifyStoredHashes(ctx, tx, &r, tree, present); err != nil {
			return err
		}
		if err := l.verifyCheckpoints(ctx, tx, &r, tree, present); err != nil {
			return err
		}
		if err := l.verifyAnchors(ctx, tx, &r); err != nil {
			return err
		}
		if err := verifyActs(ctx, tx, &r); err != nil {
			return err
		}
		return verifyProjections(ctx, tx, &r, replay)
	}()
	hasher.close()
	if werr := hasher.wait(&r); err == nil {
		err = werr
	}
	if err != nil {
		return r, err
	}
	sort.SliceStable(r.Problems, func(i, j int) bool { return r.Problems[i].Index < r.Problems[j].Index })
	return r, nil
}

// memTree is the tree recomputed from the leaves, in tlog's storage order.
type memTree []tlog.Hash

// ReadHashes implements tlog.HashReader over the recomputed tree.
func (t memTree) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x >= int64(len(t)) {
			return nil, fmt.Errorf("hash %d beyond the recomputed tree", x)
		}
		out[i] = t[x]
	}
	return out, nil
}

const page = 5000

// verifyLeaves reads every leaf in order, recomputes the tree and notes
// each evidence leaf. A missing index is a deleted leaf: it is named and
// the tree is rebuilt from the leaves that remain, so every later check
// still runs (and the checkpoints that covered the lost leaf fail by name)
// instead of the first gap ending the verification.
func (l *Ledger) verifyLeaves(ctx context.Context, tx *sqlstore.Tx, r *Report, replay *sqlstore.Replay, hasher *blobHasher) (memTree, []int64, error) {
	size, err := tx.LedgerSize(ctx)
	if err != nil {
		return nil, nil, err
	}
	var tree memTree
	var present []int64 // the stored index of each leaf, in tree order
	next := int64(0)    // the index the next leaf should have
	pages, stop := readPages(ctx, tx, size)
	defer stop()
	for pg := range pages {
		if pg.err != nil {
			return nil, nil, pg.err
		}
		batch, decoded := pg.leaves, pg.decoded
		for i, lf := range batch {
			if lf.Index != next {
				r.add(DeletedRecord, next, "", "%s: records were deleted from the ledger", leafRange(next, lf.Index))
			}
			pos := int64(len(present))
			hs, err := tlog.StoredHashes(pos, lf.Data, tree)
			if err != nil {
				return nil, nil, err
			}
			tree = append(tree, hs...)
			present = append(present, lf.Index)
			d := decoded[i]
			if d.err != nil {
				r.add(EditedRow, lf.Index, d.ref, "%s", d.err)
				next = lf.Index + 1
				continue
			}
			if d.info != nil {
				hasher.add(d.info.digest, d.id, lf.Index)
				hasher.lastEvidence[d.info.digest] = lf.Index
			} else if d.rec.Kind == evident.RetentionDeleteKind {
				var del evident.RetentionDeletion
				if err := json.Unmarshal(d.rec.Body, &del); err == nil {
					hasher.deleted[del.Digest] = deletionSeen{leaf: lf.Index, at: del.At}
				}
			}
			// The rows the log implies, leaf by leaf in order, for
			// verifyProjections to compare with the tables.
			if err := replay.Apply(sqlstore.ReplayLeaf{Index: lf.Index, Record: d.rec, Evidence: d.ev}); err != nil {
				r.add(EditedRow, lf.Index, d.rec.ID, "%v", err)
			}
			next = lf.Index + 1
		}
	}
	r.Leaves = int64(len(present))
	return tree, present, nil
}

// leafPage is one page of leaves read and decoded by readPages.
type leafPage struct {
	leaves  []sqlstore.LedgerLeaf
	decoded []decodedLeaf
	err     error
}

// readPages reads and decodes the leaves [0, size) page by page on its own
// goroutine, one page ahead of the caller: reading and decoding the next
// page (SQLite and JSON, on every core) overlaps with the tree and replay
// of this one, which must go in order on one. The caller must not use tx
// until it has called stop, which waits for the reader to end.
func readPages(ctx context.Context, tx *sqlstore.Tx, size int64) (<-chan leafPage, func()) {
	out := make(chan leafPage, 1)
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		for from := int64(0); from < size; from += page {
			batch, err := tx.LedgerLeaves(ctx, from, from+page)
			pg := leafPage{leaves: batch, err: err}
			if err == nil {
				// Decoding leaves is most of the database half's CPU.
				pg.decoded = decodeLeaves(batch)
			}
			select {
			case out <- pg:
			case <-quit:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	var once sync.Once
	return out, func() {
		once.Do(func() { close(quit) })
		<-done
	}
}

// leafRange names the missing leaves [from, to).
func leafRange(from, to int64) string {
	if to-from == 1 {
		return fmt.Sprintf("ledger leaf %d is missing", from)
	}
	return fmt.Sprintf("ledger leaves %d to %d are missing", from, to-1)
}

// decodedLeaf is one leaf read by decodeLeaves: its record, an evidence
// leaf's blob, or why the leaf cannot be read.
type decodedLeaf struct {
	rec  evident.Record
	ev   *evident.Evidence
	id   string
	info *leafInfo
	ref  string
	err  error
}

// decodeLeaves parses a page of leaves on every core, keeping their order.
// The message of a leaf that does not parse names the leaf by its index.
func decodeLeaves(batch []sqlstore.LedgerLeaf) []decodedLeaf {
	out := make([]decodedLeaf, len(batch))
	workers := min(runtime.GOMAXPROCS(0), len(batch))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(batch); i += workers {
				out[i] = decodeLeaf(batch[i])
			}
		}()
	}
	wg.Wait()
	return out
}

func decodeLeaf(lf sqlstore.LedgerLeaf) decodedLeaf {
	rec, err := evident.ParseRecord(lf.Data)
	if err != nil {
		return decodedLeaf{ref: lf.Ref, err: fmt.Errorf("ledger leaf %d is not a readable record: %v", lf.Index, err)}
	}
	if rec.Kind != evident.EvidenceRecordKind {
		return decodedLeaf{rec: rec}
	}
	e, err := evident.EvidenceFromRecord(rec)
	if err != nil {
		return decodedLeaf{ref: rec.ID, err: fmt.Errorf("ledger leaf %d is not a readable evidence record: %v", lf.Index, err)}
	}
	return decodedLeaf{rec: rec, ev: &e, id: e.ID, info: &leafInfo{index: lf.Index, digest: e.Digest}}
}

// verifyStoredHashes compares the stored tree with the recomputed one; a
// difference means someone edited the hash table or a leaf. When the two
// differ, or leaves are missing, each leaf is compared with the hash
// stored when it was appended, so every edited or moved leaf is named.
func verifyStoredHashes(ctx context.Context, tx *sqlstore.Tx, r *Report, tree memTree, present []int64) error {
	gaps := len(present) > 0 && present[len(present)-1] != int64(len(present))-1
	if !gaps {
		x, err := firstStoredDifference(ctx, tx, tree)
		if err != nil {
			r.add(EditedRow, -1, "", "the stored tree hashes are incomplete: %v", err)
			return nil
		}
		if x < 0 {
			return nil
		}
		if !leafHashesDiffer(ctx, tx, r, tree, present) {
			leaf := leafOfStoredHash(x)
			r.add(EditedRow, leaf, "", "stored tree hash %d (over leaf %d) differs from the hash recomputed from the leaves", x, leaf)
		}
		return nil
	}
	leafHashesDiffer(ctx, tx, r, tree, present)
	return nil
}

// firstStoredDifference returns the first stored hash that differs from
// the recomputed tree, or -1.
func firstStoredDifference(ctx context.Context, tx *sqlstore.Tx, tree memTree) (int64, error) {
	for from := int64(0); from < int64(len(tree)); from += page {
		to := min(from+page, int64(len(tree)))
		stored, err := tx.ReadHashRange(ctx, from, to)
		if err != nil {
			return 0, err
		}
		for i, h := range stored {
			if h != tree[from+int64(i)] {
				return from + int64(i), nil
			}
		}
	}
	return -1, nil
}

// leafHashesDiffer compares each leaf with the leaf hash stored at its
// index and reports every leaf that differs, naming a leaf that holds the
// record appended at another index as moved. It reports whether any did.
func leafHashesDiffer(ctx context.Context, tx *sqlstore.Tx, r *Report, tree memTree, present []int64) bool {
	stored := map[int64]tlog.Hash{} // stored leaf hash by leaf index
	for from := 0; from < len(present); from += page {
		batch := present[from:min(from+page, len(present))]
		idx := make([]int64, len(batch))
		for i, x := range batch {
			idx[i] = tlog.StoredHashIndex(0, x)
		}
		hs, err := tx.ReadHashes(ctx, idx)
		if err != nil {
			r.add(EditedRow, -1, "", "the stored tree hashes are incomplete: %v", err)
			return true
		}
		for i, x := range batch {
			stored[x] = hs[i]
		}
	}
	var byHash map[tlog.Hash]int64
	found := false
	for pos, x := range present {
		h := tree[tlog.StoredHashIndex(0, int64(pos))]
		if h == stored[x] {
			continue
		}
		found = true
		if byHash == nil {
			byHash = make(map[tlog.Hash]int64, len(stored))
			for i, sh := range stored {
				byHash[sh] = i
			}
		}
		if j, ok := byHash[h]; ok {
			r.add(Reordered, x, "", "ledger leaf %d holds the record appended as leaf %d: leaves were reordered", x, j)
		} else {
			r.add(EditedRow, x, "", "ledger leaf %d differs from the hash stored when it was appended: the leaf was edited", x)
		}
	}
	return found
}

// leafOfStoredHash returns the first leaf a stored hash covers.
func leafOfStoredHash(x int64) int64 {
	lo, hi := int64(0), x+1
	for lo < hi { // smallest n with StoredHashIndex(0, n) > x, minus one
		mid := (lo + hi) / 2
		if tlog.StoredHashIndex(0, mid) > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo - 1
}

// verifyCheckpoints checks each saved checkpoint's signature, that it
// commits to the tree recomputed from today's leaves, and that each is
// consistent with the one before it. A root that no longer matches means
// leaves signed in that checkpoint were rewritten; the leaves between the
// last checkpoint that still matches and this one are named, since one of
// them changed (checkpoints follow every batch, so the range is small).
func (l *Ledger) verifyCheckpoints(ctx context.Context, tx *sqlstore.Tx, r *Report, tree memTree, present []int64) error {
	cps, err := tx.Checkpoints(ctx)
	if err != nil {
		return err
	}
	r.Checkpoints = len(cps)
	gaps := len(present) > 0 && present[len(present)-1] != r.Leaves-1
	if err := verifyCoverage(ctx, tx, r, cps, present); err != nil {
		return err
	}
	chain, err := l.verifyKeyChain(ctx, tx, r, tree, cps)
	if err != nil {
		return err
	}
	var prev *ParsedCheckpoint
	good := int64(0) // the largest size whose checkpoint still matches
	for i := range cps {
		c := &cps[i]
		body, kind, err := l.openCheckpointIn(chain, c)
		if err != nil {
			r.add(kind, c.Size-1, "", "%v", err)
			continue
		}
		if body.Size != c.Size || body.Root != c.Root {
			r.add(EditedRow, c.Size-1, "", "checkpoint row at size %d does not match its signed note (size %d)", c.Size, body.Size)
		}
		if body.Size > r.Leaves {
			if gaps {
				r.add(DeletedRecord, r.Leaves, "", "checkpoint signed at size %d but the ledger holds %d records: records were deleted", body.Size, r.Leaves)
			} else {
				r.add(DeletedRecord, r.Leaves, "", "checkpoint signed at size %d but the ledger holds %d records: leaves %d to %d were deleted", body.Size, r.Leaves, r.Leaves, body.Size-1)
			}
			continue
		}
		root, err := tlog.TreeHash(body.Size, tree)
		if err != nil {
			return err
		}
		if root != body.Root {
			if good >= 0 {
				names, err := leafNames(ctx, tx, good, body.Size)
				if err != nil {
					return err
				}
				r.add(RewrittenHistory, good, strings.Join(names, ", "), "the ledger no longer hashes to the root signed in checkpoint %d: history was rewritten in leaves %d to %d: %s",
					body.Size, good, body.Size-1, strings.Join(names, ", "))
				good = -1 // later checkpoints fail for the same reason
			}
			continue
		}
		if good >= 0 {
			good = body.Size
		}
		// Every tree extends the empty one (its root was checked above), so
		// a first checkpoint of size 0 needs no proof, as when signing.
		if prev != nil && prev.Size > 0 {
			p, err := tlog.ProveTree(body.Size, prev.Size, tree)
			if err == nil {
				err = tlog.CheckTree(p, body.Size, body.Root, prev.Size, prev.Root)
			}
			if err != nil {
				r.add(RewrittenHistory, prev.Size-1, "", "checkpoint %d is not consistent with checkpoint %d", body.Size, prev.Size)
			}
		}
		prev = &body
	}
	return nil
}

// verifyCoverage reports leaves that no stored checkpoint covers. Every
// write is signed before it is acknowledged, so an uncovered leaf means
// its checkpoints were deleted, or it was written behind the program's
// back; either way nothing vouches for it.
func verifyCoverage(ctx context.Context, tx *sqlstore.Tx, r *Report, cps []sqlstore.Checkpoint, present []int64) error {
	if len(present) == 0 {
		return nil
	}
	end := present[len(present)-1] + 1
	covered := int64(0)
	for _, c := range cps {
		covered = max(covered, c.Size)
	}
	if covered >= end {
		return nil
	}
	names, err := leafNames(ctx, tx, covered, end)
	if err != nil {
		return err
	}
	why := "its checkpoints were deleted or it was written without the signing key"
	if len(cps) == 0 {
		why = "the store has no checkpoint at all: the checkpoints were deleted"
	}
	r.add(Unsigned, covered, strings.Join(names, ", "), "no signed checkpoint covers %s (%s): %s",
		leafSpan(covered, end), strings.Join(names, ", "), why)
	return nil
}

// leafSpan names the leaves [from, to).
func leafSpan(from, to int64) string {
	if to-from == 1 {
		return fmt.Sprintf("ledger leaf %d", from)
	}
	return fmt.Sprintf("ledger leaves %d to %d", from, to-1)
}

// leafNames names the records in leaves [from, to), at most 20 of them.
func leafNames(ctx context.Context, tx *sqlstore.Tx, from, to int64) ([]string, error) {
	leaves, err := tx.LedgerLeaves(ctx, from, min(to, from+20))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, lf := range leaves {
		names = append(names, fmt.Sprintf("%s %s (leaf %d)", lf.Kind, lf.Ref, lf.Index))
	}
	if to-from > 20 {
		names = append(names, fmt.Sprintf("and %d more", to-from-20))
	}
	return names, nil
}

func (l *Ledger) openCheckpoint(signed []byte) (ParsedCheckpoint, error) {
	if l.verifier == nil {
		return ParseCheckpointBody(noteText(signed))
	}
	return OpenCheckpoint(signed, l.verifier)
}

// verifyProjections compares every projected table with the rows the
// replayed log implies, naming table, key, column and both values.
func verifyProjections(ctx context.Context, tx *sqlstore.Tx, r *Report, replay *sqlstore.Replay) error {
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM evidence`).Scan(&r.Evidence); err != nil {
		return err
	}
	return tx.Compare(ctx, replay, func(m sqlstore.Mismatch) {
		kind := EditedRow
		switch m.Kind {
		case sqlstore.RowAdded:
			kind = AddedRow
		case sqlstore.RowMissing:
			kind = DeletedRecord
		}
		r.add(kind, m.Leaf, m.Key, "%s", m)
	})
}

// blobHasher hashes blobs on several goroutines as verifyLeaves finds
// them, each distinct digest once. Small blobs are dominated by opening
// the file, so more workers than cores keep the disk busy.
type blobHasher struct {
	l        *Ledger
	ctx      context.Context
	progress func(done, total int64)
	total    int64
	seen     map[evident.Digest]bool
	jobs     chan blobJob
	closed   bool
	wg       sync.WaitGroup
	mu       sync.Mutex
	problems []Problem
	missing  map[int]evident.Digest // problems[i] is this digest's missing blob
	// lastEvidence and deleted are written by verifyLeaves, in leaf order:
	// a missing blob is deleted by retention when a retention.delete leaf
	// follows the last evidence leaf naming it.
	lastEvidence map[evident.Digest]int64
	deleted      map[evident.Digest]deletionSeen
	blobs        int
	bytes        int64
	done         atomic.Int64
	err          error
	// kept are the bytes the database keeps of blobs whose files Settle
	// has not written yet (see commit): such a blob is checked against
	// its kept bytes. Set before the first job, read-only after.
	kept map[evident.Digest][]byte
}

type deletionSeen struct {
	leaf int64
	at   time.Time
}

type blobJob struct {
	digest evident.Digest
	id     string
	index  int64
}

func (l *Ledger) startBlobs(ctx context.Context, progress func(done, total int64)) *blobHasher {
	h := &blobHasher{l: l, ctx: ctx, progress: progress, seen: map[evident.Digest]bool{}, jobs: make(chan blobJob, 256),
		missing: map[int]evident.Digest{}, lastEvidence: map[evident.Digest]int64{}, deleted: map[evident.Digest]deletionSeen{}}
	for range 4 * runtime.GOMAXPROCS(0) {
		h.wg.Add(1)
		go h.work()
	}
	return h
}

// keep reads the kept bytes of deferred blobs in tx, so a blob and its
// kept bytes are seen at the same moment as the records.
func (h *blobHasher) keep(ctx context.Context, tx *sqlstore.Tx) error {
	bs, err := tx.BlobIntents(ctx)
	if err != nil {
		return err
	}
	h.kept = make(map[evident.Digest][]byte, len(bs))
	for _, b := range bs {
		h.kept[b.Digest] = b.Data
	}
	return nil
}

func (h *blobHasher) add(dg evident.Digest, id string, index int64) {
	if h.seen[dg] {
		return
	}
	h.seen[dg] = true
	h.jobs <- blobJob{digest: dg, id: id, index: index}
}

func (h *blobHasher) close() {
	if !h.closed {
		h.closed = true
		close(h.jobs)
	}
}

func (h *blobHasher) work() {
	defer h.wg.Done()
	for j := range h.jobs {
		kind, msg, n, err := h.l.checkBlob(h.ctx, j.digest)
		if data, ok := h.kept[j.digest]; ok && kind == MissingBlob {
			kind, msg, n = checkKept(j.digest, data)
		}
		h.mu.Lock()
		if err != nil && h.err == nil {
			h.err = err
		}
		if kind == MissingBlob {
			h.missing[len(h.problems)] = j.digest
		}
		if kind != "" {
			h.problems = append(h.problems, Problem{Kind: kind, Index: j.index, Ref: j.id,
				Message: fmt.Sprintf("evidence %s (leaf %d): blob %s %s", j.id, j.index, j.digest, msg)})
		}
		h.blobs++
		h.bytes += n
		h.mu.Unlock()
		if d := h.done.Add(n); h.progress != nil {
			h.progress(d, max(h.total, d))
		}
	}
}

// wait finishes hashing and adds the results to r.
func (h *blobHasher) wait(r *Report) error {
	h.wg.Wait()
	for i, p := range h.problems {
		if dg, ok := h.missing[i]; ok {
			if del, ok := h.deleted[dg]; ok && del.leaf > h.lastEvidence[dg] {
				r.DeletedByRetention = append(r.DeletedByRetention, RetentionDeleted{Evidence: p.Ref, Digest: dg, At: del.at, Leaf: del.leaf})
				continue
			}
		}
		r.Problems = append(r.Problems, p)
	}
	r.Blobs, r.Bytes = h.blobs, h.bytes
	return h.err
}

// checkKept checks a deferred blob, which has no file yet, against the
// bytes the database keeps for it.
func checkKept(dg evident.Digest, data []byte) (kind, msg string, n int64) {
	if got := evident.Digest(sha256.Sum256(data)); got != dg {
		return ChangedBlob, fmt.Sprintf("has no file yet, and the bytes kept for it hash to %s", got), int64(len(data))
	}
	return "", "", int64(len(data))
}

// hashBufs holds the read buffers of the blob hashers: 1 MiB, so a large
// blob is hashed in few reads.
var hashBufs = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// summer is a blob store that hashes a blob itself, more cheaply than
// reading it through Open (blob.Disk).
type summer interface {
	Sum(ctx context.Context, dg evident.Digest, buf []byte) (evident.Digest, int64, error)
}

// checkBlob hashes one blob and says what is wrong with it, if anything.
func (l *Ledger) checkBlob(ctx context.Context, dg evident.Digest) (kind, msg string, n int64, err error) {
	if s, ok := l.blobs.(summer); ok {
		buf := hashBufs.Get().(*[]byte)
		defer hashBufs.Put(buf)
		got, n, err := s.Sum(ctx, dg, *buf)
		var pe *fs.PathError
		switch {
		case evident.ErrorCode(err) == evident.ENOTFOUND:
			return MissingBlob, "is missing from the blob store", 0, nil
		case errors.As(err, &pe) && pe.Op == "read":
			return ChangedBlob, fmt.Sprintf("cannot be read: %v", err), n, nil
		case err != nil:
			return "", "", 0, err
		case got != dg:
			return ChangedBlob, fmt.Sprintf("has changed: its content now hashes to %s", got), n, nil
		}
		return "", "", n, nil
	}
	rc, err := l.blobs.Open(ctx, dg)
	if evident.ErrorCode(err) == evident.ENOTFOUND {
		return MissingBlob, "is missing from the blob store", 0, nil
	}
	if err != nil {
		return "", "", 0, err
	}
	defer rc.Close()
	h := sha256.New()
	buf := hashBufs.Get().(*[]byte)
	defer hashBufs.Put(buf)
	// A pooled buffer, not io.Copy's: io.Copy allocates 32 KiB per blob,
	// and at a hundred thousand small blobs the allocation and garbage
	// collection cost more than the hashing.
	n, err = io.CopyBuffer(h, struct{ io.Reader }{rc}, *buf)
	if err != nil && !errors.Is(err, io.EOF) {
		return ChangedBlob, fmt.Sprintf("cannot be read: %v", err), n, nil
	}
	if got := evident.Digest(h.Sum(nil)); got != dg {
		return ChangedBlob, fmt.Sprintf("has changed: its content now hashes to %s", got), n, nil
	}
	return "", "", n, nil
}
