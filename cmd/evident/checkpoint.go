package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
)

// tsaRootsFile is where the TSA trust anchors live once configured, so
// verify checks every stored token without being told again.
const tsaRootsFile = "tsa-roots.pem"

// cmdCheckpoint prints the current signed checkpoint, signing a new one
// first if records were appended since the last. The output is a C2SP
// signed note that anyone with DATA/ledger.pub can check. With --anchor it
// also has the checkpoint time-stamped by an RFC 3161 TSA.
func cmdCheckpoint(a *app, args []string) error {
	flags := a.flags("checkpoint")
	anchor := flags.String("anchor", "", "time-stamp the checkpoint with the RFC 3161 TSA at this `URL`")
	rootsPath := flags.String("tsa-roots", "", "PEM `file` of the TSA's trusted root certificates (default DATA/tsa-roots.pem)")
	if _, err := a.parse(flags, args); err != nil {
		return err
	}
	l, st, err := a.openLedger()
	if err != nil {
		return err
	}
	defer st.Close()
	if *anchor != "" {
		roots, path, err := a.tsaRoots(*rootsPath)
		if err != nil {
			return err
		}
		if roots == nil {
			return evident.Errorf(evident.EINVALID, "checkpoint --anchor: give --tsa-roots, the TSA's root certificates, so its answer can be checked")
		}
		an, err := l.Anchor(a.ctx, a.actor, ledger.TSA{URL: *anchor, Roots: roots})
		if err != nil {
			return err
		}
		if err := a.keepTSARoots(path); err != nil {
			return err
		}
		if !a.json {
			a.out("Anchored checkpoint %d at %s by %s\n", an.CheckpointSize, stamp(an.GenTime), an.TSA)
		}
	}
	cp, err := l.Checkpoint(a.ctx)
	if err != nil {
		return err
	}
	ws, err := a.witnesses()
	if err != nil {
		return err
	}
	// The checkpoint is printed even when a witness refuses it: the
	// refusal is the news, and exit 1 says so.
	werr := a.submitToWitnesses(l, ws)
	if err := a.printCheckpoint(cp); err != nil {
		return err
	}
	if werr == nil && len(ws) > 0 && !a.json {
		fmt.Fprintf(a.stderr, "Cosigned by %d witnesses\n", len(ws))
	}
	return werr
}

// printCheckpoint prints the signed note, or its fields with --json.
func (a *app) printCheckpoint(cp []byte) error {
	if a.json {
		_, v, err := a.ledgerKeys()
		if err != nil {
			return err
		}
		c, err := ledger.OpenCheckpoint(cp, v)
		if err != nil {
			return err
		}
		return a.printJSON(map[string]any{"origin": c.Origin, "size": c.Size, "root": c.Root.String(), "note": string(cp)})
	}
	_, err := a.stdout.Write(cp)
	return err
}

// keepTSARoots copies the roots used for anchoring into the data
// directory, unless it already holds some.
func (a *app) keepTSARoots(path string) error {
	dst := filepath.Join(a.data, tsaRootsFile)
	if path == dst {
		return nil
	}
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

// tsaRoots loads the TSA trust anchors from path, or from
// DATA/tsa-roots.pem when path is empty; no file there is (nil, "", nil).
func (a *app) tsaRoots(path string) (*x509.CertPool, string, error) {
	if path == "" {
		path = filepath.Join(a.data, tsaRootsFile)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, "", nil
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", evident.ErrorAt(evident.EINVALID, path, "TSA roots: %v", unwrapPath(err))
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, "", evident.ErrorAt(evident.EINVALID, path, "no PEM certificates found")
	}
	return pool, path, nil
}
