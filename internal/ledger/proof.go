package ledger

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Proof is an inclusion proof of one leaf against a signed checkpoint:
// everything needed to check, offline and with the public key alone, that
// the leaf is in the log the checkpoint commits to.
type Proof struct {
	Index      int64
	Leaf       []byte      // the exact leaf bytes
	Hashes     []tlog.Hash // the audit path, leaf sibling first
	Size       int64       // the checkpoint's tree size
	Checkpoint []byte      // the signed checkpoint, verbatim
}

// Proof returns the inclusion proof of leaf index against the latest
// checkpoint. A leaf appended after it is ECONFLICT until the next one is
// signed (every batch signs one, so this is rare).
func (l *Ledger) Proof(ctx context.Context, index int64) (Proof, error) {
	var p Proof
	err := l.st.Read(ctx, func(tx *sqlstore.Tx) error {
		c, err := tx.LatestCheckpoint(ctx)
		if err != nil {
			return err
		}
		if index < 0 || index >= c.Size {
			n, _ := tx.LedgerSize(ctx)
			if index >= 0 && index < n {
				return evident.Errorf(evident.ECONFLICT, "leaf %d is not yet covered by a signed checkpoint (latest covers %d); run `evident checkpoint`", index, c.Size)
			}
			return evident.Errorf(evident.ENOTFOUND, "no ledger leaf %d (the ledger holds %d)", index, n)
		}
		leaves, err := tx.LedgerLeaves(ctx, index, index+1)
		if err != nil {
			return err
		}
		if len(leaves) != 1 {
			return evident.Errorf(evident.EFAILED, "ledger leaf %d is missing from the store", index)
		}
		rp, err := tlog.ProveRecord(c.Size, index, hashReader(ctx, tx))
		if err != nil {
			return fmt.Errorf("prove leaf %d in tree %d: %w", index, c.Size, err)
		}
		p = Proof{Index: index, Leaf: leaves[0].Data, Hashes: rp, Size: c.Size, Checkpoint: c.Note}
		return nil
	})
	return p, err
}

// ConsistencyProof proves that the tree of size m is a prefix of the tree
// of size n (m <= n <= the ledger's size).
func (l *Ledger) ConsistencyProof(ctx context.Context, m, n int64) (tlog.TreeProof, error) {
	var p tlog.TreeProof
	err := l.st.Read(ctx, func(tx *sqlstore.Tx) error {
		size, err := tx.LedgerSize(ctx)
		if err != nil {
			return err
		}
		if m < 1 || m > n || n > size {
			return evident.Errorf(evident.EINVALID, "consistency proof %d -> %d: want 1 <= m <= n <= %d", m, n, size)
		}
		p, err = tlog.ProveTree(n, m, hashReader(ctx, tx))
		return err
	})
	return p, err
}

// Check verifies the proof with the ledger's public key: the checkpoint
// signature, then the audit path from the leaf to the checkpoint's root.
func (p Proof) Check(v note.Verifier) error {
	c, err := OpenCheckpoint(p.Checkpoint, v)
	if err != nil {
		return err
	}
	if c.Size != p.Size {
		return evident.Errorf(evident.EFAILED, "proof is for tree size %d but its checkpoint is for %d", p.Size, c.Size)
	}
	if err := tlog.CheckRecord(p.Hashes, c.Size, c.Root, p.Index, tlog.RecordHash(p.Leaf)); err != nil {
		return evident.Errorf(evident.EFAILED, "leaf %d is not in the tree of checkpoint %d: %v", p.Index, c.Size, err)
	}
	return nil
}

// Text returns the proof in the c2sp.org/tlog-proof@v1 format: a header,
// the index, the audit path in base64, a blank line and the checkpoint. The
// leaf itself travels beside it (packs keep it as ledger/leaves/<index>).
func (p Proof) Text() []byte {
	var b bytes.Buffer
	b.WriteString("c2sp.org/tlog-proof@v1\n")
	fmt.Fprintf(&b, "index %d\n", p.Index)
	for _, h := range p.Hashes {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
	b.WriteString("\n")
	b.Write(p.Checkpoint)
	return b.Bytes()
}

// ParseProof reads what Text writes; leaf is the leaf's bytes, which the
// format carries separately.
func ParseProof(text, leaf []byte) (Proof, error) {
	head, cp, ok := bytes.Cut(text, []byte("\n\n"))
	if !ok {
		return Proof{}, evident.Errorf(evident.EINVALID, "tlog proof: no blank line before the checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	if len(lines) < 2 || lines[0] != "c2sp.org/tlog-proof@v1" {
		return Proof{}, evident.Errorf(evident.EINVALID, "tlog proof: want header c2sp.org/tlog-proof@v1")
	}
	rest := lines[1:]
	if strings.HasPrefix(rest[0], "extra ") {
		rest = rest[1:]
	}
	idx, ok := strings.CutPrefix(rest[0], "index ")
	n, err := strconv.ParseInt(idx, 10, 64)
	if !ok || err != nil {
		return Proof{}, evident.Errorf(evident.EINVALID, "tlog proof: bad index line %q", rest[0])
	}
	p := Proof{Index: n, Leaf: leaf, Checkpoint: cp}
	for i, s := range rest[1:] {
		h, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(h) != tlog.HashSize {
			return Proof{}, evident.Errorf(evident.EINVALID, "tlog proof: hash %d is not base64 of 32 bytes", i+1)
		}
		p.Hashes = append(p.Hashes, tlog.Hash(h))
	}
	body, err := ParseCheckpointBody(noteText(cp))
	if err != nil {
		return Proof{}, err
	}
	p.Size = body.Size
	return p, nil
}

// noteText returns the text of a signed note without its signatures.
func noteText(signed []byte) string {
	text, _, _ := bytes.Cut(signed, []byte("\n\n"))
	return string(text) + "\n"
}

// CheckProof checks p with the ledger's own public key.
func (l *Ledger) CheckProof(p Proof) error {
	if l.verifier == nil {
		return evident.Errorf(evident.EINVALID, "the ledger has no public key to check proofs with")
	}
	return p.Check(l.verifier)
}
