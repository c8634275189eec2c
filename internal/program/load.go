package program

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
)

// maxErrors bounds how many problems one load reports: enough to fix a
// file in one go, not so many that the first one scrolls away.
const maxErrors = 25

// Load reads the program directory dir into a model, resolving bare
// requirement ids against the program's version and checking every
// reference. It returns every problem found (up to a limit), each an
// EINVALID error located at file:line; the model is nil when there is any.
func Load(dir string, cat *catalog.Catalog) (*evident.Model, error) {
	files, err := programFiles(dir)
	if err != nil {
		return nil, err
	}
	l := &loader{cat: cat, locs: map[string][]loc{}}
	var docs []fileDoc
	var srcs []*source
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, evident.Errorf(evident.EINVALID, "read %s: %v", f, err)
		}
		src := &source{name: displayName(dir, f), dir: filepath.Dir(f), data: data}
		var d fileDoc
		if err := src.decode(&d); err != nil {
			l.errs = append(l.errs, err)
			continue
		}
		docs, srcs = append(docs, d), append(srcs, src)
	}
	if len(l.errs) == 0 {
		l.program(dir, docs, srcs)
	}
	if len(l.errs) == 0 {
		// Conversion and the model check both run so one pass reports a
		// bad date and a dangling reference together.
		for i := range docs {
			l.convert(srcs[i], &docs[i])
		}
		l.check()
	}
	if len(l.errs) > 0 {
		return nil, l.err()
	}
	return &l.m, nil
}

// programFiles lists the YAML files under dir in a stable order.
func programFiles(dir string) ([]string, error) {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return nil, evident.Errorf(evident.EINVALID, "program directory %s: not a readable directory", dir)
	}
	var files []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if ext := filepath.Ext(p); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, evident.Errorf(evident.EINVALID, "program directory %s: %v", dir, err)
	}
	if len(files) == 0 {
		return nil, evident.Errorf(evident.EINVALID, "program directory %s holds no .yaml files", dir)
	}
	sort.Strings(files)
	return files, nil
}

// displayName is the file as the user would type it: the directory they
// named joined with the path inside it.
func displayName(dir, f string) string {
	rel, err := filepath.Rel(dir, f)
	if err != nil {
		return f
	}
	return filepath.Join(dir, rel)
}

// loc is where an object came from.
type loc struct {
	src  *source
	path string // "$.controls[3]"
}

type loader struct {
	cat  *catalog.Catalog
	m    evident.Model
	errs []error
	locs map[string][]loc                               // per section, in model order
	reqs map[evident.RequirementRef]evident.Requirement // the program's version with its overlays
	// failed holds "file\x00path" of every field already reported.
	failed map[string]bool
}

func (l *loader) fail(err error) { l.errs = append(l.errs, err) }

// errorf records an error at a YAML path of src, and the path itself so
// the model check does not report the same field a second time.
func (l *loader) errorf(src *source, path, format string, args ...any) {
	if l.failed == nil {
		l.failed = map[string]bool{}
	}
	l.failed[src.name+"\x00"+path] = true
	l.fail(src.errorf(path, format, args...))
}

func (l *loader) err() error {
	errs := l.errs
	if len(errs) > maxErrors {
		more := len(errs) - maxErrors
		errs = append(errs[:maxErrors:maxErrors], evident.Errorf(evident.EINVALID, "and %d more problems", more))
	}
	return errors.Join(errs...)
}

// at records where the next object of section came from.
func (l *loader) at(section string, src *source, i int) string {
	path := fmt.Sprintf("$.%s[%d]", section, i)
	l.locs[section] = append(l.locs[section], loc{src, path})
	return path
}

