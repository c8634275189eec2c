package demo

import (
	"os"
	"runtime"
)

// TempDir creates a directory for a throwaway demo store, in memory-backed
// storage (/dev/shm) where the system has it: a demo is deleted on exit,
// so durability buys nothing, and every commit's flush would otherwise
// cost a disk round trip and make start-up slow.
func TempDir() (string, error) {
	if runtime.GOOS == "linux" {
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
			if dir, err := os.MkdirTemp("/dev/shm", "evident-demo-"); err == nil {
				return dir, nil
			}
		}
	}
	return os.MkdirTemp("", "evident-demo-")
}
