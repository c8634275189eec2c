package pack

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Problem kinds of chaining and boundaries.
const (
	Rollback     = "rollback"      // the previous pack's tree is larger than this pack's
	Fork         = "fork"          // this pack's tree does not extend the previous pack's
	Unlinked     = "unlinked pack" // the pack carries no proof that it extends the previous one
	BoundaryLeaf = "boundary leaf" // a leaf just outside the period is missing or inside it
)

// PreviousPath is where the proof that the final tree extends the
// previous pack's final tree (size m) lives.
func PreviousPath(m, n int64) string {
	return fmt.Sprintf("checkpoints/previous/%d-%d", m, n)
}

// Head is a pack's final checkpoint as another pack links to it.
type Head struct {
	Pack   string
	Format string
	Size   int64
	Root   tlog.Hash
	// Key is the ledger key the earlier pack is signed with: two trees
	// are only comparable if they are one log's.
	Key string
}

func (h Head) String() string {
	return fmt.Sprintf("size %d, root %s", h.Size, base64.StdEncoding.EncodeToString(h.Root[:]))
}

// ReadHead verifies an earlier pack completely (with the same key rules
// as the pack it is compared with) and returns its final checkpoint. A
// pack that does not verify is no ground to judge another by: its
// problems are returned as an error.
func ReadHead(ctx context.Context, r io.ReaderAt, size int64, opt VerifyOptions) (Head, *Report, error) {
	opt.Previous = nil
	opt.Progress = nil
	rep, err := Verify(ctx, r, size, opt)
	if err != nil {
		return Head{}, rep, err
	}
	if !rep.OK {
		var ps []string
		for _, p := range rep.Problems {
			ps = append(ps, p.String())
		}
		return Head{}, rep, evident.Errorf(evident.EFAILED, "the previous pack does not verify (%d problems): %s", len(ps), strings.Join(ps, "; "))
	}
	root, err := base64.StdEncoding.DecodeString(rep.FinalRoot)
	if err != nil || len(root) != tlog.HashSize {
		return Head{}, rep, evident.Errorf(evident.EFAILED, "the previous pack's final root %q is not a SHA-256", rep.FinalRoot)
	}
	return Head{Pack: rep.Pack, Format: rep.Format, Size: rep.FinalSize, Root: tlog.Hash(root), Key: rep.Key}, rep, nil
}

// previous links the pack being exported to an earlier one: the store's
// tree at the earlier size must have the earlier root, and the proof from
// there to the final checkpoint goes into the pack. A store behind or
// beside the earlier pack (restored from an old copy, or rewritten) is
// refused: such a pack would only fail its assessor's check.
func (e *exporter) previous(pr *prover) error {
	h := *e.opt.Previous
	final := pr.final
	prev := &Previous{Pack: h.Pack, Format: h.Format, Size: h.Size, Root: base64.StdEncoding.EncodeToString(h.Root[:])}
	if h.Size > final.Size {
		return evident.ErrorAt(evident.EFAILED, "--previous", "the previous pack's tree (%s) is larger than the ledger's (size %d): the ledger was rolled back", h, final.Size)
	}
	if h.Size > 0 {
		root, err := tlog.TreeHash(h.Size, pr.reader())
		if err != nil {
			return err
		}
		if root != h.Root {
			return evident.ErrorAt(evident.EFAILED, "--previous", "the ledger's tree at size %d has root %s, the previous pack's has %s: the ledger forked",
				h.Size, base64.StdEncoding.EncodeToString(root[:]), base64.StdEncoding.EncodeToString(h.Root[:]))
		}
	}
	if h.Size > 0 && h.Size < final.Size {
		b, err := pr.consistency(h.Size, final.Size)
		if err != nil {
			return err
		}
		prev.Path = PreviousPath(h.Size, final.Size)
		if err := e.writeFile(prev.Path, b); err != nil {
			return err
		}
	}
	e.man.Previous = prev
	return nil
}

