package pack

import (
	"context"
	"fmt"
	"io"

	"github.com/evidenthq/evident"
)

// chunk is a piece of a blob on its way from the blob store to the zip.
type chunk struct {
	data []byte
	key  string // the blob's hex digest
	last bool   // the blob's final chunk
	err  error
}

// readAhead is how many chunks may be in flight between the reader and
// the writer: enough to keep both busy, and few enough (readAhead times
// copyBuf) that the chunks stay in the CPU cache between read and write.
const readAhead = 4

// writeBlobs copies every distinct blob into the pack, uncompressed:
// evidence is mostly compressed already (PDF, archives), and storing keeps
// export at the speed of the disk. The digests are known from ingest, so
// nothing is rehashed here; verify rehashes everything. One goroutine
// reads the blobs while this one writes them, so reading and writing
// overlap on two cores; memory is readAhead buffers whatever the size.
func (e *exporter) writeBlobs(ctx context.Context) error {
	if err := e.blobs.finish(); err != nil {
		return err
	}
	total := e.blobs.total
	var done int64
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	free := make(chan []byte, readAhead)
	for range readAhead {
		free <- make([]byte, copyBuf)
	}
	full := make(chan chunk, readAhead)
	go e.readBlobs(ctx, free, full)
	return e.blobs.each(func(b blobEntry) error {
		k := b.sum.String()
		w, err := e.zw.Create(BlobPath(k), e.man.CreatedAt)
		if err != nil {
			return err
		}
		var n int64
		for c := range full {
			if c.err != nil {
				return c.err
			}
			if _, err := w.Write(c.data); err != nil {
				return fmt.Errorf("pack blob %s: %w", k, err)
			}
			n += int64(len(c.data))
			free <- c.data[:cap(c.data)]
			if c.last {
				break
			}
		}
		if n != b.size {
			return evident.Errorf(evident.EFAILED, "evidence blob %s is %d bytes, its record says %d; run `evident verify`", k, n, b.size)
		}
		done += n
		if e.opt.Progress != nil {
			e.opt.Progress(done, total)
		}
		return nil
	})
}

// readBlobs sends each blob of the list, in order, as chunks ending with
// one marked last. It stops at the first error, which it sends, or when
// ctx ends (the writer gave up); it closes full when it returns.
func (e *exporter) readBlobs(ctx context.Context, free chan []byte, full chan<- chunk) {
	defer close(full)
	send := func(c chunk) bool {
		select {
		case full <- c:
			return c.err == nil
		case <-ctx.Done():
			return false
		}
	}
	err := e.blobs.each(func(b blobEntry) error {
		if err := e.readBlob(ctx, b, free, send); err != nil {
			send(chunk{key: b.sum.String(), err: err})
			return errStopped
		}
		return nil
	})
	if err != nil && err != errStopped {
		send(chunk{err: err})
	}
}

func (e *exporter) readBlob(ctx context.Context, b blobEntry, free chan []byte, send func(chunk) bool) error {
	k := b.sum.String()
	rc, err := e.src.Ledger.Blobs().Open(ctx, b.sum)
	if err != nil {
		return evident.Errorf(evident.EFAILED, "evidence blob %s: %v; run `evident verify`", k, err)
	}
	defer rc.Close()
	// Read one byte past the recorded size, so a blob that grew is caught.
	r := io.LimitReader(rc, b.size+1)
	for {
		var buf []byte
		select {
		case buf = <-free:
		case <-ctx.Done():
			return ctx.Err()
		}
		n, err := io.ReadFull(r, buf)
		last := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !last {
			return fmt.Errorf("read blob %s: %w", k, err)
		}
		if !send(chunk{data: buf[:n], key: k, last: last}) {
			return ctx.Err()
		}
		if last {
			return nil
		}
	}
}
