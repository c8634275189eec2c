package ledger

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/blob/s3test"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// s3Fixture is newFixture with its blobs in a bucket on a real
// S3-compatible server.
func s3Fixture(t *testing.T, st *sqlstore.Store, srv *s3test.Server, prefix string) *Ledger {
	t.Helper()
	newFixture(t, st) // the catalog and the controls
	skey, vkey, err := note.GenerateKey(nil, "evident.ledger/test")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	return Open(st, srv.Store(t, prefix), signer, verifier)
}

// storedFiles lists the evidence records in the store, by file name.
func storedFiles(t *testing.T, st *sqlstore.Store) map[string]evident.Evidence {
	t.Helper()
	evs, err := st.ListEvidence(context.Background(), sqlstore.EvidenceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]evident.Evidence{}
	for _, e := range evs {
		out[e.Filename] = e
	}
	return out
}

// TestAddBatchesToS3 stores three batches in a bucket: every record comes
// back in order, acknowledged batch by batch, and each batch's objects
// are complete at their addresses by the time its records are.
func TestAddBatchesToS3(t *testing.T) {
	srv := s3test.Start(t)
	storetest.Each(t, clock(), func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		prefix := strings.ReplaceAll(t.Name(), "/", "-")
		l := s3Fixture(t, st, srv, prefix)
		batches := [][]Item{items(40, "one"), items(40, "two"), items(7, "three")}
		var acked [][]evident.Evidence
		err := l.AddBatches(ctx, batches, func(evs []evident.Evidence) error {
			for _, e := range evs {
				// The records are durable now: their objects must be
				// there already, whole.
				p := filepath.Join(srv.Dir, s3test.Bucket, prefix, "sha256", e.Digest.String())
				if fi, err := os.Stat(p); err != nil || fi.Size() != e.Size {
					t.Errorf("%s acknowledged while its object is not complete: %v", e.Filename, err)
				}
			}
			acked = append(acked, evs)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(acked) != 3 || len(acked[0]) != 40 || len(acked[1]) != 40 || len(acked[2]) != 7 {
			t.Fatalf("acknowledged %d batches, want 3 of 40, 40 and 7", len(acked))
		}
		next := acked[0][0].LedgerIndex
		for _, evs := range acked {
			for _, e := range evs {
				if e.LedgerIndex != next {
					t.Fatalf("%s at leaf %d, want %d: batches out of order", e.Filename, e.LedgerIndex, next)
				}
				next++
			}
		}
		if got := len(storedFiles(t, st)); got != 87 {
			t.Errorf("%d records stored, want 87", got)
		}
	})
}

// TestAddBatchesFailedUploadKeepsEarlierBatches takes the S3 server down
// while the second batch's files are read, after the first batch's
// objects are stored: the first batch is committed and acknowledged, the
// second gets no record at all, and the error names its files in a few
// lines.
func TestAddBatchesFailedUploadKeepsEarlierBatches(t *testing.T) {
	storetest.Each(t, clock(), func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		srv := s3test.Start(t)
		l := s3Fixture(t, st, srv, "tsp")
		second := items(8, "two")
		open := second[0].Open
		second[0].Open = func() (io.ReadCloser, error) {
			srv.Stop()
			return open()
		}
		batches := [][]Item{items(5, "one"), second, items(2, "three")}
		var acked []string
		err := l.AddBatches(ctx, batches, func(evs []evident.Evidence) error {
			for _, e := range evs {
				acked = append(acked, e.Filename)
			}
			return nil
		})
		if err == nil {
			t.Fatal("AddBatches succeeded with the S3 server down")
		}
		if !strings.Contains(err.Error(), "two-0.txt") {
			t.Errorf("error does not name the file whose upload failed: %v", err)
		}
		// Every blob of the batch fails alike: the message stays short.
		if n := strings.Count(err.Error(), "\n"); n > 4 {
			t.Errorf("error of %d lines for one server outage:\n%v", n+1, err)
		}
		if want := "one-0.txt one-1.txt one-2.txt one-3.txt one-4.txt"; strings.Join(acked, " ") != want {
			t.Errorf("acknowledged %v, want the first batch: %s", acked, want)
		}
		stored := storedFiles(t, st)
		for i := range 5 {
			if _, ok := stored[fmt.Sprintf("one-%d.txt", i)]; !ok {
				t.Errorf("one-%d.txt of the first batch is not stored", i)
			}
		}
		for name, e := range stored {
			if !strings.HasPrefix(name, "one-") {
				t.Errorf("%s is recorded although its batch failed", name)
			}
			p := filepath.Join(srv.Dir, s3test.Bucket, "tsp", "sha256", e.Digest.String())
			if fi, err := os.Stat(p); err != nil || fi.Size() != e.Size {
				t.Errorf("%s is recorded but its object is not complete: %v", name, err)
			}
		}
	})
}
