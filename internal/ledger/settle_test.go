package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
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

// TestDeferredUploadSurvivesLosingItsFile stores one small file as the
// server does (its file placed unflushed, its bytes in the commit), then
// loses the file as a crash before the flush would, and checks that the
// next Settle rewrites it from the committed bytes: what was acknowledged
// is not lost, and verify passes again.
func TestDeferredUploadSurvivesLosingItsFile(t *testing.T) {
	for _, loss := range []struct {
		name string
		lose func(path string) error
	}{
		{"file gone", os.Remove},
		{"file cut short", func(p string) error {
			os.Chmod(p, 0o644)
			return os.WriteFile(p, []byte("nmap"), 0o644)
		}},
	} {
		t.Run(loss.name, func(t *testing.T) {
			storetest.Each(t, clock(), func(t *testing.T, st *sqlstore.Store) {
				ctx := context.Background()
				f := newFixture(t, st)
				f.l.DeferSmallBlobs()
				content := "nmap scan output\n"
				e, err := f.l.AddEvidence(ctx, input("scan.txt"), strings.NewReader(content))
				if err != nil {
					t.Fatal(err)
				}
				if got, err := os.ReadFile(f.blobs.Path(e.Digest)); err != nil || string(got) != content {
					t.Fatalf("the blob's file after the add: %q, %v; want it readable at once", got, err)
				}
				if n := kept(t, st); n != 1 {
					t.Fatalf("the database keeps %d blobs' bytes, want the one whose file is not flushed", n)
				}
				if err := loss.lose(f.blobs.Path(e.Digest)); err != nil {
					t.Fatal(err)
				}
				r, err := f.l.Verify(ctx, nil)
				if err != nil || r.OK() {
					t.Fatalf("verify with the file lost: %v, %v; want the blob reported", err, r.Problems)
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
				if r, err := f.l.Verify(ctx, nil); err != nil || !r.OK() {
					t.Errorf("verify after settle: %v, %v", err, r.Problems)
				}
			})
		})
	}
}

// TestSettleRefusesBytesThatAreNotTheBlob edits the kept bytes behind the
// program's back: settle must not write them under the digest, and must
// say which blob, so the lost file stays a missing blob for verify.
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
		if err := os.Remove(f.blobs.Path(e.Digest)); err != nil {
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
		checkProblems(t, r, []string{e.ID}, []string{"missing blob: evidence {0}"})
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

// TestDeferredUploadWhoseFileCannotBePlacedIsNotStored: a deferred
// upload's file is placed before its transaction commits. When the file
// cannot be created the upload must fail and leave nothing: no
// record naming a blob the disk does not hold, no kept bytes, and verify
// finding nothing it did not find before.
func TestDeferredUploadWhoseFileCannotBePlacedIsNotStored(t *testing.T) {
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
		before, err := f.l.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.l.AddEvidence(ctx, input("chrony.txt"), strings.NewReader(content))
		if err == nil || !strings.Contains(err.Error(), "place evidence blobs") {
			t.Fatalf("add with its file impossible to create: %v; want an error saying the blob was not placed", err)
		}
		r, err := f.l.Verify(ctx, nil)
		if err != nil || len(r.Problems) != len(before.Problems) {
			t.Fatalf("verify after the failed add: %v, %v; want only what it found before: %v", err, r.Problems, before.Problems)
		}
		if r.Evidence != before.Evidence || r.Leaves != before.Leaves {
			t.Errorf("after the failed add: %d evidence records in %d leaves, want %d in %d as before",
				r.Evidence, r.Leaves, before.Evidence, before.Leaves)
		}
		if n := kept(t, st); n != 0 {
			t.Errorf("the database keeps %d blobs' bytes after a failed add, want none", n)
		}
	})
}
