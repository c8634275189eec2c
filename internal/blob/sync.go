package blob

import (
	"errors"
	"sync"
)

// syncers is how many fsyncs a batch keeps in flight. The file system
// folds concurrent fsyncs into shared journal commits, so a batch of a
// thousand small files costs a few commits rather than a thousand. Unlike
// syncfs(2) this flushes only the batch's own files, so a busy neighbour
// on the same disk does not make every batch wait for its writes.
const syncers = 64

// syncAll flushes every path (files and directories) and returns the
// first failure.
func syncAll(paths []string) error {
	errs := make([]error, len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(syncers, len(paths)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = fsyncPath(paths[i])
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}
