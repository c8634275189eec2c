package blob

import (
	"errors"
	"sync"
)

// inFlight is how many file creations and fsyncs a batch keeps going at
// once. Creating a file in a young store mostly waits for the disk (a
// fresh inode table block is read before the inode is written), and the
// file system folds concurrent fsyncs into shared journal commits, so
// overlapping many of them costs little more than one.
const inFlight = 64

// wholeFS is the batch size, in paths to flush, from which a batch is
// flushed with one syncfs(2) (where the system has it) instead of an
// fsync per file and directory. A thousand fsyncs, even in flight
// together, cost several journal commits; syncfs costs one writeback and
// one commit. The price is that it also waits for other writers' dirty
// data on the same file system, which is why a small batch (a single
// upload) keeps to its own files.
const wholeFS = 64

// flush makes paths (files and directories under root) durable.
func flush(root string, paths []string) error {
	if len(paths) >= wholeFS {
		if ok, err := syncFS(root); ok {
			return err
		}
	}
	return syncAll(paths)
}

// syncAll flushes every path (files and directories) and returns the
// first failure.
func syncAll(paths []string) error {
	errs := make([]error, len(paths))
	parallel(len(paths), func(i int) { errs[i] = fsyncPath(paths[i]) })
	return errors.Join(errs...)
}

// parallel calls fn(0) to fn(n-1) with up to inFlight calls at once.
func parallel(n int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(inFlight, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