// program reads the one program section, which every other section
// depends on for the version that bare requirement ids mean.
func (l *loader) program(dir string, docs []fileDoc, srcs []*source) {
	var found *source
	for i, d := range docs {
		if d.Program == nil {
			continue
		}
		if found != nil {
			l.fail(srcs[i].errorf("$.program", "a second program section (the first is in %s)", found.name))
			continue
		}
		found = srcs[i]
		p := d.Program
		l.m.Program = evident.Program{Name: p.Name, LegalName: p.LegalName, SupervisoryBody: p.SupervisoryBody,
			Country: p.Country, Standard: evident.Standard(p.Standard), Version: p.Version, Overlays: p.Overlays}
		if l.m.Program.Standard == "" {
			l.m.Program.Standard = evident.EN319401
		}
		if l.m.Program.Overlays == nil {
			l.m.Program.Overlays = []string{}
		}
		if p.RiskScale != nil {
			l.m.Program.RiskScale = evident.Scale{Likelihood: p.RiskScale.Likelihood, Impact: p.RiskScale.Impact}
			if p.RiskScale.Likelihood < 2 || p.RiskScale.Impact < 2 || p.RiskScale.Likelihood > 10 || p.RiskScale.Impact > 10 {
				l.fail(found.errorf("$.program.risk_scale", "likelihood and impact levels must each be between 2 and 10"))
			}
		}
		sc := l.m.Program.Scale()
		if p.RiskAppetite < 0 || p.RiskAppetite > sc.Max() {
			l.fail(found.errorf("$.program.risk_appetite", "%d is off the %dx%d scale (want 0 to %d)", p.RiskAppetite, sc.Likelihood, sc.Impact, sc.Max()))
		} else {
			l.m.Program.RiskAppetite = p.RiskAppetite
		}
		l.m.Program.NextAudit = l.date(found, "$.program.next_audit", p.NextAudit)
		if p.AnchorEvery != "" {
			sp, err := evident.ParseSpan(p.AnchorEvery)
			if err != nil {
				l.fail(found.errorf("$.program.anchor_every", "%s", evident.ErrorMessage(err)))
			} else if t, _ := sp.AddTo(time.Time{}); t.Sub(time.Time{}) < evident.MinAnchorEvery {
				l.fail(found.errorf("$.program.anchor_every", "%s is more often than once an hour: a TSA is asked once per period, not once per write", p.AnchorEvery))
			} else {
				l.m.Program.AnchorEvery = sp
			}
		}
		if strings.TrimSpace(p.Name) == "" {
			l.fail(found.errorf("$.program.name", "the program needs a name"))
		}
		reqs, err := l.cat.Requirements(p.Version, l.m.Program.Overlays...)
		if err != nil {
			l.fail(found.errorf("$.program.version", "%v", evident.ErrorMessage(err)))
			continue
		}
		l.reqs = map[evident.RequirementRef]evident.Requirement{}
		for _, r := range reqs {
			l.reqs[r.Ref()] = r
		}
		if p.Retention != "" {
			l.m.Program.Retention = l.retention(found, "$.program.retention", p.Retention)
		}
		for k, v := range p.RequirementRetention {
			path := "$.program.requirement_retention." + k
			if r := l.ref(found, path, k); r.ID != "" {
				if l.m.Program.RequirementRetention == nil {
					l.m.Program.RequirementRetention = map[string]evident.Retention{}
				}
				l.m.Program.RequirementRetention[r.String()] = l.retention(found, path, v)
			}
		}
	}
	if found == nil {
		l.fail(evident.ErrorAt(evident.EINVALID, dir, "no program section: one file must say `program:` with at least name and version"))
	}
}

// known reports whether ref is a requirement in the catalog: any stored
// version may be cited, so a control can keep a V3.1.1 reference while the
// program migrates.
func (l *loader) known(ref evident.RequirementRef) bool {
	_, ok := l.requirement(ref)
	return ok
}

// requirement returns the catalog entry for ref: with the program's
// overlays applied for its own version, as published for any other.
func (l *loader) requirement(ref evident.RequirementRef) (evident.Requirement, bool) {
	if r, ok := l.reqs[ref]; ok {
		return r, true
	}
	r, err := l.cat.Lookup(ref)
	return r, err == nil
}