// boundaries adds the leaves just outside the period's range: first-1 and
// end, when the final tree holds them.
func (e *exporter) boundaries(ctx context.Context, tx *sqlstore.Tx, pr *prover) error {
	first, end := e.man.Records.First, e.man.Records.End
	var want []struct {
		side string
		i    int64
	}
	if first > 0 {
		want = append(want, struct {
			side string
			i    int64
		}{BoundaryBefore, first - 1})
	}
	if end < pr.final.Size {
		want = append(want, struct {
			side string
			i    int64
		}{BoundaryAfter, end})
	}
	for _, w := range want {
		leaves, err := tx.LedgerLeaves(ctx, w.i, w.i+1)
		if err != nil {
			return err
		}
		if len(leaves) != 1 {
			return evident.Errorf(evident.EFAILED, "ledger leaf %d is missing from the store; run `evident verify`", w.i)
		}
		lf := leaves[0]
		rec, err := evident.ParseRecord(lf.Data)
		if err != nil {
			return evident.Errorf(evident.EFAILED, "ledger leaf %d: %v; run `evident verify`", lf.Index, err)
		}
		h := hashLeaf(lf.Data)
		e.man.Boundary = append(e.man.Boundary, Boundary{Side: w.side, Index: lf.Index, LeafHash: hex.EncodeToString(h[:]), Received: rec.At})
		if e.has(lf.Index) {
			continue // an item already: its leaf and proof are in the pack
		}
		e.seen[lf.Index] = true
		if err := e.writeFile(LeafPath(lf.Index), lf.Data); err != nil {
			return err
		}
		p, err := pr.inclusion(lf.Index, lf.Data)
		if err != nil {
			return err
		}
		if err := e.writeFile(ProofPath(lf.Index), p); err != nil {
			return err
		}
	}
	return nil
}

// boundaries checks the boundary leaves of a v2 pack: each is there, in
// the final tree, at the index next to the period's range, and received
// on the right side of the period's edge.
func (v *verifier) boundaries() {
	m := v.man
	if v.final.Size == 0 {
		return
	}
	want := map[string]int64{}
	if m.Records.First > 0 {
		want[BoundaryBefore] = m.Records.First - 1
	}
	if m.Records.End < v.final.Size {
		want[BoundaryAfter] = m.Records.End
	}
	got := map[string]bool{}
	for _, b := range m.Boundary {
		idx, ok := want[b.Side]
		if !ok || got[b.Side] {
			v.add(BoundaryLeaf, ManifestName, "lists a %q boundary leaf %d the period's range [%d, %d) in a tree of %d does not have", b.Side, b.Index, m.Records.First, m.Records.End, v.final.Size)
			continue
		}
		got[b.Side] = true
		if b.Index != idx {
			v.add(BoundaryLeaf, ManifestName, "the %s boundary leaf is %d, but the period's range [%d, %d) puts it at %d", b.Side, b.Index, m.Records.First, m.Records.End, idx)
			continue
		}
		leaf := v.read(LeafPath(b.Index), v.opt.Limits.MaxSmall)
		if leaf == nil {
			continue
		}
		h := tlog.RecordHash(leaf)
		if hex.EncodeToString(h[:]) != b.LeafHash {
			v.add(ChangedLeaf, LeafPath(b.Index), "hashes to %x, the manifest's boundary says %s", h, b.LeafHash)
			continue
		}
		v.inclusion(Item{Index: b.Index}, leaf, h)
		rec, err := evident.ParseRecord(leaf)
		if err != nil {
			v.add(ChangedLeaf, LeafPath(b.Index), "%s", evident.ErrorMessage(err))
			continue
		}
		switch {
		case !rec.At.Equal(b.Received):
			v.add(BoundaryLeaf, LeafPath(b.Index), "was received %s, the manifest says %s", evident.UTC(rec.At), evident.UTC(b.Received))
		case !rec.At.Before(m.Period.From) && rec.At.Before(m.Period.To):
			v.add(BoundaryLeaf, LeafPath(b.Index), "leaf %d, just %s the period's range, was received %s, inside the period (%s to %s): the range leaves it out",
				b.Index, b.Side, evident.UTC(rec.At), evident.UTC(m.Period.From), evident.UTC(m.Period.To))
		}
	}
	for _, side := range []string{BoundaryBefore, BoundaryAfter} {
		if idx, ok := want[side]; ok && !got[side] {
			v.add(BoundaryLeaf, LeafPath(idx), "the %s boundary leaf %d is not in the pack: nothing shows the period's range [%d, %d) is complete at that edge",
				side, idx, m.Records.First, m.Records.End)
		}
	}
}

