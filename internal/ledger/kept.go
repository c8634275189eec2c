package ledger

import (
	"bytes"
	"context"
	"io"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// keptBlobs is the blob store as the ledger's readers see it: a blob whose
// bytes a commit kept (see commit) and whose file Settle has not written
// yet is read from the database. Such a blob is acknowledged and durable;
// only its file is late, so a download or a pack made before the next
// Settle must not take it for missing. Retention and holds, which act on
// files, settle first (see Retention and syncHolds); Walk lists files
// only, for commands, which settle when they open the ledger.
type keptBlobs struct {
	blob.Store
	l *Ledger
}

// kept returns the bytes the database keeps for dg, or ENOTFOUND.
func (k keptBlobs) kept(ctx context.Context, dg evident.Digest) ([]byte, error) {
	var data []byte
	err := k.l.st.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		data, err = tx.BlobIntent(ctx, dg)
		return err
	})
	return data, err
}

// Open reads the blob's file, or its kept bytes when Settle has not
// written the file yet.
func (k keptBlobs) Open(ctx context.Context, dg evident.Digest) (io.ReadCloser, error) {
	rc, err := k.Store.Open(ctx, dg)
	if evident.ErrorCode(err) != evident.ENOTFOUND {
		return rc, err
	}
	data, kerr := k.kept(ctx, dg)
	if evident.ErrorCode(kerr) == evident.ENOTFOUND {
		// Settle may have written the file and dropped the bytes
		// between the two reads.
		return k.Store.Open(ctx, dg)
	}
	if kerr != nil {
		return nil, kerr
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// Stat is Open's size.
func (k keptBlobs) Stat(ctx context.Context, dg evident.Digest) (int64, error) {
	n, err := k.Store.Stat(ctx, dg)
	if evident.ErrorCode(err) != evident.ENOTFOUND {
		return n, err
	}
	data, kerr := k.kept(ctx, dg)
	if evident.ErrorCode(kerr) == evident.ENOTFOUND {
		return k.Store.Stat(ctx, dg)
	}
	if kerr != nil {
		return 0, kerr
	}
	return int64(len(data)), nil
}
