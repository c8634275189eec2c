package pack

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/evidenthq/evident"
)

// refBlock is how many bytes of a control's references are gathered in
// memory before they go to the spool file: the buffers of a program's
// controls stay small, and reading a control back takes few reads.
const refBlock = 16 << 10

// refSpool holds the index's evidence references, grouped by control, in
// a temporary file: the index lists every evidence item under each of its
// controls (index.json, index.html, index.xlsx, the requirements register),
// and a pack of a hundred thousand items cannot keep them all in memory.
// Each control's references are a chain of blocks in the file, in ledger
// order, and a short tail in memory. What the index judges beside them is
// kept in memory only for failed items (their findings), which are few.
type refSpool struct {
	f    *os.File
	size int64 // the file's length
	ctl  map[string]*refChain
	// accepted is who accepted each reviewed item (acceptanceText), set
	// once the acceptances are known; references read back carry it.
	accepted map[string]string
	block    []byte // read buffer
}

// refChain is one control's references.
type refChain struct {
	blocks []spoolBlock
	tail   []byte
	last   int64 // the index of the last reference in blocks and tail
	count  int
	// extra are references that arrived out of ledger order (evidence
	// received outside the period), merged on reading. Few.
	extra []spooledRef
	// failed are the control's failed items, which its findings judge.
	failed []failedRef
}

type spoolBlock struct {
	off int64
	n   int
}

// spooledRef is an evidence reference with what its control's findings
// need of it: when it took effect and what it speaks for.
type spooledRef struct {
	EvidenceRef
	occEffective time.Time
	// occ is the occurrence's systems and hosts as JSON, empty when it
	// names neither: a finding is answered by later passing evidence
	// speaking for the same parts.
	occ []byte
}

// failedRef is a failed item with its occurrence and detail.
type failedRef struct {
	ref    EvidenceRef
	occ    evident.Occurrence
	detail []byte
}

func newRefSpool() (*refSpool, error) {
	f, err := os.CreateTemp("", "evident-pack-refs-*")
	if err != nil {
		return nil, fmt.Errorf("pack index: %w", err)
	}
	return &refSpool{f: f, ctl: map[string]*refChain{}}, nil
}

// add adds ev's reference under each of its controls.
func (s *refSpool) add(ref EvidenceRef, ev evident.Evidence) error {
	occ := evident.OccurrenceOf(ev)
	var parts []byte
	if len(occ.Systems) > 0 || occ.Hosts != nil {
		var err error
		if parts, err = json.Marshal(occParts{occ.Systems, occ.Hosts}); err != nil {
			return err
		}
	}
	var rec []byte
	for _, c := range ev.Controls {
		ch := s.ctl[c]
		if ch == nil {
			ch = &refChain{last: -1}
			s.ctl[c] = ch
		}
		ch.count++
		if ev.Verdict == evident.VerdictFail {
			ch.failed = append(ch.failed, failedRef{ref: ref, occ: occ, detail: ev.Detail})
		}
		if ref.Index <= ch.last {
			ch.extra = append(ch.extra, spooledRef{EvidenceRef: ref, occEffective: occ.Effective, occ: parts})
			continue
		}
		ch.last = ref.Index
		if rec == nil {
			rec = appendRef(nil, ref, occ.Effective, parts)
		}
		ch.tail = binary.AppendUvarint(ch.tail, uint64(len(rec)))
		ch.tail = append(ch.tail, rec...)
		if len(ch.tail) >= refBlock {
			if err := s.flush(ch); err != nil {
				return err
			}
		}
	}
	return nil
}

// occParts is what of an occurrence decides which parts it speaks for.
// Hosts keeps null apart from {}: no scope known speaks for every host,
// an empty scope for none.
type occParts struct {
	Systems []string            `json:"s"`
	Hosts   map[string][]string `json:"h"`
}

// flush writes a chain's tail to the file as its next block.
func (s *refSpool) flush(ch *refChain) error {
	if _, err := s.f.WriteAt(ch.tail, s.size); err != nil {
		return fmt.Errorf("pack index: %w", err)
	}
	ch.blocks = append(ch.blocks, spoolBlock{off: s.size, n: len(ch.tail)})
	s.size += int64(len(ch.tail))
	ch.tail = ch.tail[:0]
	return nil
}

