package witness

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident"
)

// maxProof is the most consistency proof lines the protocol allows; a proof
// between two 64-bit sizes needs fewer.
const maxProof = 63

// maxBody bounds an add-checkpoint body: a checkpoint with a few
// signatures and a full proof is a few KiB.
const maxBody = 64 << 10

// Request is an add-checkpoint request: the size the submitter believes
// the witness last cosigned, the proof that the checkpoint extends it, and
// the signed checkpoint verbatim.
type Request struct {
	OldSize    int64
	Proof      tlog.TreeProof
	Checkpoint []byte
}

// Marshal writes the request body in the tlog-witness format.
func (r Request) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString("old " + strconv.FormatInt(r.OldSize, 10) + "\n")
	for _, h := range r.Proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
	b.WriteString("\n")
	b.Write(r.Checkpoint)
	return b.Bytes()
}

// ParseRequest reads an add-checkpoint body. Errors are EINVALID and say
// which line is wrong.
func ParseRequest(body []byte) (Request, error) {
	if len(body) > maxBody {
		return Request{}, evident.Errorf(evident.EINVALID, "add-checkpoint body is %d bytes, over %d", len(body), maxBody)
	}
	head, cp, ok := bytes.Cut(body, []byte("\n\n"))
	if !ok {
		return Request{}, evident.Errorf(evident.EINVALID, "add-checkpoint body: no blank line before the checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	old, ok := strings.CutPrefix(lines[0], "old ")
	n, err := strconv.ParseInt(old, 10, 64)
	if !ok || err != nil || n < 0 || strconv.FormatInt(n, 10) != old {
		return Request{}, evident.Errorf(evident.EINVALID, "add-checkpoint line 1: want \"old SIZE\", got %q", lines[0])
	}
	if len(lines)-1 > maxProof {
		return Request{}, evident.Errorf(evident.EINVALID, "add-checkpoint: %d proof lines, at most %d", len(lines)-1, maxProof)
	}
	r := Request{OldSize: n, Checkpoint: cp}
	for i, s := range lines[1:] {
		// The decoder skips carriage returns and newlines wherever they
		// are, so a line is first held to a hash's exact length: else
		// "HASH\r" would be read as HASH, and the request the witness
		// signs for would not be the bytes it was sent.
		h, err := base64.StdEncoding.Strict().DecodeString(s)
		if len(s) != base64.StdEncoding.EncodedLen(tlog.HashSize) || err != nil || len(h) != tlog.HashSize {
			return Request{}, evident.Errorf(evident.EINVALID, "add-checkpoint line %d: not the base64 of a 32-byte hash", i+2)
		}
		r.Proof = append(r.Proof, tlog.Hash(h))
	}
	if len(cp) == 0 {
		return Request{}, evident.Errorf(evident.EINVALID, "add-checkpoint body: no checkpoint after the blank line")
	}
	return r, nil
}

// parseSize reads a 409 body: a decimal size and a newline.
func parseSize(b []byte) (int64, error) {
	s := strings.TrimSuffix(string(b), "\n")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, evident.Errorf(evident.EINVALID, "witness conflict answer %q is not a tree size", s)
	}
	return n, nil
}
