package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

// TestMovingToS3DocRuns runs the block of docs/deploy.md that moves an
// existing store's blobs to S3, as written but for its example settings:
// the AWS variables are the test server's instead of the page's
// placeholders. The store is a disk store with evidence in it; after the
// block, the store on S3 must be the one `verify` reads, so an object
// deleted from the bucket fails it.
func TestMovingToS3DocRuns(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "deploy.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?ms)^## Moving an existing store to S3\n.*?^```[a-z]*\n(.*?)^```").FindStringSubmatch(string(doc))
	if m == nil {
		t.Fatal("docs/deploy.md has no block under \"Moving an existing store to S3\"")
	}
	var script []string
	for _, line := range strings.Split(m[1], "\n") {
		if !strings.HasPrefix(line, "export AWS_") {
			script = append(script, line)
		}
	}
	if !strings.Contains(m[1], "blobs migrate --to s3://tsp-evidence/evident") || !strings.Contains(m[1], "--blobs s3://tsp-evidence/evident verify") {
		t.Fatalf("the block no longer migrates to and verifies s3://tsp-evidence/evident:\n%s", m[1])
	}

	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	env := map[string]string{"EVIDENT_DATA": data, "EVIDENT_ACTOR": "ops@example"}
	example, err := filepath.Abs(filepath.Join("..", "..", "examples", "qtsp"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for i := range 5 {
		f := filepath.Join(dir, fmt.Sprintf("scan-%d.txt", i))
		if err := os.WriteFile(f, []byte(fmt.Sprintf("scan report %d\n", i)), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	for _, args := range [][]string{{"init"}, {"apply", "-f", example}, append([]string{"evidence", "add", "--control", "risk-review-quarterly"}, files...)} {
		if code, out, errs := cli(t, env, args...); code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
	}

	srv := s3test.Start(t)
	if err := os.Mkdir(filepath.Join(srv.Dir, "tsp-evidence"), 0o750); err != nil {
		t.Fatal(err)
	}
	bin := evidentOnPath(t, dir)
	run := func(script string) (string, error) {
		cmd := exec.Command("sh", "-c", "set -eu\n"+script)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "EVIDENT_DATA="+data, "EVIDENT_BLOBS=")
		for k, v := range srv.Env() {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(strings.Join(script, "\n"))
	if err != nil {
		t.Fatalf("the block of \"Moving an existing store to S3\" failed (%v):\n%s\n--- script ---\n%s", err, out, strings.Join(script, "\n"))
	}
	objects, err := filepath.Glob(filepath.Join(srv.Dir, "tsp-evidence", "evident", "sha256", "*"))
	if err != nil || len(objects) < len(files) {
		t.Fatalf("the bucket holds %d objects after the move, want at least the %d files added:\n%s", len(objects), len(files), out)
	}
	if err := os.Remove(objects[0]); err != nil {
		t.Fatal(err)
	}
	if out, err := run("evident --blobs s3://tsp-evidence/evident verify"); err == nil {
		t.Errorf("verify on S3 passes with an object deleted from the bucket:\n%s", out)
	}
}
