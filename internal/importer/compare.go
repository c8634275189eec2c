package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Delta is what changed between two results of the same check: findings
// that appeared (a port opened, a rule started failing) and findings that
// are gone.
type Delta struct {
	Appeared []Finding `json:"appeared"`
	Gone     []Finding `json:"gone"`
}

// Compare matches findings by Key, the first finding of a key standing for
// it. A nil prev is an empty baseline, so every current finding appears.
// Both sides are walked in key order, so a scan of tens of thousands of
// findings is compared without a map of either; results are usually
// sorted already (Result.Sort), and then nothing is sorted.
func Compare(prev, cur *Result) Delta {
	if (prev == nil || len(prev.Findings) == 0) && cur != nil && len(cur.Findings) > 0 && uniqueInOrder(cur.Findings) {
		// Every finding appears, in the order it is held in: the list
		// is shared rather than copied (a first scan's can be large).
		return Delta{Appeared: cur.Findings[:len(cur.Findings):len(cur.Findings)], Gone: []Finding{}}
	}
	before, after := byKey(prev), byKey(cur)
	// The first walk counts, so each list is allocated once at its size.
	gone, appeared := walk(before, after, nil)
	d := Delta{Appeared: make([]Finding, 0, appeared), Gone: make([]Finding, 0, gone)}
	walk(before, after, &d)
	return d
}

// walk merges two lists in key order, counting the findings only before
// and only after, and appending them to d when it is not nil.
func walk(before, after []*Finding, d *Delta) (gone, appeared int) {
	i, j := 0, 0
	for i < len(before) || j < len(after) {
		switch {
		case j == len(after) || i < len(before) && before[i].Key < after[j].Key:
			if d != nil {
				d.Gone = append(d.Gone, *before[i])
			}
			gone, i = gone+1, i+1
		case i == len(before) || after[j].Key < before[i].Key:
			if d != nil {
				d.Appeared = append(d.Appeared, *after[j])
			}
			appeared, j = appeared+1, j+1
		default:
			i, j = i+1, j+1
		}
	}
	return gone, appeared
}

// uniqueInOrder reports whether every key is greater than the one before.
func uniqueInOrder(fs []Finding) bool {
	for i := 1; i < len(fs); i++ {
		if fs[i-1].Key >= fs[i].Key {
			return false
		}
	}
	return true
}

// byKey lists the first finding of each key, in key order.
func byKey(r *Result) []*Finding {
	if r == nil {
		return nil
	}
	out := make([]*Finding, len(r.Findings))
	for i := range r.Findings {
		out[i] = &r.Findings[i]
	}
	cmp := func(a, b *Finding) int { return strings.Compare(a.Key, b.Key) }
	if !slices.IsSortedFunc(out, cmp) {
		slices.SortStableFunc(out, cmp)
	}
	return slices.CompactFunc(out, func(a, b *Finding) bool { return a.Key == b.Key })
}

// CompareJSON is Compare with the previous findings as an import run
// stores them: the JSON list json.Marshal made of them (null or empty for
// none). Only their keys are held; a finding that is gone is decoded
// whole. A scan's previous run may list tens of thousands of findings,
// which would otherwise all be decoded to be compared by key.
func CompareJSON(prev []byte, cur *Result) (Delta, error) {
	type stored struct {
		key string
		raw []byte // the finding's JSON, within prev
	}
	var before []stored
	dec := json.NewDecoder(bytes.NewReader(prev))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('[') && tok != nil {
		return Delta{}, fmt.Errorf("previous findings: not a JSON list (%v)", err)
	}
	for tok != nil && dec.More() {
		start := dec.InputOffset()
		var k struct {
			Key string `json:"key"`
		}
		if err := dec.Decode(&k); err != nil {
			return Delta{}, fmt.Errorf("previous findings: finding %d: %w", len(before), err)
		}
		raw := bytes.TrimLeft(prev[start:dec.InputOffset()], " \t\r\n,")
		before = append(before, stored{k.Key, raw})
	}
	if tok != nil {
		if end, err := dec.Token(); err != nil || end != json.Delim(']') {
			return Delta{}, fmt.Errorf("previous findings: the list does not end (%v)", err)
		}
	}
	// The stored list is the sorted one Compare's callers stored; were it
	// not, it is sorted here, the first finding of a key standing for it.
	cmp := func(a, b stored) int { return strings.Compare(a.key, b.key) }
	if !slices.IsSortedFunc(before, cmp) {
		slices.SortStableFunc(before, cmp)
	}
	before = slices.CompactFunc(before, func(a, b stored) bool { return a.key == b.key })
	after := byKey(cur)
	d := Delta{Appeared: []Finding{}, Gone: []Finding{}}
	i, j := 0, 0
	for i < len(before) || j < len(after) {
		switch {
		case j == len(after) || i < len(before) && before[i].key < after[j].Key:
			var f Finding
			if err := json.Unmarshal(before[i].raw, &f); err != nil {
				return Delta{}, fmt.Errorf("previous findings: %q: %w", before[i].key, err)
			}
			d.Gone = append(d.Gone, f)
			i++
		case i == len(before) || after[j].Key < before[i].key:
			d.Appeared = append(d.Appeared, *after[j])
			j++
		default:
			i, j = i+1, j+1
		}
	}
	return d, nil
}

