package blob

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/evidenthq/evident"
)

// CopyReport says what Copy did.
type CopyReport struct {
	Blobs   int   // blobs in the source
	Copied  int   // sent to the destination by this run
	Present int   // already in the destination with the right size
	Bytes   int64 // bytes copied by this run
}

// copyWorkers is how many blobs Copy moves at once: each mostly waits on
// a round trip to the destination.
const copyWorkers = 16

// Copy copies every blob of from into to. Each is checked on the way:
// the destination names what it stored by the SHA-256 of the bytes it
// received, and that must be the name the blob had in the source, so a
// blob corrupted in the source is refused rather than carried over under
// its old name. A blob the destination already holds with the right size
// is skipped: a copy interrupted at any point, even by SIGKILL, resumes
// where it stopped when run again, and a finished one copies nothing.
// progress, if not nil, is called with blobs done so far and the total.
func Copy(ctx context.Context, from, to Store, progress func(done, total int)) (CopyReport, error) {
	type item struct {
		dg   evident.Digest
		size int64
	}
	var items []item
	if err := from.Walk(ctx, func(dg evident.Digest, size int64) error {
		items = append(items, item{dg, size})
		return nil
	}); err != nil {
		return CopyReport{}, fmt.Errorf("list the source: %w", err)
	}
	r := CopyReport{Blobs: len(items)}
	var copied, present, done atomic.Int64
	var bytes atomic.Int64
	var mu sync.Mutex
	var errs []error
	next := make(chan item)
	var wg sync.WaitGroup
	for range copyWorkers {
		wg.Go(func() {
			for it := range next {
				n, already, err := copyOne(ctx, from, to, it.dg, it.size)
				switch {
				case err != nil:
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				case already:
					present.Add(1)
				default:
					copied.Add(1)
					bytes.Add(n)
				}
				if d := done.Add(1); progress != nil {
					progress(int(d), len(items))
				}
			}
		})
	}
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		next <- it
	}
	close(next)
	wg.Wait()
	r.Copied, r.Present, r.Bytes = int(copied.Load()), int(present.Load()), bytes.Load()
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	return r, errors.Join(errs...)
}

// copyOne copies one blob unless the destination has it already.
func copyOne(ctx context.Context, from, to Store, dg evident.Digest, size int64) (int64, bool, error) {
	if got, err := to.Stat(ctx, dg); err == nil && got == size {
		return 0, true, nil
	} else if err != nil && evident.ErrorCode(err) != evident.ENOTFOUND {
		return 0, false, err
	}
	rc, err := from.Open(ctx, dg)
	if err != nil {
		return 0, false, err
	}
	defer rc.Close()
	got, n, err := to.Put(ctx, rc)
	if err != nil {
		return 0, false, fmt.Errorf("blob %s: %w", dg, err)
	}
	if got != dg {
		return 0, false, evident.Errorf(evident.EFAILED, "blob %s: its bytes in the source hash to %s; not copied under its name (a copy of the changed bytes is in the destination under their own digest, which no record names)", dg, got)
	}
	return n, false, nil
}
