package pack

import (
	"errors"
	"io"
	"sync"
)

// blockCache serves the small reads verify makes of a pack from a few
// cached blocks of it, and passes large reads through. Reading one zip
// entry takes several reads of a few bytes each (its local header, its
// data in the decompressor's or io.ReadAll's small steps, its data
// descriptor), and a pack of 100 000 items has over 300 000 entries: as
// system calls, those reads were a fifth of verify's CPU. The entries
// verify reads one after another (leaves, proofs, checkpoints) lie one
// after another in the pack, and an entry's reads lie within a block or
// two, so one block read serves them all.
//
// It is safe for concurrent use: the blobs are hashed by several workers
// while the leaves are checked.
type blockCache struct {
	r    io.ReaderAt
	size int64
	mu   sync.Mutex
	held map[int64]*cachedBlock // by block number
	tick uint64
}

type cachedBlock struct {
	data []byte
	used uint64 // tick of the last read served from it
}

const (
	// cacheBlockSize is the size of a cached block; reads of a quarter
	// of it or more go straight to the file.
	cacheBlockSize = 64 << 10
	// cacheBlocks is how many blocks are held: one stream of entries
	// read in order, and one per worker hashing blobs, with room to spare.
	cacheBlocks = 32
)

// newBlockCache caches the first size bytes of r.
func newBlockCache(r io.ReaderAt, size int64) *blockCache {
	return &blockCache{r: r, size: size, held: map[int64]*cachedBlock{}}
}

// ReadAt reads len(p) bytes at off as r.ReadAt does, from cached blocks
// when p is small. Past size it reads nothing and returns io.EOF, as a
// file of that size would.
func (c *blockCache) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("pack: negative offset")
	}
	if len(p) >= cacheBlockSize/4 {
		return c.r.ReadAt(p, off)
	}
	n := 0
	for n < len(p) {
		at := off + int64(n)
		if at >= c.size {
			return n, io.EOF
		}
		b, err := c.block(at / cacheBlockSize)
		i := int(at % cacheBlockSize)
		if i >= len(b) {
			if err == nil {
				err = io.ErrUnexpectedEOF // the file is shorter than size
			}
			return n, err
		}
		n += copy(p[n:], b[i:])
	}
	return n, nil
}

// block returns block k, read from r when not held, evicting the block
// least recently read from. A block cut short by an error is returned
// with the error and not kept.
func (c *blockCache) block(k int64) ([]byte, error) {
	c.mu.Lock()
	c.tick++
	if b, ok := c.held[k]; ok {
		b.used = c.tick
		c.mu.Unlock()
		return b.data, nil
	}
	c.mu.Unlock()
	start := k * cacheBlockSize
	buf := make([]byte, min(cacheBlockSize, c.size-start))
	n, err := c.r.ReadAt(buf, start)
	if n < len(buf) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return buf[:n], err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.held) >= cacheBlocks {
		var oldest int64
		first := true
		for j, b := range c.held {
			if first || b.used < c.held[oldest].used {
				oldest, first = j, false
			}
		}
		delete(c.held, oldest)
	}
	c.tick++
	c.held[k] = &cachedBlock{data: buf, used: c.tick}
	return buf, nil
}
