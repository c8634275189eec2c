package sqlstore

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident"
)

// sealer is what SetSigner installed: the key, or nil to refuse writes.
type sealer struct{ signer note.Signer }

// SetSigner makes every write transaction that appends ledger leaves sign
// a checkpoint covering them before it commits, so no write is
// acknowledged before a signed checkpoint covers it. The transaction is
// the group commit: a batch of a thousand records gets one checkpoint. A
// nil signer makes such writes fail instead (a data directory opened
// without its key). A store on which SetSigner was never called writes
// leaves unsigned; verify reports them as covered by no checkpoint until
// a signed write or `evident checkpoint` covers them.
func (s *Store) SetSigner(sg note.Signer) { s.seal.Store(&sealer{signer: sg}) }

// sealTx signs the checkpoint of a write that appended leaves, inside the
// write's own transaction: the leaves and the checkpoint commit together.
func (s *Store) sealTx(ctx context.Context, tx *Tx) error {
	sl := s.seal.Load()
	if !tx.appended || sl == nil {
		return nil
	}
	if sl.signer == nil {
		return evident.Errorf(evident.EINVALID, "the ledger signing key is not available (unreadable, or not the pinned key): refusing a write no signed checkpoint would cover")
	}
	_, err := tx.SignCheckpoint(ctx, sl.signer)
	return err
}

// SignCheckpoint signs a checkpoint for the tree as tx sees it and keeps
// it, or returns the latest one when it already covers the tree. It
// refuses to sign a tree that is not an extension of the latest stored
// checkpoint: C2SP forbids a log to sign two inconsistent checkpoints,
// and a refusal here is how a rewritten table is caught at the next
// append.
func (tx *Tx) SignCheckpoint(ctx context.Context, signer note.Signer) (Checkpoint, error) {
	n := tx.size
	if !tx.appended {
		// The append lock, as a write that appends takes it: under read
		// committed, another writer's leaves and checkpoint could
		// otherwise commit between reading the size and the latest
		// checkpoint, and the tree would look smaller than what was
		// signed ("records were deleted"), a false alarm.
		if err := tx.lockLedger(ctx); err != nil {
			return Checkpoint{}, err
		}
		var err error
		if n, err = tx.LedgerSize(ctx); err != nil {
			return Checkpoint{}, err
		}
	}
	prev, err := tx.LatestCheckpoint(ctx)
	if err != nil && evident.ErrorCode(err) != evident.ENOTFOUND {
		return Checkpoint{}, err
	}
	stored := err == nil // a checkpoint is kept, perhaps of the empty tree
	// One cache for the root and the consistency proof: they read mostly
	// the same hashes, and each read is a query.
	hr := cachedReader(tx.hashReader(ctx))
	root, err := tlog.TreeHash(n, hr)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("ledger tree hash at %d: %w", n, err)
	}
	if prev.Size > n {
		return Checkpoint{}, evident.Errorf(evident.EFAILED, "ledger holds %d records but checkpoint %d was signed: records were deleted; refusing to sign", n, prev.Size)
	}
	if prev.Size == n && stored {
		if root != prev.Root {
			return Checkpoint{}, evident.Errorf(evident.EFAILED, "the ledger at %d records does not hash to the root signed for that size: history was rewritten; refusing to sign", n)
		}
		return prev, nil
	}
	if prev.Size > 0 {
		if err := consistent(hr, prev.Size, prev.Root, n, root); err != nil {
			return Checkpoint{}, err
		}
	}
	signed, err := note.Sign(&note.Note{Text: CheckpointBody(signer.Name(), n, root)}, signer)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("sign checkpoint: %w", err)
	}
	c := Checkpoint{Size: n, Root: root, Note: signed, CreatedAt: tx.Now}
	return c, tx.InsertCheckpoint(ctx, c)
}

// cachedReader remembers every hash r returned.
func cachedReader(r tlog.HashReader) tlog.HashReader {
	seen := map[int64]tlog.Hash{}
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		var miss []int64
		for _, x := range idx {
			if _, ok := seen[x]; !ok {
				miss = append(miss, x)
			}
		}
		if len(miss) > 0 {
			got, err := r.ReadHashes(miss)
			if err != nil {
				return nil, err
			}
			for i, x := range miss {
				seen[x] = got[i]
			}
		}
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = seen[x]
		}
		return out, nil
	})
}

// consistent checks that the tree of size n with root extends the tree of
// size m with root old.
func consistent(hr tlog.HashReader, m int64, old tlog.Hash, n int64, root tlog.Hash) error {
	p, err := tlog.ProveTree(n, m, hr)
	if err == nil {
		err = tlog.CheckTree(p, n, root, m, old)
	}
	if err != nil {
		return evident.Errorf(evident.EFAILED, "the ledger at %d records is not consistent with the checkpoint signed at %d: history was rewritten; refusing to sign (%v)", n, m, err)
	}
	return nil
}

