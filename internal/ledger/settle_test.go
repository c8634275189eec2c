package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// kept returns how many blobs the database holds the bytes of.
func kept(t *testing.T, st *sqlstore.Store) int {
	t.Helper()
	var n int
	err := st.Read(context.Background(), func(tx *sqlstore.Tx) error {
		bs, err := tx.BlobIntents(context.Background())
		n = len(bs)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// readBlob reads a blob the way the server's downloads and packs do.
func readBlob(t *testing.T, l *Ledger, dg evident.Digest) string {
	t.Helper()
	rc, err := l.Blobs().Open(context.Background(), dg)
	if err != nil {
		t.Fatalf("open blob %s: %v", dg, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDeferredUploadIsReadBeforeItsFileIsWritten stores one small file as
// the server does (its bytes in the commit, no file yet), reads it back
// as a download would and verifies the store, then leaves the disk as a
// crash would (no file, or a file an interrupted Settle cut short) and
// checks that Settle writes the file from the committed bytes: what was
// acknowledged is never lost, and verify passes.
func TestDeferredUploadIsReadBeforeItsFileIsWritten(t *testing.T) {
	for _, crash := range []struct {
		name    string
		leave   func(path string) error
		problem bool // whether verify before Settle reports the blob
	}{
		{"no file yet", func(string) error { return nil }, false},
		{"file cut short", func(p string) error { return os.WriteFile(p, []byte("nmap"), 0o644) }, true},
	} {
		t.Run(crash.name, func(t *testing.T) {
			storetest.Each(t, clock(), func(t *testing.T, st *sqlstore.Store) {
				ctx := context.Background()
				f := newFixture(t, st)
				f.l.DeferSmallBlobs()
				content := "nmap scan output\n"
				e, err := f.l.AddEvidence(ctx, input("scan.txt"), strings.NewReader(content))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := os.Stat(f.blobs.Path(e.Digest)); !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("the blob's file after the add: %v; want none before Settle", err)
				}
				if n := kept(t, st); n != 1 {
					t.Fatalf("the database keeps %d blobs' bytes, want the one without a file", n)
				}
				if got := readBlob(t, f.l, e.Digest); got != content {
					t.Fatalf("the blob read before Settle: %q, want %q", got, content)
				}
				if n, err := f.l.Blobs().Stat(ctx, e.Digest); err != nil || n != int64(len(content)) {
					t.Fatalf("the blob's size before Settle: %d, %v; want %d", n, err, len(content))
				}
				if err := crash.leave(f.blobs.Path(e.Digest)); err != nil {
					t.Fatal(err)
				}
				r, err := f.l.Verify(ctx, nil)
				if err != nil || r.OK() == crash.problem {
					t.Fatalf("verify before Settle: %v, %v; want the blob reported: %v", err, r.Problems, crash.problem)
				}
				if err := f.l.Settle(ctx); err != nil {
					t.Fatalf("settle: %v", err)
				}
				if got, err := os.ReadFile(f.blobs.Path(e.Digest)); err != nil || string(got) != content {
					t.Errorf("the blob's file after settle: %q, %v; want %q", got, err, content)
				}
				if n := kept(t, st); n != 0 {
					t.Errorf("the database still keeps %d blobs' bytes after settle", n)
				}
				if got := readBlob(t, f.l, e.Digest); got != content {
					t.Errorf("the blob read after Settle: %q, want %q", got, content)
				}
				if r, err := f.l.Verify(ctx, nil); err != nil || !r.OK() {
					t.Errorf("verify after settle: %v, %v", err, r.Problems)
				}
			})
		})
	}
}

// TestSettleRefusesBytesThatAreNotTheBlob edits the kept bytes behind the
// program's back: settle must not write them under the digest, and must
// say which blob, and verify names the blob as changed.
func TestSettleRefusesBytesThatAreNotTheBlob(t *testing.T) {
	storetest.Each(t, clock(), func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		f.l.DeferSmallBlobs()
		e, err := f.l.AddEvidence(ctx, input("scan.txt"), strings.NewReader("nmap scan output\n"))
		if err != nil {
			t.Fatal(err)
		}
		err = st.Write(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE blob_intents SET data = ?`, []byte("a more convenient result\n"))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = f.l.Settle(ctx)
		if err == nil || !strings.Contains(err.Error(), e.Digest.String()) {
			t.Fatalf("settle of edited bytes: %v; want an error naming %s", err, e.Digest)
		}
		if _, err := os.Stat(f.blobs.Path(e.Digest)); err == nil {
			t.Errorf("settle wrote a file under %s from bytes that are not the blob", e.Digest)
		}
		r, err := f.l.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkProblems(t, r, []string{e.ID}, []string{"changed blob: evidence {0}"})
	})
}

// TestDeferredUploadsAreFlushedInGroups checks that placed files do not
// wait for ever: every settleEvery single uploads flush them together,
// and a batch too large to defer flushes its files before its commit.
func TestDeferredUploadsAreFlushedInGroups(t *testing.T) {
	storetest.Each(t, clock(), func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		f.l.DeferSmallBlobs()
		for i := range settleEvery - 1 {
			if _, err := f.l.AddBatch(ctx, items(1, "one"+string(rune('a'+i%26))+string(rune('a'+i/26)))); err != nil {
				t.Fatal(err)
			}
		}
		if n := kept(t, st); n != settleEvery-1 {
			t.Fatalf("kept %d blobs' bytes after %d uploads, want %d", n, settleEvery-1, settleEvery-1)
		}
		if _, err := f.l.AddBatch(ctx, items(1, "last")); err != nil {
			t.Fatal(err)
		}
		if n := kept(t, st); n != 0 {
			t.Errorf("kept %d blobs' bytes after the %dth upload, want them settled", n, settleEvery)
		}
		if _, err := f.l.AddBatch(ctx, items(17, "many")); err != nil {
			t.Fatal(err)
		}
		if n := kept(t, st); n != 0 {
			t.Errorf("a batch of 17 files kept %d blobs' bytes; want its files flushed before its commit", n)
		}
		big := bytes.Repeat([]byte("x"), 65<<10+1)
		e, err := f.l.AddEvidence(ctx, input("big.bin"), bytes.NewReader(big))
		if err != nil {
			t.Fatal(err)
		}
		if n := kept(t, st); n != 0 {
			t.Errorf("a %d-byte file kept %d blobs' bytes; want it flushed before its commit", e.Size, n)
		}
		if r, err := f.l.Verify(ctx, nil); err != nil || !r.OK() {
			t.Errorf("verify: %v, %v", err, r.Problems)
		}
	})
}

// TestDeferredUploadWhoseFileCannotBeWrittenStaysKept: a deferred
// upload is acknowledged before its file exists. When Settle cannot
// create the file it says so and the bytes stay kept, so a later Settle
// writes the file: nothing acknowledged is lost.
func TestDeferredUploadWhoseFileCannotBeWrittenStaysKept(t *testing.T) {
	storetest.Each(t, clock(), func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		f.l.DeferSmallBlobs()
		content := "chronyc tracking\n"
		path := f.blobs.Path(evident.Digest(sha256.Sum256([]byte(content))))
		// A file where the blob's fan-out directory should be: creating
		// the blob fails whoever runs the test (root ignores permissions).
		dir := filepath.Dir(path)
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := f.l.AddEvidence(ctx, input("chrony.txt"), strings.NewReader(content)); err != nil {
			t.Fatalf("add: %v; want it acknowledged, its bytes durable in the commit", err)
		}
		if err := f.l.Settle(ctx); err == nil || !strings.Contains(err.Error(), "write deferred evidence blobs") {
			t.Fatalf("settle with the file impossible to create: %v; want an error saying the files were not written", err)
		}
		if n := kept(t, st); n != 1 {
			t.Fatalf("the database keeps %d blobs' bytes after a failed settle, want the one", n)
		}
		if err := os.Remove(dir); err != nil {
			t.Fatal(err)
		}
		if err := f.l.Settle(ctx); err != nil {
			t.Fatalf("settle once the directory can be made: %v", err)
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != content {
			t.Errorf("the blob's file after settle: %q, %v; want %q", got, err, content)
		}
		if n := kept(t, st); n != 0 {
			t.Errorf("the database still keeps %d blobs' bytes after settle", n)
		}
		if r, err := f.l.Verify(ctx, nil); err != nil || !r.OK() {
			t.Errorf("verify after settle: %v, %v", err, r.Problems)
		}
	})
}
