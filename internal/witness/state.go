package witness

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/mod/sumdb/tlog"
)

// stateFile is the witness's memory in its directory: per log origin, the
// last checkpoint it cosigned. Losing it would let the witness cosign a
// fork, so it is replaced atomically and synced before any answer.
const stateFile = "witness-state.json"

// seen is what the witness remembers of one log.
type seen struct {
	Size int64     `json:"size"`
	Root tlog.Hash `json:"root"`
	// Cosigned is the log's checkpoint with the witness's cosignature.
	Cosigned string `json:"cosigned"`
}

// loadState reads the state file; a directory without one is a witness
// that has cosigned nothing yet.
func loadState(dir string) (map[string]seen, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]seen{}, nil
	}
	if err != nil {
		return nil, err
	}
	st := map[string]seen{}
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, stateFile), err)
	}
	return st, nil
}

// saveState writes the state durably: a synced temporary file renamed
// over the old one, then the directory synced, so a crash leaves either
// the old state or the new, never a torn one.
func saveState(dir string, st map[string]seen) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, stateFile+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, stateFile)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