// count is how many references control c has.
func (s *refSpool) count(c string) int {
	if ch := s.ctl[c]; ch != nil {
		return ch.count
	}
	return 0
}

// each calls fn with every reference of control c, in ledger order.
func (s *refSpool) each(c string, fn func(*spooledRef) error) error {
	ch := s.ctl[c]
	if ch == nil {
		return nil
	}
	extra := ch.extra
	if !slices.IsSortedFunc(extra, byRefIndex) {
		slices.SortStableFunc(extra, byRefIndex)
	}
	emit := func(r *spooledRef) error {
		for len(extra) > 0 && extra[0].Index < r.Index {
			x := extra[0]
			x.Acceptance = s.accepted[x.ID]
			if err := fn(&x); err != nil {
				return err
			}
			extra = extra[1:]
		}
		r.Acceptance = s.accepted[r.ID]
		return fn(r)
	}
	for _, b := range ch.blocks {
		if cap(s.block) < b.n {
			s.block = make([]byte, b.n)
		}
		buf := s.block[:b.n]
		if _, err := s.f.ReadAt(buf, b.off); err != nil {
			return fmt.Errorf("pack index: %w", err)
		}
		if err := decodeRefs(buf, emit); err != nil {
			return err
		}
	}
	if err := decodeRefs(ch.tail, emit); err != nil {
		return err
	}
	for i := range extra {
		x := extra[i]
		x.Acceptance = s.accepted[x.ID]
		if err := fn(&x); err != nil {
			return err
		}
	}
	return nil
}

func byRefIndex(a, b spooledRef) int { return int(min(max(a.Index-b.Index, -1), 1)) }

// decodeRefs calls fn with each reference of a block.
func decodeRefs(b []byte, fn func(*spooledRef) error) error {
	for len(b) > 0 {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return errSpool
		}
		var r spooledRef
		if err := r.decode(b[k : k+int(n)]); err != nil {
			return err
		}
		if err := fn(&r); err != nil {
			return err
		}
		b = b[k+int(n):]
	}
	return nil
}

var errSpool = errors.New("pack index: the spooled references are damaged")

// appendRef encodes a reference: its index, its strings with their
// lengths, the received and effective instants (time.MarshalBinary,
// which keeps the zone offset the JSON shows) and the occurrence's parts.
func appendRef(b []byte, r EvidenceRef, eff time.Time, parts []byte) []byte {
	b = binary.AppendUvarint(b, uint64(r.Index))
	for _, s := range [...]string{r.ID, r.SHA256, r.Filename, r.Effective, r.Actor, r.Verdict} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, t := range [...]time.Time{r.Received, eff} {
		tb, _ := t.MarshalBinary() // fails only for a zone offset off whole minutes, which UTC and RFC 3339 never give
		b = append(b, byte(len(tb)))
		b = append(b, tb...)
	}
	b = binary.AppendUvarint(b, uint64(len(parts)))
	return append(b, parts...)
}

func (r *spooledRef) decode(b []byte) error {
	idx, k := binary.Uvarint(b)
	if k <= 0 {
		return errSpool
	}
	b = b[k:]
	r.Index = int64(idx)
	str := func() (string, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return "", false
		}
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return s, true
	}
	for _, p := range [...]*string{&r.ID, &r.SHA256, &r.Filename, &r.Effective, &r.Actor, &r.Verdict} {
		s, ok := str()
		if !ok {
			return errSpool
		}
		*p = s
	}
	for _, t := range [...]*time.Time{&r.Received, &r.occEffective} {
		if len(b) == 0 || len(b) < 1+int(b[0]) {
			return errSpool
		}
		if err := t.UnmarshalBinary(b[1 : 1+int(b[0])]); err != nil {
			return errSpool
		}
		b = b[1+int(b[0]):]
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) != n {
		return errSpool
	}
	if n > 0 {
		r.occ = b[k:]
	}
	r.Path = BlobPath(r.SHA256)
	return nil
}

// close removes the temporary file.
func (s *refSpool) close() {
	s.f.Close()
	os.Remove(s.f.Name())
}
