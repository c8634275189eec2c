package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// openLedger opens the store, the blob store and the ledger keys, for
// every command that writes or checks evidence. Without a readable signing
// key the ledger opens read-only, which is enough to list and verify.
// The caller closes the store.
func (a *app) openLedger() (*ledger.Ledger, *sqlstore.Store, error) {
	if _, _, err := a.ledgerKeys(); err != nil && !a.switchPending() {
		return nil, nil, err
	}
	blobs, err := a.openBlobs()
	if err != nil {
		return nil, nil, err
	}
	st, err := a.openStore()
	if err != nil {
		return nil, nil, err
	}
	// A key switch a crash interrupted is settled before the keys are
	// read, so writes go on under the key the log expects.
	if err := a.settleKeySwitch(st); err != nil {
		st.Close()
		return nil, nil, err
	}
	signer, verifier, err := a.ledgerKeys()
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	l := ledger.Open(st, blobs, signer, verifier)
	// Deferred blobs (a server's small uploads, kept in the database
	// until their files are written) get their files before anything
	// reads the disk (see ledger.Settle).
	if err := l.Settle(a.ctx); err != nil {
		st.Close()
		return nil, nil, err
	}
	return l, st, nil
}

// switchPending reports whether a staged key switch is on disk (a file
// key, or only the public half of a token key).
func (a *app) switchPending() bool {
	for _, f := range []string{nextSigningKeyFile, nextVerifierFile} {
		if _, err := os.Stat(filepath.Join(a.data, f)); err == nil {
			return true
		}
	}
	return false
}

// openBlobs opens --blobs (a directory, file:// URL or s3://BUCKET/PREFIX
// with the AWS_* environment) or DATA/blobs.
func (a *app) openBlobs() (blob.Store, error) {
	var s blob.Store
	var err error
	if a.blobs == "" {
		s, err = blob.NewDisk(filepath.Join(a.data, blobDir))
	} else {
		s, err = blob.Open(a.ctx, a.blobs, a.getenv)
	}
	if err != nil || a.wrapBlobs == nil {
		return s, err
	}
	return a.wrapBlobs(s), nil
}

// ledgerKeys reads DATA/ledger.key and DATA/ledger.pub. A missing signing
// key is not an error (read-only use); a missing public key is, since
// nothing could then be verified. With EVIDENT_SIGNER the signing key is
// on a token instead, and a token that cannot be used is an error naming
// it: the operator asked for that signer, and no other stands in.
func (a *app) ledgerKeys() (note.Signer, note.Verifier, error) {
	pub, err := os.ReadFile(filepath.Join(a.data, verifierFile))
	if err != nil {
		return nil, nil, evident.Errorf(evident.EINVALID, "ledger public key %s: %v (run `evident init`, or pass --data)", filepath.Join(a.data, verifierFile), err)
	}
	verifier, err := note.NewVerifier(strings.TrimSpace(string(pub)))
	if err != nil {
		return nil, nil, evident.Errorf(evident.EINVALID, "ledger public key %s: %v", filepath.Join(a.data, verifierFile), err)
	}
	// A key pinned in the configuration outranks the data directory's:
	// whoever can write the directory can replace both halves of its key.
	if pin := strings.TrimSpace(a.getenv(pinEnv)); pin != "" && pin != strings.TrimSpace(string(pub)) {
		return nil, nil, evident.Errorf(evident.EFAILED, "the ledger key in %s is %s, not the key pinned in %s (%s): refusing to sign or check with it",
			a.data, strings.TrimSpace(string(pub)), pinEnv, pin)
	}
	if a.getenv(signerEnv) != "" {
		return a.ledgerTokenKeys(verifier, strings.TrimSpace(string(pub)))
	}
	key, err := os.ReadFile(filepath.Join(a.data, signingKeyFile))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return nil, verifier, nil
	}
	if err != nil {
		return nil, nil, err
	}
	signer, err := note.NewSigner(strings.TrimSpace(string(key)))
	if err != nil {
		return nil, nil, evident.Errorf(evident.EINVALID, "ledger signing key %s: %v", filepath.Join(a.data, signingKeyFile), err)
	}
	if signer.Name() != verifier.Name() || signer.KeyHash() != verifier.KeyHash() {
		return nil, nil, evident.Errorf(evident.EINVALID, "ledger.key and ledger.pub in %s are not a key pair", a.data)
	}
	return signer, verifier, nil
}
