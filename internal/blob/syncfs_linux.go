package blob

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// syncFS flushes the whole file system holding root with syncfs(2). Since
// Linux 5.8 it reports write-back errors that happened since root was
// opened, so a failed write is not acknowledged.
func syncFS(root string) (bool, error) {
	f, err := os.Open(root)
	if err != nil {
		return true, err
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return true, fmt.Errorf("syncfs %s: %w", root, err)
	}
	return true, nil
}
