package pack

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// hashLeaf is the RFC 6962 leaf hash, SHA-256(0x00 || leaf).
func hashLeaf(leaf []byte) tlog.Hash { return tlog.RecordHash(leaf) }

// prover makes proofs against the final checkpoint from the stored tree.
// Proofs of neighbouring leaves share most of their hashes, so it keeps
// the hashes it has read, and prefetch loads a page's subtree in one
// query: one query per page of leaves instead of one per proof.
type prover struct {
	ctx   context.Context
	tx    *sqlstore.Tx
	final sqlstore.Checkpoint
	cache map[int64]tlog.Hash
}

// maxCache bounds the cache (32 bytes a hash): beyond it, start afresh.
const maxCache = 1 << 17

func (p *prover) reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		if p.cache == nil || len(p.cache) > maxCache {
			p.cache = map[int64]tlog.Hash{}
		}
		var missing []int64
		for _, x := range idx {
			if _, ok := p.cache[x]; !ok {
				missing = append(missing, x)
			}
		}
		if err := p.load(missing); err != nil {
			return nil, err
		}
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = p.cache[x]
		}
		return out, nil
	})
}

func (p *prover) load(idx []int64) error {
	if len(idx) == 0 {
		return nil
	}
	hs, err := p.tx.ReadHashes(p.ctx, idx)
	if err != nil {
		return err
	}
	for i, x := range idx {
		p.cache[x] = hs[i]
	}
	return nil
}

// prefetch loads every hash stored while leaves [a, b) were appended: the
// subtrees inside the page, which its proofs need.
func (p *prover) prefetch(a, b int64) error {
	if p.cache == nil || len(p.cache) > maxCache {
		p.cache = map[int64]tlog.Hash{}
	}
	lo, hi := tlog.StoredHashIndex(0, a), tlog.StoredHashIndex(0, b)
	idx := make([]int64, 0, hi-lo)
	for x := lo; x < hi; x++ {
		if _, ok := p.cache[x]; !ok {
			idx = append(idx, x)
		}
	}
	return p.load(idx)
}

// inclusion returns leaf i's proof in the c2sp.org/tlog-proof@v1 format.
func (p *prover) inclusion(i int64, leaf []byte) ([]byte, error) {
	hs, err := tlog.ProveRecord(p.final.Size, i, p.reader())
	if err != nil {
		return nil, fmt.Errorf("prove leaf %d in tree %d: %w", i, p.final.Size, err)
	}
	pf := ledger.Proof{Index: i, Leaf: leaf, Hashes: hs, Size: p.final.Size, Checkpoint: p.final.Note}
	return pf.Text(), nil
}

// consistencyHeader starts a consistency proof file.
const consistencyHeader = "evident consistency proof v1"

// consistency returns the proof that tree m is a prefix of tree n:
//
//	evident consistency proof v1
//	old <m>
//	new <n>
//	<base64 hash>        one per line, in tlog.ProveTree order
func (p *prover) consistency(m, n int64) ([]byte, error) {
	hs, err := tlog.ProveTree(n, m, p.reader())
	if err != nil {
		return nil, fmt.Errorf("prove tree %d extends tree %d: %w", n, m, err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nold %d\nnew %d\n", consistencyHeader, m, n)
	for _, h := range hs {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
	return b.Bytes(), nil
}

// parseConsistency reads what consistency writes.
func parseConsistency(b []byte) (m, n int64, proof tlog.TreeProof, err error) {
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) < 3 || lines[0] != consistencyHeader {
		return 0, 0, nil, evident.Errorf(evident.EINVALID, "want header %q", consistencyHeader)
	}
	num := func(line, key string) (int64, error) {
		v, ok := strings.CutPrefix(line, key+" ")
		x, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil || x < 0 {
			return 0, evident.Errorf(evident.EINVALID, "bad %q line %q", key, line)
		}
		return x, nil
	}
	if m, err = num(lines[1], "old"); err != nil {
		return
	}
	if n, err = num(lines[2], "new"); err != nil {
		return
	}
	for i, s := range lines[3:] {
		h, derr := base64.StdEncoding.DecodeString(s)
		if derr != nil || len(h) != tlog.HashSize {
			return 0, 0, nil, evident.Errorf(evident.EINVALID, "hash %d is not base64 of 32 bytes", i+1)
		}
		proof = append(proof, tlog.Hash(h))
	}
	return m, n, proof, nil
}
