package blob

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// syncAll makes paths durable with one syncfs(2) of the file system that
// holds root: a single journal commit covers every file of a batch.
func syncAll(root string, paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	f, err := os.Open(root)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("syncfs %s: %w", root, err)
	}
	return nil
}
