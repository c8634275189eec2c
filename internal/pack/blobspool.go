package pack

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/evidenthq/evident"
)

// blobRun is how many blobs are sorted in memory before they go to the
// spool file as a sorted run: 16 384 of them are 640 KiB.
const blobRun = 16384

// blobRecord is the size of a spooled blob: its digest and its size.
const blobRecord = 32 + 8

// blobEntry is a blob to copy into the pack.
type blobEntry struct {
	sum  evident.Digest
	size int64
}

func compareBlobs(a, b blobEntry) int { return bytes.Compare(a.sum[:], b.sum[:]) }

// blobList is the distinct blobs a pack carries, in digest order, as the
// blob writer copies them. Every evidence item adds its blob (items share
// blobs), so the list is as long as the pack: it goes to a temporary file
// in sorted runs, merged once the items are read, and the writer reads the
// merged list back. A pack of fewer than blobRun items never touches the
// file.
type blobList struct {
	f    *os.File
	size int64 // the file's length
	buf  []blobEntry
	runs []spoolBlock // sorted runs, in records
	// Once finished: the merged list is list (in memory) or the records
	// at merged in the file; n counts them, total sums their sizes.
	list   []blobEntry
	merged spoolBlock
	n      int
	total  int64
	done   bool
}

func newBlobList() (*blobList, error) {
	f, err := os.CreateTemp("", "evident-pack-blobs-*")
	if err != nil {
		return nil, fmt.Errorf("pack blobs: %w", err)
	}
	return &blobList{f: f}, nil
}

// add adds a blob; adding one again is harmless.
func (l *blobList) add(sum evident.Digest, size int64) error {
	l.buf = append(l.buf, blobEntry{sum, size})
	if len(l.buf) < blobRun {
		return nil
	}
	return l.spill()
}

// distinct sorts the buffer and drops repeated digests.
func (l *blobList) distinct() {
	slices.SortStableFunc(l.buf, compareBlobs)
	l.buf = slices.CompactFunc(l.buf, func(a, b blobEntry) bool { return a.sum == b.sum })
}

// spill writes the buffer to the file as a sorted run.
func (l *blobList) spill() error {
	l.distinct()
	w := bufio.NewWriterSize(io.NewOffsetWriter(l.f, l.size), 64<<10)
	for _, b := range l.buf {
		if err := writeBlobEntry(w, b); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("pack blobs: %w", err)
	}
	l.runs = append(l.runs, spoolBlock{off: l.size, n: len(l.buf)})
	l.size += int64(len(l.buf)) * blobRecord
	l.buf = l.buf[:0]
	return nil
}

func writeBlobEntry(w *bufio.Writer, b blobEntry) error {
	w.Write(b.sum[:])
	_, err := w.Write(binary.BigEndian.AppendUint64(nil, uint64(b.size)))
	return err
}

// finish merges the runs into the final list, counting the blobs and
// their bytes. No blob may be added after.
func (l *blobList) finish() error {
	l.done = true
	if len(l.runs) == 0 {
		l.distinct()
		l.list = l.buf
		for _, b := range l.list {
			l.total += b.size
		}
		l.n = len(l.list)
		return nil
	}
	if len(l.buf) > 0 {
		if err := l.spill(); err != nil {
			return err
		}
	}
	l.buf = nil
	h := &runHeap{}
	for _, r := range l.runs {
		rd := newRunReader(l.f, r)
		ok, err := rd.next()
		if err != nil {
			return err
		}
		if ok {
			h.rs = append(h.rs, rd)
		}
	}
	heap.Init(h)
	l.merged = spoolBlock{off: l.size}
	w := bufio.NewWriterSize(io.NewOffsetWriter(l.f, l.size), 64<<10)
	var last *blobEntry
	for h.Len() > 0 {
		rd := h.rs[0]
		b := rd.cur
		if last == nil || last.sum != b.sum {
			if err := writeBlobEntry(w, b); err != nil {
				return err
			}
			l.n++
			l.total += b.size
			last = &blobEntry{b.sum, b.size}
		}
		ok, err := rd.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("pack blobs: %w", err)
	}
	l.merged.n = l.n
	l.size += int64(l.n) * blobRecord
	return nil
}

// each calls fn with every blob, in digest order. It may run in several
// goroutines at once once the list is finished.
func (l *blobList) each(fn func(blobEntry) error) error {
	if !l.done {
		return fmt.Errorf("pack blobs: the list is read before it is finished")
	}
	if len(l.runs) == 0 {
		for _, b := range l.list {
			if err := fn(b); err != nil {
				return err
			}
		}
		return nil
	}
	rd := newRunReader(l.f, l.merged)
	for {
		ok, err := rd.next()
		if err != nil || !ok {
			return err
		}
		if err := fn(rd.cur); err != nil {
			return err
		}
	}
}

// close removes the temporary file.
func (l *blobList) close() {
	l.f.Close()
	os.Remove(l.f.Name())
}

// runReader reads the records of one run.
type runReader struct {
	r    *bufio.Reader
	left int
	cur  blobEntry
	rec  [blobRecord]byte
}

func newRunReader(f *os.File, r spoolBlock) *runReader {
	return &runReader{r: bufio.NewReaderSize(io.NewSectionReader(f, r.off, int64(r.n)*blobRecord), 16<<10), left: r.n}
}

// next reads the next record into cur; false at the run's end.
func (r *runReader) next() (bool, error) {
	if r.left == 0 {
		return false, nil
	}
	if _, err := io.ReadFull(r.r, r.rec[:]); err != nil {
		return false, fmt.Errorf("pack blobs: %w", err)
	}
	r.left--
	copy(r.cur.sum[:], r.rec[:32])
	r.cur.size = int64(binary.BigEndian.Uint64(r.rec[32:]))
	return true, nil
}

// runHeap orders the runs by their current record.
type runHeap struct{ rs []*runReader }

func (h *runHeap) Len() int { return len(h.rs) }
func (h *runHeap) Less(i, j int) bool {
	return bytes.Compare(h.rs[i].cur.sum[:], h.rs[j].cur.sum[:]) < 0
}
func (h *runHeap) Swap(i, j int) { h.rs[i], h.rs[j] = h.rs[j], h.rs[i] }
func (h *runHeap) Push(x any)    { h.rs = append(h.rs, x.(*runReader)) }
func (h *runHeap) Pop() any {
	x := h.rs[len(h.rs)-1]
	h.rs = h.rs[:len(h.rs)-1]
	return x
}
