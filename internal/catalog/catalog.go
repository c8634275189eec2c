package catalog

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/evidenthq/evident"
)

//go:embed data/*.yaml
var embedded embed.FS

// Catalog holds every embedded standard version, the mappings between
// versions and the overlays. It is read-only once loaded, so one Catalog
// can be shared by every request; methods return copies a caller may
// change freely.
type Catalog struct {
	versions []*edition // ascending by version number
	mappings []*mapping
	overlays []*overlay
	spaces   []*IDSpace
}

// Version describes one standard version in the catalog.
type Version struct {
	Standard  evident.Standard `json:"standard"`
	Number    string           `json:"version"`   // "3.2.1"
	Title     string           `json:"title"`     // "ETSI EN 319 401 V3.2.1 (2026-01)"
	Published string           `json:"published"` // "2026-01"
	// Complete is true when every requirement of the version is in the
	// catalog. An incomplete version (V3.1.1) lists only the identifiers
	// that could be confirmed; a missing id there proves nothing.
	Complete     bool   `json:"complete"`
	Note         string `json:"note,omitempty"`
	Requirements int    `json:"requirements"`
}

// Clause is a clause of a standard version with its title. Clauses without
// requirements of their own (such as "7" or "7.9") are listed too, so a
// reader sees the whole tree.
type Clause struct {
	Number       string `json:"clause"` // "7.9.2"
	Title        string `json:"title"`  // "Incident response"
	Note         string `json:"note,omitempty"`
	Requirements int    `json:"requirements"` // requirements directly in this clause
}

// Depth is the clause's level in the tree: 1 for "5", 3 for "7.9.2".
func (c Clause) Depth() int { return strings.Count(c.Number, ".") + 1 }

// edition is a loaded version: its requirements in catalog order.
type edition struct {
	info    Version
	clauses []Clause
	reqs    []evident.Requirement
	index   map[evident.RequirementID]int
}

// Load returns the catalog embedded in the binary. The embedded files are
// checked by this package's tests, so an error here means a broken build.
// It is read once per process, from the pre-parsed snapshot when that is
// the parse of these very files (see snapshot.go), and shared: a Catalog
// is read-only.
func Load() (*Catalog, error) { return loadOnce() }

// LoadFS reads every *.yaml file at the root of fsys as a catalog file and
// validates the whole: each file on its own, then mappings and overlays
// against the versions they name. All problems found are reported together,
// each naming its file, line and entry.
func LoadFS(fsys fs.FS) (*Catalog, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, evident.Errorf(evident.EINVALID, "catalog has no *.yaml files")
	}
	var l loader
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		l.read(&source{name: path.Base(name), data: data})
	}
	return l.finish()
}

// Versions lists the standard versions in the catalog, oldest first.
func (c *Catalog) Versions() []Version {
	out := make([]Version, len(c.versions))
	for i, e := range c.versions {
		out[i] = e.info
	}
	return out
}

// Latest returns the newest complete version, the sensible default for a
// new program ("3.2.1").
func (c *Catalog) Latest() string {
	for i := len(c.versions) - 1; i >= 0; i-- {
		if c.versions[i].info.Complete {
			return c.versions[i].info.Number
		}
	}
	return c.versions[len(c.versions)-1].info.Number
}

// edition finds a version, with an error that lists the versions there are.
func (c *Catalog) edition(version string) (*edition, error) {
	for _, e := range c.versions {
		if e.info.Number == version {
			return e, nil
		}
	}
	have := make([]string, len(c.versions))
	for i, e := range c.versions {
		have[i] = e.info.Number
	}
	return nil, evident.Errorf(evident.ENOTFOUND, "no version %q of %s in the catalog (have %s)", version, evident.EN319401, strings.Join(have, ", "))
}

// Requirements returns the requirements of a version in catalog order
// (clause by clause, as the standard lists them), with the named overlays
// applied in the order given.
func (c *Catalog) Requirements(version string, overlays ...string) ([]evident.Requirement, error) {
	e, err := c.edition(version)
	if err != nil {
		return nil, err
	}
	reqs := cloneAll(e.reqs)
	for _, name := range overlays {
		if reqs, err = c.apply(name, e, reqs); err != nil {
			return nil, err
		}
	}
	return reqs, nil
}

// Clauses lists the clauses of a version with their titles, in catalog
// order.
func (c *Catalog) Clauses(version string) ([]Clause, error) {
	e, err := c.edition(version)
	if err != nil {
		return nil, err
	}
	return slices.Clone(e.clauses), nil
}

// Lookup returns the requirement ref names, with the named overlays
// applied. A missing id is ENOTFOUND with a message naming the id and the
// version, and the versions that do have it.
func (c *Catalog) Lookup(ref evident.RequirementRef, overlays ...string) (evident.Requirement, error) {
	if ref.Standard != evident.EN319401 {
		return evident.Requirement{}, evident.Errorf(evident.ENOTFOUND, "requirement %s: standard %q is not in the catalog (have %s)", ref, ref.Standard, evident.EN319401)
	}
	e, err := c.edition(ref.Version)
	if err != nil {
		return evident.Requirement{}, err
	}
	i, ok := e.index[ref.ID]
	if !ok {
		return evident.Requirement{}, c.notFound(e, ref)
	}
	if len(overlays) == 0 {
		return clone(e.reqs[i]), nil
	}
	reqs, err := c.Requirements(ref.Version, overlays...)
	if err != nil {
		return evident.Requirement{}, err
	}
	return reqs[i], nil
}