// check runs the model's reference and value checks and places each
// problem at its object's line.
func (l *loader) check() {
	for _, p := range l.m.Check(l.known) {
		locs := l.locs[p.Kind]
		if p.Index < 0 || p.Index >= len(locs) {
			l.fail(evident.Errorf(evident.EINVALID, "%s", p.Error()))
			continue
		}
		lc := locs[p.Index]
		path := lc.path
		if p.Field != "" {
			path += "." + p.Field
		}
		if l.failed[lc.src.name+"\x00"+path] {
			continue
		}
		l.fail(lc.src.errorf(path, "%s", p.Message))
	}
}

// date parses an optional date or time field.
func (l *loader) date(src *source, path, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := evident.ParseTime(s)
	if err != nil {
		l.errorf(src, path, "%s", evident.ErrorMessage(err))
	}
	return t
}

// ref resolves a requirement reference, bare ids against the program.
func (l *loader) ref(src *source, path, s string) evident.RequirementRef {
	r, err := evident.ParseRequirementRef(s, l.m.Program.Standard, l.m.Program.Version)
	if err != nil {
		l.errorf(src, path, "%s", evident.ErrorMessage(err))
		return r
	}
	if !l.known(r) && !(strings.Contains(path, ".deviations[") && cabfFloor(r)) {
		l.errorf(src, path, "unknown requirement %s: it is not in the EN 319 401 catalog (see `evident catalog list`)", r)
	}
	return r
}

// retention parses a retention period ("7y", "18m", "forever").
func (l *loader) retention(src *source, path, s string) evident.Retention {
	r, err := evident.ParseRetention(s)
	if err != nil {
		l.errorf(src, path, "%s", evident.ErrorMessage(err))
	}
	return r
}

// cadence parses an optional cadence word.
func (l *loader) cadence(src *source, path, s string) evident.Cadence {
	if s == "" {
		return evident.Cadence{}
	}
	c, err := evident.ParseCadence(s)
	if err != nil {
		l.errorf(src, path, "%s", evident.ErrorMessage(err))
	}
	return c
}

// span parses "90 days", "1 year".
func (l *loader) span(src *source, path, s string) *evident.Span {
	if s == "" {
		return nil
	}
	f := strings.Fields(s)
	if len(f) == 2 {
		n, err := strconv.Atoi(f[0])
		u := evident.Unit(strings.TrimSuffix(f[1], "s"))
		if err == nil && n > 0 && (u == evident.UnitDay || u == evident.UnitWeek || u == evident.UnitMonth || u == evident.UnitYear) {
			return &evident.Span{Amount: n, Unit: u}
		}
	}
	l.errorf(src, path, "%q: want a number of days, weeks, months or years, such as \"90 days\"", s)
	return nil
}

// digest returns a policy document's SHA-256, from the file beside the
// YAML when it is there (checked against the one written, if any).
func (l *loader) digest(src *source, path string, v filePolicyVersion) string {
	given := strings.ToLower(v.SHA256)
	if given != "" {
		if b, err := hex.DecodeString(given); err != nil || len(b) != sha256.Size {
			l.errorf(src, path+".sha256", "want 64 hex digits (quote the value so YAML keeps it a string)")
			return ""
		}
	}
	if v.File == "" {
		return given
	}
	if filepath.IsAbs(v.File) || strings.Contains(filepath.ToSlash(v.File), "../") {
		l.errorf(src, path+".file", "%q: name the document relative to the program directory", v.File)
		return given
	}
	data, err := os.ReadFile(filepath.Join(src.dir, v.File))
	if err != nil {
		if given == "" {
			l.errorf(src, path+".file", "cannot read %s and no sha256 is given: %v", v.File, errors.Unwrap(err))
		}
		return given
	}
	sum := sha256.Sum256(data)
	got := hex.EncodeToString(sum[:])
	if given != "" && given != got {
		l.errorf(src, path+".sha256", "%s has SHA-256 %s, the program says %s", v.File, got, given)
	}
	return got
}

// cabfFloor reports whether ref is a CA/B Forum section with a floor: a
// deviation may name one, and the model check decides whether the floor
// applies to the control.
func cabfFloor(ref evident.RequirementRef) bool {
	return slices.ContainsFunc(evident.CABFFloors, func(p evident.ProfileFloor) bool { return p.Requirement == ref })
}
