package ingest

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	"github.com/evidenthq/evident/internal/importer"
)

// derivedBlob is the content of a derived record's blob: the full result
// with its verdict. Its bytes are json.Marshal's; encodeDerived writes
// them without holding them.
type derivedBlob struct {
	Result    *importer.Result `json:"result"`
	Verdict   importer.Verdict `json:"verdict"`
	Defaulted bool             `json:"defaulted"`
	Target    string           `json:"target"`
}

// encodeDerived writes json.Marshal(d) to w, a finding at a time, so a
// scan with tens of thousands of findings never has its JSON (or that of
// the findings its verdict lists again) in memory at once. The frame
// around the findings is marshalled as usual, each list of findings
// replaced by one sentinel finding whose key is a random nonce; each
// sentinel is then written out as the findings it stands for.
func encodeDerived(w io.Writer, d derivedBlob) error {
	var nonce [16]byte
	rand.Read(nonce[:])
	mark := hex.EncodeToString(nonce[:])
	res := *d.Result
	// lists[i] stands for the findings sentinel i replaces: how many,
	// and the one at each index.
	type list struct {
		n  int
		at func(int) *importer.Finding
	}
	lists := []list{}
	sentinel := func(n int, at func(int) *importer.Finding) importer.Finding {
		lists = append(lists, list{n, at})
		return importer.Finding{Key: fmt.Sprintf("%s/%d", mark, len(lists)-1)}
	}
	// An empty list is marshalled as it is: null, [] or omitted.
	if fs := d.Result.Findings; len(fs) > 0 {
		res.Findings = []importer.Finding{sentinel(len(fs), func(j int) *importer.Finding { return &fs[j] })}
	}
	v := d.Verdict
	v.Failed = append([]importer.FailedCriterion(nil), d.Verdict.Failed...)
	for i := range v.Failed {
		if fs := v.Failed[i].Findings; len(fs) > 0 {
			s := sentinel(len(fs), func(j int) *importer.Finding { return fs[j] })
			v.Failed[i].Findings = []*importer.Finding{&s}
		}
	}
	frame, err := json.Marshal(derivedBlob{&res, v, d.Defaulted, d.Target})
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf []byte
	for i, l := range lists {
		s := fmt.Appendf(nil, `{"key":"%s/%d","severity":""}`, mark, i)
		at := bytes.Index(frame, s)
		if at < 0 {
			return fmt.Errorf("derived blob: findings list %d not found in its frame", i)
		}
		bw.Write(frame[:at])
		frame = frame[at+len(s):]
		for j := range l.n {
			if j > 0 {
				bw.WriteByte(',')
			}
			if f := l.at(j); f != nil {
				buf = f.AppendJSON(buf[:0])
			} else {
				buf = append(buf[:0], "null"...)
			}
			bw.Write(buf)
		}
	}
	bw.Write(frame)
	return bw.Flush()
}

// findingsReader reads json.Marshal(fs), the import run's findings,
// encoding a few findings at a time as it is read: the run stores them a
// part at a time, and a scan's are tens of megabytes. They are encoded
// from the result when the run is stored rather than kept from when the
// derived blob was written (in Check, maybe a batch of files earlier):
// encoding again takes less than holding them, and less CPU than the
// JSON check a stored list would otherwise need.
type findingsReader struct {
	fs   []importer.Finding
	next int    // the finding to encode next
	buf  []byte // encoded and not yet read: buf[off:]
	off  int
	end  bool // the list's last byte is in buf
}

func newFindingsReader(fs []importer.Finding) *findingsReader {
	r := &findingsReader{fs: fs, buf: []byte("[")}
	switch {
	case fs == nil:
		r.buf, r.end = []byte("null"), true
	case len(fs) == 0:
		r.buf, r.end = []byte("[]"), true
	}
	return r
}

func (r *findingsReader) Read(p []byte) (int, error) {
	if r.off == len(r.buf) {
		if r.end {
			return 0, io.EOF
		}
		r.fill()
	}
	n := copy(p, r.buf[r.off:])
	r.off += n
	return n, nil
}

// fill encodes the next findings, about 32 KiB of them, into buf.
func (r *findingsReader) fill() {
	r.buf, r.off = r.buf[:0], 0
	for ; r.next < len(r.fs) && len(r.buf) < 32<<10; r.next++ {
		if r.next > 0 {
			r.buf = append(r.buf, ',')
		}
		r.buf = r.fs[r.next].AppendJSON(r.buf)
	}
	if r.next == len(r.fs) {
		r.buf, r.end = append(r.buf, ']'), true
	}
}