// CompareStored is CompareJSON with the previous findings read from a
// reader as the walk reaches them, holding one previous finding at a
// time rather than the whole list: a re-import of a large scan would
// otherwise hold its previous run's tens of megabytes of JSON. open
// returns the stored list from its start. The list an import stored, in
// key order and in the plain shape imports write, is read once and
// walked by comparePlain; one it leaves to encoding/json is read again
// and walked by compareInOrder; one not in key order (a caller that
// stored unsorted findings) is read again, whole, and compared by
// CompareJSON. The delta and which lists are refused are CompareJSON's
// (FuzzCompareStored and FuzzComparePlain hold them together).
func CompareStored(open func() io.Reader, cur *Result) (Delta, error) {
	d, err := comparePlain(open(), cur)
	if errors.Is(err, errNotPlain) {
		d, err = compareInOrder(open(), cur)
	}
	if !errors.Is(err, errOutOfOrder) {
		return d, err
	}
	prev, err := io.ReadAll(open())
	if err != nil {
		return Delta{}, fmt.Errorf("previous findings: %w", err)
	}
	return CompareJSON(prev, cur)
}

// errOutOfOrder stops a walk of previous findings that are not in key
// order.
var errOutOfOrder = errors.New("previous findings are not in key order")

// compareInOrder walks the previous findings, a JSON list read from r,
// against the current ones in key order, decoding of each previous
// finding only its key, and the whole of it only if it is gone. It
// stops with errOutOfOrder at a key less than the one before; a key
// equal to the one before is a repeat, which the first of the key stands
// for, as in CompareJSON.
func compareInOrder(r io.Reader, cur *Result) (Delta, error) {
	w := &window{r: r}
	dec := json.NewDecoder(w)
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('[') && tok != nil {
		return Delta{}, fmt.Errorf("previous findings: not a JSON list (%v)", err)
	}
	after := byKey(cur)
	d := Delta{Appeared: []Finding{}, Gone: []Finding{}}
	j := 0
	var last string
	for n := 0; tok != nil && dec.More(); n++ {
		start := dec.InputOffset()
		var k struct {
			Key string `json:"key"`
		}
		if err := dec.Decode(&k); err != nil {
			return Delta{}, fmt.Errorf("previous findings: finding %d: %w", n, err)
		}
		end := dec.InputOffset()
		raw := bytes.TrimLeft(w.bytes(start, end), " \t\r\n,")
		w.drop(end)
		switch {
		case n > 0 && k.Key < last:
			return Delta{}, errOutOfOrder
		case n > 0 && k.Key == last:
			continue
		}
		last = k.Key
		for ; j < len(after) && after[j].Key < k.Key; j++ {
			d.Appeared = append(d.Appeared, *after[j])
		}
		if j < len(after) && after[j].Key == k.Key {
			j++
			continue
		}
		var f Finding
		if err := json.Unmarshal(raw, &f); err != nil {
			return Delta{}, fmt.Errorf("previous findings: %q: %w", k.Key, err)
		}
		d.Gone = append(d.Gone, f)
	}
	if tok != nil {
		if end, err := dec.Token(); err != nil || end != json.Delim(']') {
			return Delta{}, fmt.Errorf("previous findings: the list does not end (%v)", err)
		}
	}
	for ; j < len(after); j++ {
		d.Appeared = append(d.Appeared, *after[j])
	}
	return d, nil
}

// window keeps what a json.Decoder read from r since the finding it is
// decoding began, so a finding that is gone can be decoded whole from its
// own bytes after its key was: the decoder does not hand out what it read.
type window struct {
	r    io.Reader
	buf  []byte // the stream from offset base on
	base int64
}

func (w *window) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	w.buf = append(w.buf, p[:n]...)
	return n, err
}

// bytes returns the stream's bytes from offset from to offset to, which
// must not have been dropped.
func (w *window) bytes(from, to int64) []byte {
	return w.buf[from-w.base : to-w.base]
}

// drop lets the bytes before offset off go. They are moved out in
// batches, not at every finding: what follows them (the decoder's read
// ahead) would be copied each time.
func (w *window) drop(off int64) {
	if k := int(off - w.base); k >= 64<<10 {
		w.buf = w.buf[:copy(w.buf, w.buf[k:])]
		w.base = off
	}
}
