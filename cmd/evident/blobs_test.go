package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/blob/s3test"
)

// TestBlobsMigrateResumesAfterSIGKILL kills `evident blobs migrate`
// part way through a copy to S3 and runs it again: the second run copies
// only what the first had not, and every blob ends up in the bucket.
func TestBlobsMigrateResumesAfterSIGKILL(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "blobs")
	src, err := blob.NewDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000
	b := src.Batch()
	for i := range n {
		if _, _, err := b.Put(ctx, strings.NewReader(fmt.Sprintf("report %d\n%s", i, strings.Repeat("x", 4000)))); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	srv := s3test.Start(t)
	env := map[string]string{"EVIDENT_BLOBS": dir}
	for k, v := range srv.Env() {
		env[k] = v
	}
	to := "s3://" + s3test.Bucket + "/moved"

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "blobs", "migrate", "--to", to)
	cmd.Env = append(os.Environ(), asCLI+"=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once a tenth of the blobs are in the bucket.
	landed := filepath.Join(srv.Dir, s3test.Bucket, "moved", "sha256")
	for {
		entries, _ := os.ReadDir(landed)
		if len(entries) >= n/10 {
			break
		}
		if cmd.ProcessState != nil {
			t.Fatalf("migrate ended before it was killed:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	entries, _ := os.ReadDir(landed)
	if len(entries) >= n {
		t.Fatalf("migrate finished before it was killed (%d blobs)", len(entries))
	}

	code, stdout, errs := cli(t, env, "blobs", "migrate", "--to", to)
	if code != 0 {
		t.Fatalf("migrate after SIGKILL: exit %d\n%s%s", code, stdout, errs)
	}
	var copied, present int
	if _, err := fmt.Sscanf(stdout, fmt.Sprintf("%d blobs in the source: %%d copied", n), &copied); err != nil {
		t.Fatalf("migrate output %q: %v", stdout, err)
	}
	fmt.Sscanf(stdout[strings.Index(stdout, "), ")+3:], "%d already", &present)
	if copied+present != n || present < len(entries)-copyInFlight || copied == 0 {
		t.Errorf("resumed migrate copied %d and found %d of %d (the killed run had landed %d):\n%s", copied, present, n, len(entries), stdout)
	}
	code, stdout, _ = cli(t, env, "blobs", "migrate", "--to", to)
	if code != 0 || !strings.Contains(stdout, fmt.Sprintf("%d blobs in the source: 0 copied (0 bytes), %d already", n, n)) {
		t.Errorf("migrate run a third time: exit %d\n%s", code, stdout)
	}
}

// copyInFlight bounds how many objects the killed run may have left
// half-written: those are sent again.
const copyInFlight = 16
