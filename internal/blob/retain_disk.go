package blob

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/evidenthq/evident"
)

// A disk store keeps each blob's retention beside the blobs, the way an
// S3 bucket with Object Lock keeps it on the object:
//
//	DIR/retention/<64 hex>.until   the date Retain set (RFC 3339)
//	DIR/retention/<64 hex>.hold    present while a legal hold stands
//
// Delete reads them and refuses a blob still retained or held, so a
// deletion the ledger did not decide (a wrong clock, a bug, a shortened
// period) is stopped by the store itself.

func (d *Disk) retentionPath(dg evident.Digest, ext string) string {
	return filepath.Join(d.root, "retention", dg.String()+ext)
}

// retainedUntil returns the date Retain set, zero when none.
func (d *Disk) retainedUntil(dg evident.Digest) (time.Time, error) {
	b, err := os.ReadFile(d.retentionPath(dg, ".until"))
	if errors.Is(err, fs.ErrNotExist) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b)))
}

func (d *Disk) exists(dg evident.Digest) error {
	if _, err := os.Stat(d.Path(dg)); errors.Is(err, fs.ErrNotExist) {
		return evident.Errorf(evident.ENOTFOUND, "blob %s is missing from %s", dg, d.root)
	} else if err != nil {
		return err
	}
	return nil
}

// writeMarker replaces a retention file durably: temp file, fsync,
// rename, fsync the directory.
func (d *Disk) writeMarker(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Join(d.root, "tmp"), "retention-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return fsyncPath(dir)
}

// Retain records until as the blob's retention date unless a later one is
// already recorded.
func (d *Disk) Retain(ctx context.Context, dg evident.Digest, until time.Time) error {
	if err := d.exists(dg); err != nil {
		return err
	}
	have, err := d.retainedUntil(dg)
	if err != nil {
		return err
	}
	if !until.After(have) {
		return nil
	}
	return d.writeMarker(d.retentionPath(dg, ".until"), []byte(until.UTC().Format(time.RFC3339Nano)+"\n"))
}

// Hold places or lifts the blob's legal hold.
func (d *Disk) Hold(ctx context.Context, dg evident.Digest, on bool) error {
	if err := d.exists(dg); err != nil {
		return err
	}
	p := d.retentionPath(dg, ".hold")
	if on {
		return d.writeMarker(p, nil)
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return fsyncPath(filepath.Dir(p))
}

// Delete removes the blob if its retention ended by now and no hold
// stands, then its retention files.
func (d *Disk) Delete(ctx context.Context, dg evident.Digest, now time.Time) error {
	if err := d.exists(dg); err != nil {
		return err
	}
	if _, err := os.Stat(d.retentionPath(dg, ".hold")); err == nil {
		return evident.Errorf(evident.ECONFLICT, "blob %s is under a legal hold in %s: not deleted", dg, d.root)
	}
	until, err := d.retainedUntil(dg)
	if err != nil {
		return err
	}
	switch {
	case until.IsZero():
		return evident.Errorf(evident.ECONFLICT, "blob %s has no retention date in %s: not deleted", dg, d.root)
	case now.Before(until):
		return evident.Errorf(evident.ECONFLICT, "blob %s is retained until %s in %s: not deleted", dg, evident.UTC(until), d.root)
	}
	p := d.Path(dg)
	if err := os.Remove(p); err != nil {
		return err
	}
	if err := fsyncPath(filepath.Dir(p)); err != nil {
		return err
	}
	os.Remove(d.retentionPath(dg, ".until"))
	return nil
}
