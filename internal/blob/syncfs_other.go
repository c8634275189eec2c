//go:build !linux

package blob

// syncFS reports that this system has no syncfs(2): the caller flushes
// each file.
func syncFS(root string) (bool, error) { return false, nil }
