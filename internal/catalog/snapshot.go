package catalog

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"sync"

	"github.com/evidenthq/evident"
)

// The parsed catalog, stored beside the YAML it was read from.
//
// Parsing the embedded YAML (go-yaml, kept for the line numbers every
// error message needs) was about a third of the CPU time of `evident
// status` on the example program, and every command that reads the
// catalog paid it. snapshot.json holds the result of that parse, made by
// `go generate` (TestSnapshotIsCurrent -update), and Load uses it only
// when it is provably the parse of the very YAML in the binary:
//
//	evident-catalog-snapshot/1 SOURCES BODY
//	{...json...}
//
// The first line carries two SHA-256 digests in hex: SOURCES over the
// embedded YAML files (see sourceSum) and BODY over the JSON that
// follows. A changed YAML file no longer matches SOURCES, a damaged body
// no longer matches BODY, a body that does not decode is refused; in each
// case Load parses the YAML as before, so the snapshot can make a command
// faster but never make it read anything other than what the YAML says.
// The tests keep the committed snapshot equal to the parse, so the slow
// path is for a build someone forgot to regenerate.
//
//go:generate go test -run TestSnapshotIsCurrent -update .
//go:embed snapshot.json
var snapshotFile []byte

// snapshotMagic names the snapshot format; a new layout gets a new number
// and an old snapshot is then simply not used.
const snapshotMagic = "evident-catalog-snapshot/1"

// snapshot is the catalog's state as snapshot.json stores it. The
// requirement indexes are rebuilt on reading, as they follow from the
// requirements' order.
type snapshot struct {
	Versions []snapshotEdition `json:"versions"`
	Mappings []snapshotMapping `json:"mappings"`
	Overlays []Overlay         `json:"overlays"`
	Spaces   []*IDSpace        `json:"spaces"`
}

// snapshotEdition is one standard version's state.
type snapshotEdition struct {
	Info    Version               `json:"info"`
	Clauses []Clause              `json:"clauses"`
	Reqs    []evident.Requirement `json:"requirements"`
}

// snapshotMapping is one mapping file's pairs.
type snapshotMapping struct {
	From  string           `json:"from"`
	To    string           `json:"to"`
	Note  string           `json:"note,omitempty"`
	Pairs []Correspondence `json:"pairs"`
}

// loadOnce is Load's body, run once per process: the catalog is read-only,
// so every caller can share it.
var loadOnce = sync.OnceValues(func() (*Catalog, error) {
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		return nil, err
	}
	return loadFast(sub, snapshotFile)
})

// loadFast returns the catalog in snap when snap is intact and was made
// from exactly the YAML in fsys, and otherwise parses fsys.
func loadFast(fsys fs.FS, snap []byte) (*Catalog, error) {
	sum, err := sourceSum(fsys)
	if err != nil {
		return nil, err
	}
	if c, ok := readSnapshot(snap, sum); ok {
		return c, nil
	}
	return LoadFS(fsys)
}

// sourceSum is the SHA-256 over every *.yaml file at the root of fsys in
// name order, each as its name, its length and its bytes, so no two
// different sets of files share a sum.
func sourceSum(fsys fs.FS) (string, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%d:%s\n%d\n", len(name), name, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readSnapshot decodes snap if its header names sources and its body is
// unchanged; ok is false for anything else.
func readSnapshot(snap []byte, sources string) (*Catalog, bool) {
	head, body, found := bytes.Cut(snap, []byte("\n"))
	if !found {
		return nil, false
	}
	bodySum := sha256.Sum256(body)
	want := snapshotMagic + " " + sources + " " + hex.EncodeToString(bodySum[:])
	if string(head) != want {
		return nil, false
	}
	var s snapshot
	if err := json.Unmarshal(body, &s); err != nil || len(s.Versions) == 0 {
		return nil, false
	}
	return s.catalog(), true
}

// writeSnapshot is the snapshot file of c, read from YAML whose
// sourceSum is sources.
func writeSnapshot(c *Catalog, sources string) ([]byte, error) {
	body, err := json.Marshal(snapshotOf(c))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	head := snapshotMagic + " " + sources + " " + hex.EncodeToString(sum[:]) + "\n"
	return append([]byte(head), body...), nil
}

// snapshotOf copies the catalog's state out.
func snapshotOf(c *Catalog) snapshot {
	var s snapshot
	for _, e := range c.versions {
		s.Versions = append(s.Versions, snapshotEdition{Info: e.info, Clauses: e.clauses, Reqs: e.reqs})
	}
	for _, m := range c.mappings {
		s.Mappings = append(s.Mappings, snapshotMapping{From: m.from, To: m.to, Note: m.note, Pairs: m.pairs})
	}
	for _, o := range c.overlays {
		s.Overlays = append(s.Overlays, o.Overlay)
	}
	s.Spaces = c.spaces
	return s
}

// catalog rebuilds the Catalog, indexes included.
func (s snapshot) catalog() *Catalog {
	c := &Catalog{spaces: s.Spaces}
	for _, v := range s.Versions {
		e := &edition{info: v.Info, clauses: v.Clauses, reqs: v.Reqs, index: make(map[evident.RequirementID]int, len(v.Reqs))}
		for i, r := range v.Reqs {
			e.index[r.ID] = i
		}
		c.versions = append(c.versions, e)
	}
	for _, m := range s.Mappings {
		c.mappings = append(c.mappings, &mapping{from: m.From, to: m.To, note: m.Note, pairs: m.Pairs})
	}
	for _, o := range s.Overlays {
		c.overlays = append(c.overlays, &overlay{o})
	}
	return c
}
