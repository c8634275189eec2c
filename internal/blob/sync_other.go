//go:build !linux

package blob

// syncAll flushes each path; systems without syncfs(2) pay one flush per
// file.
func syncAll(root string, paths []string) error {
	for _, p := range paths {
		if err := fsyncPath(p); err != nil {
			return err
		}
	}
	return nil
}
