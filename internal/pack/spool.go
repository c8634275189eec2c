package pack

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"

	"github.com/evidenthq/evident"
)

// Counts are what an export put in the pack, for the caller's summary:
// the manifest's items themselves stay in the pack, never in memory.
type Counts struct {
	Items    int   `json:"items"`
	Evidence int   `json:"evidence"` // evidence items shown in full
	Records  int   `json:"records"`  // other records shown in full
	Redacted int   `json:"redacted"` // items out of the service scope, by hash only
	Bytes    int64 `json:"bytes"`    // the evidence items' blob sizes, summed
}

// add counts one item.
func (c *Counts) add(it Item) {
	c.Items++
	switch {
	case it.Redacted:
		c.Redacted++
	case it.Path != "":
		c.Evidence++
		c.Bytes += it.Size
	default:
		c.Records++
	}
}

// itemSpool holds the manifest's items as they are collected: the leaves
// of the period's range, in ledger order, one JSON line each in a
// temporary file, and the few others (evidence received outside the
// period, acceptances, schedule and key leaves) in memory. Writing the
// manifest merges the two in index order. Memory stays the same whatever
// the number of items in the period.
type itemSpool struct {
	f     *os.File
	w     *bufio.Writer
	last  int64 // the index of the last spooled item, -1 before the first
	extra []Item
	line  []byte
}

func newItemSpool() (*itemSpool, error) {
	f, err := os.CreateTemp("", "evident-pack-items-*")
	if err != nil {
		return nil, fmt.Errorf("pack items: %w", err)
	}
	return &itemSpool{f: f, w: bufio.NewWriterSize(f, 64<<10), last: -1}, nil
}

// inOrder adds an item of the period's range; they come in ledger order.
func (s *itemSpool) inOrder(it Item) error {
	if it.Index <= s.last {
		return evident.Errorf(evident.EFAILED, "ledger leaf %d read after leaf %d: the store returned leaves out of order", it.Index, s.last)
	}
	s.last = it.Index
	b, err := json.Marshal(it)
	if err != nil {
		return err
	}
	// Each line is "<index> <item JSON>", so the merge reads the index
	// without decoding the item.
	s.w.WriteString(strconv.FormatInt(it.Index, 10))
	s.w.WriteByte(' ')
	s.w.Write(b)
	return s.w.WriteByte('\n')
}

// other adds an item outside the period's range, in any order.
func (s *itemSpool) other(it Item) { s.extra = append(s.extra, it) }

// write writes every item as the JSON array of MANIFEST.json "items", in
// index order, indented to its place (indent starts each line).
func (s *itemSpool) write(w *bufio.Writer, indent string) error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("pack items: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("pack items: %w", err)
	}
	slices.SortFunc(s.extra, func(a, b Item) int { return int(min(max(a.Index-b.Index, -1), 1)) })
	r := bufio.NewReaderSize(s.f, 64<<10)
	var buf bytes.Buffer
	inner := indent + "  "
	n := 0
	emit := func(b []byte) error {
		openElem(w, &n, inner)
		return writeIndented(w, &buf, b, inner)
	}
	next, err := s.read(r)
	if err != nil {
		return err
	}
	extra := s.extra
	for next != nil || len(extra) > 0 {
		if len(extra) > 0 && (next == nil || extra[0].Index < next.index) {
			b, err := json.Marshal(extra[0])
			if err != nil {
				return err
			}
			if err := emit(b); err != nil {
				return err
			}
			extra = extra[1:]
			continue
		}
		if err := emit(next.line); err != nil {
			return err
		}
		if next, err = s.read(r); err != nil {
			return err
		}
	}
	if n == 0 {
		_, err := w.WriteString("[]")
		return err
	}
	_, err = w.WriteString("\n" + indent + "]")
	return err
}

type spooled struct {
	index int64
	line  []byte
}

// read returns the next spooled item, nil at the end.
func (s *itemSpool) read(r *bufio.Reader) (*spooled, error) {
	line, err := r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		// A long item (many controls): gather it whole.
		s.line = append(s.line[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = r.ReadSlice('\n')
			s.line = append(s.line, line...)
		}
		line = s.line
	}
	if err == io.EOF && len(line) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pack items: %w", err)
	}
	num, item, ok := bytes.Cut(bytes.TrimSuffix(line, []byte("\n")), []byte(" "))
	index, err := strconv.ParseInt(string(num), 10, 64)
	if !ok || err != nil {
		return nil, fmt.Errorf("pack items: bad spooled line %.40q", line)
	}
	return &spooled{index: index, line: item}, nil
}

// close removes the temporary file.
func (s *itemSpool) close() {
	s.f.Close()
	os.Remove(s.f.Name())
}