// CheckpointBody is the C2SP tlog-checkpoint body: origin, tree size and
// base64 root, one per line.
func CheckpointBody(origin string, size int64, root tlog.Hash) string {
	return fmt.Sprintf("%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(root[:]))
}

// Checkpoint is a signed checkpoint as stored: the tree size, its root and
// the signed note verbatim.
type Checkpoint struct {
	Size      int64
	Root      tlog.Hash
	Note      []byte
	CreatedAt time.Time
}

// InsertCheckpoint keeps a signed checkpoint. A second checkpoint for the
// same size is ECONFLICT: the tree at a size has one root.
func (tx *Tx) InsertCheckpoint(ctx context.Context, c Checkpoint) error {
	_, err := tx.Exec(ctx, `INSERT INTO checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)`,
		c.Size, c.Root[:], c.Note, TS(tx.Now))
	if IsUniqueViolation(err) {
		return evident.Errorf(evident.ECONFLICT, "a checkpoint for tree size %d is already stored", c.Size)
	}
	return err
}

// LatestCheckpoint returns the checkpoint with the largest size, or
// ENOTFOUND when none has been signed.
func (tx *Tx) LatestCheckpoint(ctx context.Context) (Checkpoint, error) {
	cs, err := tx.checkpoints(ctx, `SELECT size, root, note, created_at FROM checkpoints ORDER BY size DESC LIMIT 1`)
	if err != nil {
		return Checkpoint{}, err
	}
	if len(cs) == 0 {
		return Checkpoint{}, evident.Errorf(evident.ENOTFOUND, "no checkpoint has been signed yet")
	}
	return cs[0], nil
}

// CheckpointAt returns the checkpoint of the given size, or ENOTFOUND.
func (tx *Tx) CheckpointAt(ctx context.Context, size int64) (Checkpoint, error) {
	cs, err := tx.checkpoints(ctx, `SELECT size, root, note, created_at FROM checkpoints WHERE size = ?`, size)
	if err != nil {
		return Checkpoint{}, err
	}
	if len(cs) == 0 {
		return Checkpoint{}, evident.Errorf(evident.ENOTFOUND, "no checkpoint of size %d", size)
	}
	return cs[0], nil
}

// Checkpoints returns every stored checkpoint, smallest first.
func (tx *Tx) Checkpoints(ctx context.Context) ([]Checkpoint, error) {
	return tx.checkpoints(ctx, `SELECT size, root, note, created_at FROM checkpoints ORDER BY size`)
}

func (tx *Tx) checkpoints(ctx context.Context, q string, args ...any) ([]Checkpoint, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read checkpoints: %w", err)
	}
	defer rows.Close()
	var out []Checkpoint
	for rows.Next() {
		var c Checkpoint
		var root []byte
		var at string
		if err := rows.Scan(&c.Size, &root, &c.Note, &at); err != nil {
			return nil, err
		}
		copy(c.Root[:], root)
		if c.CreatedAt, err = ParseTS(at); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Anchor is an RFC 3161 time-stamp token over a signed checkpoint.
type Anchor struct {
	ID             string
	CheckpointSize int64
	TSA            string
	GenTime        time.Time
	Token          []byte
	CreatedAt      time.Time
}

// InsertAnchor keeps a time-stamp token.
func (tx *Tx) InsertAnchor(ctx context.Context, a Anchor) error {
	_, err := tx.Exec(ctx, `INSERT INTO anchors (id, checkpoint_size, tsa, gen_time, token, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		a.ID, a.CheckpointSize, a.TSA, TS(a.GenTime), a.Token, TS(tx.Now))
	return err
}

// Anchors returns every stored anchor in checkpoint order.
func (tx *Tx) Anchors(ctx context.Context) ([]Anchor, error) {
	rows, err := tx.Query(ctx, `SELECT id, checkpoint_size, tsa, gen_time, token, created_at FROM anchors ORDER BY checkpoint_size, created_at`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Anchor
	for rows.Next() {
		var a Anchor
		var gen, at string
		if err := rows.Scan(&a.ID, &a.CheckpointSize, &a.TSA, &gen, &a.Token, &at); err != nil {
			return nil, err
		}
		if a.GenTime, err = ParseTS(gen); err != nil {
			return nil, err
		}
		if a.CreatedAt, err = ParseTS(at); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// lockLedger takes the ledger's append lock on PostgreSQL until the
// transaction ends: appends, checkpoints and an import's read of its
// baseline go one at a time. SQLite's single writer already orders them.
func (tx *Tx) lockLedger(ctx context.Context) error {
	if tx.dialect != Postgres {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(8319002)`); err != nil {
		return fmt.Errorf("ledger lock: %w", err)
	}
	return nil
}
