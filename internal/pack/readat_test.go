package pack

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
)

// TestBlockCacheReadsAsTheFile holds blockCache to the reader it caches:
// the same bytes, counts and end-of-file errors for reads of every size
// at every kind of offset (inside a block, across blocks, at and past
// the end), from several goroutines at once.
func TestBlockCacheReadsAsTheFile(t *testing.T) {
	data := make([]byte, 5*cacheBlockSize+1234)
	for i := range data {
		data[i] = byte(i*7 + i>>9)
	}
	file := bytes.NewReader(data)
	c := newBlockCache(file, int64(len(data)))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for range 20000 {
				n := rng.IntN(300)
				if rng.IntN(10) == 0 {
					n = rng.IntN(2 * cacheBlockSize)
				}
				off := rng.Int64N(int64(len(data)) + 500)
				if rng.IntN(5) == 0 {
					off = int64(rng.IntN(6))*cacheBlockSize - int64(rng.IntN(3)) // at block edges
				}
				off = max(off, 0)
				want := make([]byte, n)
				wn, werr := file.ReadAt(want, off)
				got := make([]byte, n)
				gn, gerr := c.ReadAt(got, off)
				if gn != wn || !bytes.Equal(got[:gn], want[:wn]) || (gerr == nil) != (werr == nil) || (werr != nil && !errors.Is(gerr, io.EOF)) {
					t.Errorf("ReadAt(%d bytes, %d): got %d, %v; the file gives %d, %v", n, off, gn, gerr, wn, werr)
					return
				}
			}
		})
	}
	wg.Wait()
	if len(c.held) > cacheBlocks {
		t.Errorf("%d blocks held, at most %d", len(c.held), cacheBlocks)
	}
}

// TestBlockCacheReportsAShortFile checks that a file shorter than the
// size it was said to have gives an error, not zeros.
func TestBlockCacheReportsAShortFile(t *testing.T) {
	data := bytes.Repeat([]byte{1}, 1000)
	c := newBlockCache(bytes.NewReader(data), 4000)
	p := make([]byte, 100)
	if n, err := c.ReadAt(p, 950); n != 50 || err == nil {
		t.Fatalf("a read past the file's real end: %d, %v; want 50 and an error", n, err)
	}
	if n, err := c.ReadAt(p, 2000); n != 0 || err == nil {
		t.Fatalf("a read after the file's real end: %d, %v; want 0 and an error", n, err)
	}
	if n, err := c.ReadAt(p, 100); n != 100 || err != nil {
		t.Fatalf("a read inside the file: %d, %v", n, err)
	}
}
