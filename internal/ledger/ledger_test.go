package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// fixture is a ledger over a fresh store with the catalog loaded and a
// fresh key pair, plus the public key text an assessor would hold.
type fixture struct {
	l     *Ledger
	st    *sqlstore.Store
	blobs *blob.Disk
	vkey  string
}

var req714 = evident.RequirementRef{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.8-14"}

func newFixture(t testing.TB, st *sqlstore.Store) fixture {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := cat.Requirements("3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SyncCatalog(ctx, reqs); err != nil {
		t.Fatal(err)
	}
	var objs []programObject
	for _, id := range []string{"vuln-scan", "time-sync"} {
		objs = append(objs, programObject{sqlstore.Controls, id, evident.Control{ID: id, Title: id, Requirements: []evident.RequirementRef{req714}}})
	}
	putObjects(t, st, objs...)
	skey, vkey, err := note.GenerateKey(nil, "evident.ledger/test")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	blobs, err := blob.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return fixture{l: Open(st, blobs, signer, verifier), st: st, blobs: blobs, vkey: vkey}
}

// programObject is one object of a program section.
type programObject struct {
	sec sqlstore.Section
	id  string
	v   any
}

// putObjects stores program objects with the program.apply leaf that
// records them, as apply writes both.
func putObjects(t testing.TB, st *sqlstore.Store, objs ...programObject) {
	t.Helper()
	ctx := context.Background()
	type step struct {
		Op      string `json:"op"`
		Section string `json:"section"`
		ID      string `json:"id"`
		Object  any    `json:"object"`
	}
	var steps []step
	err := st.Write(ctx, func(tx *sqlstore.Tx) error {
		for _, o := range objs {
			var err error
			if a, ok := o.v.(evident.Applicability); ok {
				err = tx.PutApplicability(ctx, a, "test")
			} else {
				err = tx.PutObject(ctx, o.sec, o.id, o.v, "test")
			}
			if err != nil {
				return err
			}
			steps = append(steps, step{"add", string(o.sec), o.id, o.v})
		}
		_, err := tx.Audit(ctx, "program.apply", "program", "test", struct {
			Steps []step `json:"steps"`
		}{steps})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func input(name string) EvidenceInput {
	return EvidenceInput{Actor: "alice@ops", Filename: name, Controls: []string{"vuln-scan"}, Requirements: []evident.RequirementRef{req714}}
}

func items(n int, prefix string) []Item {
	var out []Item
	for i := 0; i < n; i++ {
		body := fmt.Sprintf("%s file %d\n", prefix, i)
		out = append(out, Item{Input: input(fmt.Sprintf("%s-%d.txt", prefix, i)),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }})
	}
	return out
}

func clock() func() time.Time {
	t := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Second); return t }
}

func TestAddEvidenceStoresBlobRecordAndCheckpoint(t *testing.T) {
	storetest.Each(t, clock(), func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		content := "nmap scan output\n"
		e, err := f.l.AddEvidence(ctx, input("scan.txt"), strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := e.Digest, evident.Digest(sha256.Sum256([]byte(content))); got != want {
			t.Errorf("digest = %s, want %s", got, want)
		}
		if e.Size != int64(len(content)) || e.MediaType != "text/plain; charset=utf-8" || e.Kind != evident.RawEvidence {
			t.Errorf("size %d, media type %q, kind %q", e.Size, e.MediaType, e.Kind)
		}
		// Leaf 0 records the fixture's controls, so the record is leaf 1.
		if e.LedgerIndex != 1 || e.ReceivedAt.IsZero() || e.Effective.From != e.ReceivedAt {
			t.Errorf("index %d, received %v, effective %v", e.LedgerIndex, e.ReceivedAt, e.Effective)
		}
		rc, err := f.blobs.Open(ctx, e.Digest)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != content {
			t.Errorf("blob = %q", b)
		}
		got, err := st.Evidence(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(mustJSON(t, got), mustJSON(t, e)) {
			t.Errorf("stored record differs:\n got %s\nwant %s", mustJSON(t, got), mustJSON(t, e))
		}
		cp, err := f.l.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := note.NewVerifier(f.vkey)
		c, err := OpenCheckpoint(cp, v)
		if err != nil {
			t.Fatal(err)
		}
		if c.Size != 2 || c.Origin != "evident.ledger/test" {
			t.Errorf("checkpoint %+v", c)
		}
	})
}

// TestProofVerifiesIndependently checks every inclusion and consistency
// proof the ledger produces with transparency-dev/merkle and the public key
// alone, as an assessor without Evident would.
func TestProofVerifiesIndependently(t *testing.T) {
	storetest.Each(t, clock(), func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		var sizes []int64
		var roots [][]byte
		v, _ := note.NewVerifier(f.vkey)
		for _, n := range []int{1, 2, 5, 9} {
			if _, err := f.l.AddBatch(ctx, items(n, fmt.Sprintf("batch%d", n))); err != nil {
				t.Fatal(err)
			}
			cp, _ := f.l.Checkpoint(ctx)
			c, err := OpenCheckpoint(cp, v)
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, c.Size)
			roots = append(roots, c.Root[:])
		}
		if sizes[len(sizes)-1] != 18 {
			t.Fatalf("sizes %v, want to end at 18", sizes)
		}
		for i := int64(0); i < 18; i++ {
			p, err := f.l.Proof(ctx, i)
			if err != nil {
				t.Fatal(err)
			}
			c, err := OpenCheckpoint(p.Checkpoint, v)
			if err != nil {
				t.Fatal(err)
			}
			var hashes [][]byte
			for _, h := range p.Hashes {
				hashes = append(hashes, h[:])
			}
			leaf := rfc6962.DefaultHasher.HashLeaf(p.Leaf)
			if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(i), uint64(c.Size), leaf, hashes, c.Root[:]); err != nil {
				t.Errorf("leaf %d: transparency-dev/merkle rejects the inclusion proof: %v", i, err)
			}
			leaf[0] ^= 1
			if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(i), uint64(c.Size), leaf, hashes, c.Root[:]); err == nil {
				t.Errorf("leaf %d: a changed leaf hash still verifies", i)
			}
		}
		for i := 1; i < len(sizes); i++ {
			p, err := f.l.ConsistencyProof(ctx, sizes[i-1], sizes[i])
			if err != nil {
				t.Fatal(err)
			}
			var hashes [][]byte
			for _, h := range p {
				hashes = append(hashes, h[:])
			}
			if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(sizes[i-1]), uint64(sizes[i]), hashes, roots[i-1], roots[i]); err != nil {
				t.Errorf("consistency %d -> %d: %v", sizes[i-1], sizes[i], err)
			}
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
