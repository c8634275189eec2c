// Command fsyncloop is the physical baseline for small-file durability:
// it copies each named file to DIR with a plain write and fsync per file,
// one after the other, the way a naive "durable upload" loop would, and
// prints the files per second it reached.
//
// Usage: fsyncloop DIR FILE...
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: fsyncloop DIR FILE...")
		os.Exit(2)
	}
	dir, files := os.Args[1], os.Args[2:]
	start := time.Now()
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			fail(err)
		}
		out, err := os.Create(filepath.Join(dir, fmt.Sprintf("%d", i)))
		if err != nil {
			fail(err)
		}
		if _, err := out.Write(b); err != nil {
			fail(err)
		}
		if err := out.Sync(); err != nil {
			fail(err)
		}
		out.Close()
	}
	d := time.Since(start)
	fmt.Printf("%d files in %.3f s: %.0f files/s\n", len(files), d.Seconds(), float64(len(files))/d.Seconds())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "fsyncloop:", err)
	os.Exit(1)
}