// notFound explains a missing id: where else it exists, and whether the
// version is one that lists only confirmed identifiers.
func (c *Catalog) notFound(e *edition, ref evident.RequirementRef) error {
	msg := "requirement " + string(ref.ID) + " is not in " + string(ref.Standard) + "@" + ref.Version
	var elsewhere []string
	for _, o := range c.versions {
		if _, ok := o.index[ref.ID]; !ok || o == e {
			continue
		}
		// Point to the counterpart when the id was renumbered, so the
		// hint does not send the user to a different requirement.
		there := evident.RequirementRef{Standard: ref.Standard, Version: o.info.Number, ID: ref.ID}
		if corr, ok := c.counterpart(there, e); ok {
			elsewhere = append(elsewhere, fmt.Sprintf("%s, which is %s here by %s mapping", o.info.Number, corr.To.ID, corr.Basis))
		} else {
			elsewhere = append(elsewhere, o.info.Number)
		}
	}
	if len(elsewhere) > 0 {
		msg += " (it is in " + strings.Join(elsewhere, ", ") + ")"
	}
	if !e.info.Complete {
		msg += "; this version lists only the identifiers confirmed so far"
	}
	return evident.Errorf(evident.ENOTFOUND, "%s", msg)
}

// Resolve reads a reference as a user types it, "REQ-7.8-14" or
// "EN319401@3.2.1:REQ-7.8-14", in any letter case, and looks it up. A bare
// id is taken in defaultVersion, or in Latest when that is empty.
func (c *Catalog) Resolve(s, defaultVersion string) (evident.Requirement, error) {
	if defaultVersion == "" {
		defaultVersion = c.Latest()
	}
	ref, err := evident.ParseRequirementRef(s, evident.EN319401, defaultVersion)
	if err != nil {
		return evident.Requirement{}, err
	}
	ref.Standard = evident.Standard(strings.ToUpper(string(ref.Standard)))
	ref.ID = evident.RequirementID(strings.ToUpper(string(ref.ID)))
	ref.Version = strings.TrimPrefix(strings.ToLower(ref.Version), "v")
	return c.Lookup(ref)
}

// Query selects requirements of one version. Zero fields select
// everything.
type Query struct {
	Version string // empty means Latest
	// Clause selects a clause and every clause below it: "7.9" selects
	// 7.9.1 to 7.9.5, "7.9.2" exactly the entries of 7.9.2, and "7.1"
	// never selects 7.10.
	Clause string
	Type   evident.RequirementType // entries carrying this type; "PRO" and "COND" are understood
	// Trigger selects entries with a trigger figure for this event, such
	// as evident.EventSignificantChange: what a recorded change calls for.
	Trigger  string
	Overlays []string // applied before selecting
}

// Filter returns the requirements q selects, in catalog order. An unknown
// clause is ENOTFOUND rather than an empty list, so a typo is not mistaken
// for "nothing to do".
func (c *Catalog) Filter(q Query) ([]evident.Requirement, error) {
	if q.Version == "" {
		q.Version = c.Latest()
	}
	reqs, err := c.Requirements(q.Version, q.Overlays...)
	if err != nil {
		return nil, err
	}
	clause := strings.TrimSuffix(strings.TrimSpace(q.Clause), ".")
	if clause != "" {
		if err := c.checkClause(q.Version, clause); err != nil {
			return nil, err
		}
	}
	if q.Type != "" {
		// Accept the spellings of the reference tables ("PRO", "COND").
		if q.Type, err = evident.ParseRequirementType(string(q.Type)); err != nil {
			return nil, err
		}
	}
	out := reqs[:0]
	for _, r := range reqs {
		if clause != "" && !InClause(r.Clause, clause) {
			continue
		}
		if q.Type != "" && !r.Has(q.Type) {
			continue
		}
		if q.Trigger != "" && !triggeredBy(r, q.Trigger) {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// checkClause reports ENOTFOUND when no clause of the version is clause or
// lies below it.
func (c *Catalog) checkClause(version, clause string) error {
	e, err := c.edition(version)
	if err != nil {
		return err
	}
	for _, cl := range e.clauses {
		if InClause(cl.Number, clause) {
			return nil
		}
	}
	return evident.Errorf(evident.ENOTFOUND, "no clause %q in %s@%s", clause, e.info.Standard, version)
}

// triggeredBy reports whether r has a trigger figure for event.
func triggeredBy(r evident.Requirement, event string) bool {
	for _, f := range r.Figures {
		if f.Kind == evident.FigureTrigger && f.Event == event {
			return true
		}
	}
	return false
}

// InClause reports whether clause number n is clause or lies below it:
// "7.9.2" is in "7.9" and in "7", "7.10" is not in "7.1".
func InClause(n, clause string) bool {
	return n == clause || strings.HasPrefix(n, clause+".")
}

// compareVersions orders dotted version numbers numerically, so 3.10.1
// comes after 3.9.1.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		if errx != nil || erry != nil {
			if c := strings.Compare(as[i], bs[i]); c != 0 {
				return c
			}
			continue
		}
		if x != y {
			return x - y
		}
	}
	return len(as) - len(bs)
}

// clone copies a requirement deeply enough that changing the copy's slices
// cannot change the catalog.
func clone(r evident.Requirement) evident.Requirement {
	r.Types = slices.Clone(r.Types)
	r.Figures = slices.Clone(r.Figures)
	for i, f := range r.Figures {
		if f.Window != nil {
			w := *f.Window
			r.Figures[i].Window = &w
		}
	}
	r.Adaptations = slices.Clone(r.Adaptations)
	return r
}

func cloneAll(reqs []evident.Requirement) []evident.Requirement {
	out := make([]evident.Requirement, len(reqs))
	for i, r := range reqs {
		out[i] = clone(r)
	}
	return out
}

// errs collects validation errors so that one load reports all of them.
type errs []error

func (e *errs) add(err error) {
	if err != nil {
		*e = append(*e, err)
	}
}

func (e errs) err() error { return errors.Join(e...) }
