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
// with its verdict. Its bytes are json.Marshal's; writeDerived writes
// them without holding them.
type derivedBlob struct {
	Result    *importer.Result `json:"result"`
	Verdict   importer.Verdict `json:"verdict"`
	Defaulted bool             `json:"defaulted"`
	Target    string           `json:"target"`
}

// writeDerived writes json.Marshal(d) to w, a finding at a time, so a
// scan with tens of thousands of findings never has its JSON (or that of
// the findings its verdict lists again) in memory at once. The frame
// around the findings is marshalled as usual, each list of findings
// replaced by one sentinel finding whose key is a random nonce; each
// sentinel is then written out as the findings it stands for. It returns
// the result's findings as json.Marshal(d.Result.Findings) would, the
// import run's copy of them, built from the same bytes.
func writeDerived(w io.Writer, d derivedBlob) ([]byte, error) {
	var nonce [16]byte
	rand.Read(nonce[:])
	mark := hex.EncodeToString(nonce[:])
	res := *d.Result
	lists := [][]importer.Finding{}
	sentinel := func(fs []importer.Finding) []importer.Finding {
		if len(fs) == 0 {
			return fs // marshalled as it is: null, [] or omitted
		}
		lists = append(lists, fs)
		return []importer.Finding{{Key: fmt.Sprintf("%s/%d", mark, len(lists)-1)}}
	}
	res.Findings = sentinel(d.Result.Findings)
	resultListed := len(lists) == 1
	v := d.Verdict
	v.Failed = append([]importer.FailedCriterion(nil), d.Verdict.Failed...)
	for i := range v.Failed {
		v.Failed[i].Findings = sentinel(v.Failed[i].Findings)
	}
	frame, err := json.Marshal(derivedBlob{&res, v, d.Defaulted, d.Target})
	if err != nil {
		return nil, err
	}
	var all []byte // the result's findings, written below when it has any
	if !resultListed {
		if all, err = json.Marshal(d.Result.Findings); err != nil { // null or []
			return nil, err
		}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf []byte
	for i, fs := range lists {
		s := fmt.Appendf(nil, `{"key":"%s/%d","severity":""}`, mark, i)
		at := bytes.Index(frame, s)
		if at < 0 {
			return nil, fmt.Errorf("derived blob: findings list %d not found in its frame", i)
		}
		bw.Write(frame[:at])
		frame = frame[at+len(s):]
		if i == 0 && resultListed {
			all = findingsJSON(d.Result.Findings)
			bw.Write(all[1 : len(all)-1])
			continue
		}
		for j := range fs {
			if j > 0 {
				bw.WriteByte(',')
			}
			buf = fs[j].AppendJSON(buf[:0])
			bw.Write(buf)
		}
	}
	bw.Write(frame)
	return all, bw.Flush()
}

// findingsJSON is json.Marshal(fs) for a non-empty list, in a buffer
// sized for it up front.
func findingsJSON(fs []importer.Finding) []byte {
	n := 2 + len(fs) - 1
	for i := range fs {
		n += fs[i].JSONSize()
	}
	out := make([]byte, 0, n)
	out = append(out, '[')
	for i := range fs {
		if i > 0 {
			out = append(out, ',')
		}
		out = fs[i].AppendJSON(out)
	}
	return append(out, ']')
}
