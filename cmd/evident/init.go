package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
	"golang.org/x/mod/sumdb/note"
)

// Files in the data directory. The signing key is the program's ledger
// identity: checkpoints signed with it are what assessors verify.
const (
	signingKeyFile = "ledger.key" // note signer key, mode 0600
	verifierFile   = "ledger.pub" // note verifier key, safe to publish
	blobDir        = "blobs"
)

func cmdInit(a *app, args []string) error {
	fs := a.flags("init")
	name := fs.String("name", "", "the program's name, usually the TSP's (default: \"Unnamed program\" until program.yaml names it)")
	version := fs.String("version", "", "EN 319 401 version in force (default: the newest complete version)")
	overlays := fs.String("overlay", "", "comma-separated catalog overlays to switch on, e.g. eidas-ia-2025")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	p, recovery, err := a.initialise(*name, *version, splitList(*overlays))
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(map[string]any{"data": a.data, "program": p, "recovery_key": recovery})
	}
	a.out("Initialised %q in %s (EN 319 401 V%s", p.Name, a.data, p.Version)
	if len(p.Overlays) > 0 {
		a.out(", overlays %s", strings.Join(p.Overlays, ", "))
	}
	a.out(")\nLedger key: %s\n", filepath.Join(a.data, verifierFile))
	a.out("\nRecovery key, shown only this once. Print it and store it apart from this machine;\n"+
		"it is the only way to name a new ledger key if ledger.key is lost (evident key recover):\n\n%s\n\n", recovery)
	return nil
}

// initialise creates the data directory, the signing key, the store with
// the catalogs, the program row and the offline recovery key, whose
// private half it returns and keeps nowhere. It refuses to touch an
// existing program: re-running init must never replace a ledger key.
func (a *app) initialise(name, version string, overlays []string) (evident.Program, string, error) {
	cat, err := catalog.Load()
	if err != nil {
		return evident.Program{}, "", err
	}
	if version == "" {
		version = cat.Latest()
	}
	if _, err := cat.Requirements(version, overlays...); err != nil {
		return evident.Program{}, "", err
	}
	if name == "" {
		// Not the data directory's name, which says nothing about the TSP:
		// a placeholder that apply replaces with program.yaml's name.
		name = "Unnamed program"
	}
	for _, f := range []string{signingKeyFile, verifierFile} {
		if _, err := os.Stat(filepath.Join(a.data, f)); err == nil {
			return evident.Program{}, "", evident.Errorf(evident.ECONFLICT, "data directory %q already holds a program (found %s); refusing to touch it", a.data, f)
		}
	}
	if err := os.MkdirAll(filepath.Join(a.data, blobDir), 0o750); err != nil {
		return evident.Program{}, "", evident.Errorf(evident.EINVALID, "cannot create data directory %q: %v", a.data, err)
	}
	st, err := sqlstore.Open(a.ctx, a.dsn(), sqlstore.Options{Now: a.now})
	if err != nil {
		return evident.Program{}, "", err
	}
	defer st.Close()
	if _, err := st.Program(a.ctx); err == nil {
		return evident.Program{}, "", evident.Errorf(evident.ECONFLICT, "the database %s already holds a program; refusing to touch it", a.dsn())
	}
	if err := syncCatalog(a, st, cat); err != nil {
		return evident.Program{}, "", err
	}
	if a.getenv(signerEnv) != "" {
		err = a.initTokenKey(name)
	} else {
		err = writeKeyPair(a.data, name)
	}
	if err != nil {
		return evident.Program{}, "", err
	}
	signer, _, err := a.ledgerKeys()
	if err != nil {
		return evident.Program{}, "", err
	}
	st.SetSigner(signer)
	p := evident.Program{Name: name, Standard: evident.EN319401, Version: version, Overlays: overlays, CreatedBy: a.actor}
	if err := st.CreateProgram(a.ctx, p); err != nil {
		return evident.Program{}, "", err
	}
	recovery, err := a.createRecoveryKey(ledger.Open(st, nil, signer, nil), name)
	if err != nil {
		return evident.Program{}, "", err
	}
	p, err = st.Program(a.ctx)
	return p, recovery, err
}

// syncCatalog stores every version of the embedded catalog.
func syncCatalog(a *app, st *sqlstore.Store, cat *catalog.Catalog) error {
	var all []evident.Requirement
	for _, v := range cat.Versions() {
		reqs, err := cat.Requirements(v.Number)
		if err != nil {
			return err
		}
		all = append(all, reqs...)
	}
	_, err := st.SyncCatalog(a.ctx, all)
	return err
}

var keyNameUnsafe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Za-z0-9._-]+`) })

// KeyName turns a program name into a signed-note key name (no spaces or
// '+'), which is also the checkpoint origin line.
func keyName(program string) string {
	s := strings.Trim(keyNameUnsafe().ReplaceAllString(strings.ToLower(program), "-"), "-")
	if s == "" {
		s = "program"
	}
	return "evident.ledger/" + s
}

// writeKeyPair creates the Ed25519 signing key readable only by its owner.
// O_EXCL makes a concurrent second init fail instead of replacing the key.
func writeKeyPair(dir, program string) error {
	skey, vkey, err := note.GenerateKey(rand.Reader, keyName(program))
	if err != nil {
		return fmt.Errorf("generate ledger key: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, signingKeyFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return evident.Errorf(evident.ECONFLICT, "data directory %q already has a ledger key", dir)
	}
	if err != nil {
		return fmt.Errorf("write ledger key: %w", err)
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
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
	return os.WriteFile(filepath.Join(dir, verifierFile), []byte(vkey+"\n"), 0o644)
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