// chain checks the pack's link to an earlier pack: the proof it carries
// (always, against the manifest's own claim), and, with --previous, that
// the earlier pack's final tree is a prefix of this pack's final tree.
func (v *verifier) chain() {
	m := v.man
	if v.final.Size == 0 {
		return
	}
	finalRoot := v.final.Root
	fin := Head{Size: v.final.Size, Root: finalRoot}
	var claimed *Head
	if p := m.Previous; p != nil {
		root, err := base64.StdEncoding.DecodeString(p.Root)
		if err != nil || len(root) != tlog.HashSize {
			v.add(EditedManifest, ManifestName, "previous.root %q is not a base64 SHA-256", p.Root)
		} else {
			h := Head{Pack: p.Pack, Format: p.Format, Size: p.Size, Root: tlog.Hash(root)}
			if v.extends(h, fin, p.Path) {
				claimed = &h
			}
		}
	}
	want := v.opt.Previous
	if want == nil {
		return
	}
	if want.Key != "" && want.Key != v.r.Key && (v.keys == nil || !v.keys.Has(want.Key)) {
		v.add(UntrustedKey, KeyName, "the pack is signed with %s, the previous pack %s with %s: they are not one ledger's", v.r.Key, want.Pack, want.Key)
		return
	}
	switch {
	case want.Size > fin.Size:
		v.add(Rollback, ManifestName, "the previous pack %s has a tree of %s; this pack's final tree is smaller (%s): the log was rolled back", want.Pack, want, fin)
	case want.Size == fin.Size && want.Root != fin.Root:
		v.add(Fork, ManifestName, "the previous pack %s has a tree of %s; this pack's final tree has the same size with %s: the log forked", want.Pack, want, fin)
	case want.Size == fin.Size, want.Size == 0:
		// The same tree, or an empty one, which every tree extends.
	case claimed == nil || claimed.Size != want.Size:
		v.add(Unlinked, ManifestName, "the pack carries no proof from the previous pack %s (%s) to its final tree (%s); export it with --previous", want.Pack, want, fin)
	case claimed.Root != want.Root:
		v.add(Fork, ManifestName, "the previous pack %s has a tree of %s; this pack's log had %s at that size: the log forked (this pack's final tree: %s)",
			want.Pack, want, claimed, fin)
	}
}

// extends checks the consistency proof at path from tree old to tree
// final, with tlog and, independently, transparency-dev/merkle.
func (v *verifier) extends(old, final Head, path string) bool {
	if old.Size > final.Size {
		v.add(EditedManifest, ManifestName, "previous tree (%s) cannot be a prefix of the final tree (%s)", old, final)
		return false
	}
	if old.Size == 0 {
		// The empty tree is a prefix of every tree: nothing to prove.
		if path != "" {
			v.add(EditedManifest, ManifestName, "previous.path %q for an empty previous tree", path)
			return false
		}
		return true
	}
	if old.Size == final.Size {
		if path != "" || old.Root != final.Root {
			v.add(Fork, ManifestName, "previous tree (%s) and final tree (%s) differ at one size", old, final)
			return false
		}
		return true
	}
	if path != PreviousPath(old.Size, final.Size) {
		v.add(EditedManifest, ManifestName, "previous.path is %q, not %q", path, PreviousPath(old.Size, final.Size))
		return false
	}
	raw := v.read(path, v.opt.Limits.MaxSmall)
	if raw == nil {
		return false
	}
	m, n, p, err := parseConsistency(raw)
	if err != nil || m != old.Size || n != final.Size {
		v.add(Fork, path, "not a consistency proof from %d to %d: %v", old.Size, final.Size, err)
		return false
	}
	err = tlog.CheckTree(p, n, final.Root, m, old.Root)
	if err == nil {
		err = proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(m), uint64(n), hashBytes(p), old.Root[:], final.Root[:])
	}
	if err != nil {
		v.add(Fork, path, "the final tree (%s) does not extend the previous tree (%s): %v", final, old, err)
		return false
	}
	return true
}
