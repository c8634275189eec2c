// Package ledgertest opens a signing ledger over a test store. Every test
// that stores evidence needs the same three things beside the store (a
// blob directory, a fresh signing key and the ledger over both), and
// building them in one place keeps them alike: the ledger reads the
// store's one clock, and the store signs each write's checkpoint with the
// key, as `evident serve` does.
package ledgertest

import (
	"crypto/rand"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Ledger is a signing ledger with what tests check beside it.
type Ledger struct {
	*ledger.Ledger
	Blobs    *blob.Disk
	BlobDir  string
	Signer   note.Signer
	Verifier note.Verifier
	// Key is the verifier key as a signed-note verifier string, the form
	// packs carry and `--key` pins.
	Key string
}

// Open opens a ledger over st, signing with a fresh key named name, with
// its blobs in dir (a new temporary directory when dir is "").
func Open(t testing.TB, st *sqlstore.Store, name, dir string) *Ledger {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	if dir == "" {
		dir = t.TempDir()
	}
	blobs, err := blob.NewDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &Ledger{Ledger: ledger.Open(st, blobs, signer, verifier), Blobs: blobs, BlobDir: dir, Signer: signer, Verifier: verifier, Key: vkey}
}
