package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/blob/s3test"
)

// forEachStore runs one suite against every Store: a directory and a
// bucket on a real S3-compatible server, as the SQL suite runs against
// SQLite and PostgreSQL.
func forEachStore(t *testing.T, fn func(t *testing.T, st blob.Store)) {
	t.Run("disk", func(t *testing.T) {
		d, err := blob.NewDisk(filepath.Join(t.TempDir(), "blobs"))
		if err != nil {
			t.Fatal(err)
		}
		fn(t, d)
	})
	t.Run("s3", func(t *testing.T) {
		fn(t, s3test.Start(t).Store(t, "tsp/evidence"))
	})
}

func readAll(t *testing.T, st blob.Store, dg evident.Digest) []byte {
	t.Helper()
	rc, err := st.Open(context.Background(), dg)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func walk(t *testing.T, st blob.Store) map[evident.Digest]int64 {
	t.Helper()
	got := map[evident.Digest]int64{}
	if err := st.Walk(context.Background(), func(d evident.Digest, n int64) error { got[d] = n; return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestStoreKeepsBytesUnderTheirDigest(t *testing.T) {
	forEachStore(t, func(t *testing.T, st blob.Store) {
		ctx := context.Background()
		if err := st.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		small := []byte("chronyc tracking\n")
		large := randomBytes(20<<20+123, 1) // more than one upload part
		for _, data := range [][]byte{small, large, {}} {
			dg, n, err := st.Put(ctx, bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if want := evident.Digest(sha256.Sum256(data)); dg != want || n != int64(len(data)) {
				t.Fatalf("Put of %d bytes = %s, %d; want %s", len(data), dg, n, want)
			}
			if got := readAll(t, st, dg); !bytes.Equal(got, data) {
				t.Errorf("Open of %d bytes returned %d different bytes", len(data), len(got))
			}
			if size, err := st.Stat(ctx, dg); err != nil || size != int64(len(data)) {
				t.Errorf("Stat = %d, %v; want %d", size, err, len(data))
			}
		}
		// The same bytes again are the same blob.
		if _, _, err := st.Put(ctx, bytes.NewReader(small)); err != nil {
			t.Fatal(err)
		}
		got := walk(t, st)
		if len(got) != 3 || got[sha256.Sum256(large)] != int64(len(large)) || got[sha256.Sum256(small)] != int64(len(small)) {
			t.Errorf("Walk = %v; want the three blobs once each (no staging leftovers)", got)
		}
	})
}

func TestStoreSaysMissing(t *testing.T) {
	forEachStore(t, func(t *testing.T, st blob.Store) {
		ctx := context.Background()
		dg := evident.Digest(sha256.Sum256([]byte("never stored")))
		if _, err := st.Open(ctx, dg); evident.ErrorCode(err) != evident.ENOTFOUND || !strings.Contains(err.Error(), dg.String()) {
			t.Errorf("Open of a missing blob: %v; want ENOTFOUND naming it", err)
		}
		if _, err := st.Stat(ctx, dg); evident.ErrorCode(err) != evident.ENOTFOUND {
			t.Errorf("Stat of a missing blob: %v; want ENOTFOUND", err)
		}
	})
}

// TestStoreBatchIsWholeAtCommit puts many blobs in one batch from several
// goroutines and reads each back after Commit. An aborted batch leaves
// nothing staged on disk; on S3, where each small blob is sent as soon as
// it is Put, a blob the server already had when Abort was called may stay
// as an object no record names (as after a crash), but whole or not at
// all, and nothing arrives after Abort returns.
func TestStoreBatchIsWholeAtCommit(t *testing.T) {
	forEachStore(t, func(t *testing.T, st blob.Store) {
		ctx := context.Background()
		aborted := st.Batch()
		abandoned := []byte("abandoned")
		dg, _, err := aborted.Put(ctx, bytes.NewReader(abandoned))
		if err != nil {
			t.Fatal(err)
		}
		aborted.Abort()
		_, err = st.Stat(ctx, dg)
		left := err == nil
		_, onDisk := st.(*blob.Disk)
		switch {
		case left && onDisk:
			t.Errorf("a blob of an aborted batch is stored on disk")
		case left && !bytes.Equal(readAll(t, st, dg), abandoned):
			t.Errorf("a blob of an aborted batch is stored cut or changed")
		case !left && evident.ErrorCode(err) != evident.ENOTFOUND:
			t.Fatalf("Stat after Abort: %v", err)
		}

		b := st.Batch()
		want := map[evident.Digest][]byte{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range 200 {
			wg.Go(func() {
				data := randomBytes(4096, uint64(i)+10)
				if i == 0 {
					data = randomBytes(70<<10, 99) // beyond what a batch keeps in memory
				}
				dg, _, err := b.Put(ctx, bytes.NewReader(data))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				want[dg] = data
				mu.Unlock()
			})
		}
		wg.Wait()
		if err := b.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		got := walk(t, st)
		if left {
			want[dg] = abandoned
		}
		if len(got) != len(want) {
			t.Errorf("%d blobs stored after Commit, want %d", len(got), len(want))
		}
		for dg, data := range want {
			if !bytes.Equal(readAll(t, st, dg), data) {
				t.Errorf("blob %s does not hold what was put", dg)
			}
		}
	})
}

// TestCopyToS3IsCheckedAndResumable copies a directory store into a
// bucket: a run stopped part way leaves what it copied, the next run
// copies only the rest, and a blob whose bytes no longer match its name
// in the source is refused, named, and not stored under that name.
func TestCopyToS3IsCheckedAndResumable(t *testing.T) {
	ctx := context.Background()
	src, err := blob.NewDisk(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	b := src.Batch()
	for i := range 300 {
		if _, _, err := b.Put(ctx, bytes.NewReader(randomBytes(4096, uint64(i)))); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	dst := s3test.Start(t).Store(t, "migrated")

	stopped, stop := context.WithCancel(ctx)
	first, err := blob.Copy(stopped, src, dst, func(done, total int) {
		if done == 100 {
			stop()
		}
	})
	if err == nil || first.Copied == 0 || first.Copied >= 300 {
		t.Fatalf("interrupted copy: %+v, %v; want some but not all copied and an error", first, err)
	}
	rest, err := blob.Copy(ctx, src, dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rest.Blobs != 300 || rest.Present != len(walk(t, dst))-rest.Copied || rest.Present < first.Copied || rest.Copied+rest.Present != 300 {
		t.Errorf("resumed copy: %+v after %+v; want the rest copied and the first run's blobs kept", rest, first)
	}
	if again, err := blob.Copy(ctx, src, dst, nil); err != nil || again.Copied != 0 || again.Present != 300 {
		t.Errorf("a finished copy run again: %+v, %v; want nothing copied", again, err)
	}

	victim := evident.Digest(sha256.Sum256(randomBytes(4096, 7)))
	if err := os.Chmod(src.Path(victim), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src.Path(victim), []byte("edited in the source\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dst2 := s3test.Start(t).Store(t, "second")
	r, err := blob.Copy(ctx, src, dst2, nil)
	if err == nil || !strings.Contains(err.Error(), victim.String()) || r.Copied != 299 {
		t.Errorf("copy of a store with a changed blob: %+v, %v; want 299 copied and an error naming %s", r, err, victim)
	}
	if _, err := dst2.Stat(ctx, victim); evident.ErrorCode(err) != evident.ENOTFOUND {
		t.Errorf("the changed blob is stored under its old name: %v", err)
	}
}
