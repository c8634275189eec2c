package blob

import (
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
)

func newDisk(t *testing.T) *Disk {
	t.Helper()
	d, err := NewDisk(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func read(t *testing.T, d *Disk, dg evident.Digest) string {
	t.Helper()
	rc, err := d.Open(context.Background(), dg)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return string(b)
}

func TestPutIsContentAddressedAndReadOnly(t *testing.T) {
	ctx := context.Background()
	d := newDisk(t)
	dg, n, err := d.Put(ctx, strings.NewReader("chronyc tracking\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := evident.Digest(sha256.Sum256([]byte("chronyc tracking\n"))); dg != want || n != 17 {
		t.Fatalf("Put = %s, %d; want %s, 17", dg, n, want)
	}
	h := dg.String()
	p := filepath.Join(d.Root(), "sha256", h[:2], h)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatalf("blob not at its address: %v", err)
	}
	if fi.Mode().Perm()&0o222 != 0 {
		t.Errorf("blob mode %v is writable", fi.Mode().Perm())
	}
	if got := read(t, d, dg); got != "chronyc tracking\n" {
		t.Errorf("Open = %q", got)
	}
	if size, err := d.Stat(ctx, dg); err != nil || size != 17 {
		t.Errorf("Stat = %d, %v", size, err)
	}
	tmp, _ := os.ReadDir(filepath.Join(d.Root(), "tmp"))
	if len(tmp) != 0 {
		t.Errorf("%d files left in tmp", len(tmp))
	}
}

func TestPutNeverOverwrites(t *testing.T) {
	ctx := context.Background()
	d := newDisk(t)
	dg, _, _ := d.Put(ctx, strings.NewReader("report"))
	before, _ := os.Stat(d.Path(dg))
	if _, _, err := d.Put(ctx, strings.NewReader("report")); err != nil {
		t.Fatal(err)
	}
	b := d.Batch()
	b.Put(ctx, strings.NewReader("report"))
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(d.Path(dg))
	if !os.SameFile(before, after) {
		t.Error("storing the same bytes again replaced the stored file")
	}
}

func TestPartialFileFromACrashIsReplaced(t *testing.T) {
	ctx := context.Background()
	d := newDisk(t)
	want := "a complete report\n"
	dg := evident.Digest(sha256.Sum256([]byte(want)))
	os.MkdirAll(filepath.Dir(d.Path(dg)), 0o750)
	os.WriteFile(d.Path(dg), []byte("a comp"), 0o440) // linked, never flushed
	b := d.Batch()
	b.Put(ctx, strings.NewReader(want))
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := read(t, d, dg); got != want {
		t.Errorf("blob after re-put = %q, want %q", got, want)
	}
}

func TestMissingBlobIsNotFound(t *testing.T) {
	d := newDisk(t)
	_, err := d.Open(context.Background(), evident.Digest{1})
	if evident.ErrorCode(err) != evident.ENOTFOUND {
		t.Errorf("Open of a missing blob: %v, want ENOTFOUND", err)
	}
	if _, err := d.Stat(context.Background(), evident.Digest{1}); evident.ErrorCode(err) != evident.ENOTFOUND {
		t.Errorf("Stat of a missing blob: %v, want ENOTFOUND", err)
	}
}

func TestBatchAbortLeavesNothing(t *testing.T) {
	ctx := context.Background()
	d := newDisk(t)
	b := d.Batch()
	dg, _, _ := b.Put(ctx, strings.NewReader("never committed"))
	b.Abort()
	if _, err := d.Stat(ctx, dg); evident.ErrorCode(err) != evident.ENOTFOUND {
		t.Errorf("aborted blob is stored: %v", err)
	}
	tmp, _ := os.ReadDir(filepath.Join(d.Root(), "tmp"))
	if len(tmp) != 0 {
		t.Errorf("%d files left in tmp after Abort", len(tmp))
	}
}

func TestWalkListsEveryBlob(t *testing.T) {
	ctx := context.Background()
	d := newDisk(t)
	want := map[evident.Digest]int64{}
	b := d.Batch()
	for i := 0; i < 50; i++ {
		s := strings.Repeat("x", i+1)
		dg, n, _ := b.Put(ctx, strings.NewReader(s))
		want[dg] = n
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[evident.Digest]int64{}
	d.Walk(ctx, func(dg evident.Digest, n int64) error { got[dg] = n; return nil })
	if len(got) != 50 {
		t.Fatalf("Walk saw %d blobs, want 50", len(got))
	}
	for dg, n := range want {
		if got[dg] != n {
			t.Errorf("Walk: %s size %d, want %d", dg, got[dg], n)
		}
	}
}

// TestLargePutStreams stores 256 MiB produced on the fly and checks the
// heap never held more than a few chunks of it.
func TestLargePutStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 256 MiB")
	}
	ctx := context.Background()
	d := newDisk(t)
	const size = 256 << 20
	src := io.LimitReader(rand.NewChaCha8([32]byte{7}), size)
	h := sha256.New()
	var peak uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			default:
			}
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
		}
	}()
	dg, n, err := d.Put(ctx, io.TeeReader(src, h))
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	if n != size || dg != evident.Digest(h.Sum(nil)) {
		t.Errorf("Put = %s, %d", dg, n)
	}
	if peak > 32<<20 {
		t.Errorf("heap reached %d MiB while storing 256 MiB: the file is not streamed", peak>>20)
	}
}

// TestBatchStoresSmallAndLargeAlike covers both ways a batch stores a
// blob: small ones written straight to their address, larger ones staged
// in tmp and linked.
func TestBatchStoresSmallAndLargeAlike(t *testing.T) {
	ctx := context.Background()
	d := newDisk(t)
	small := strings.Repeat("s", smallBlob)
	large := strings.Repeat("L", smallBlob+1)
	b := d.Batch()
	ds, _, _ := b.Put(ctx, strings.NewReader(small))
	dl, _, _ := b.Put(ctx, strings.NewReader(large))
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if read(t, d, ds) != small || read(t, d, dl) != large {
		t.Error("a batch stored different bytes than it was given")
	}
	tmp, _ := os.ReadDir(filepath.Join(d.Root(), "tmp"))
	if len(tmp) != 0 {
		t.Errorf("%d files left in tmp", len(tmp))
	}
}
