package catalog

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/evidenthq/evident"
)

// loader reads catalog files one by one and then checks them against each
// other. Files come in any order: mappings and overlays are resolved only
// once every version is known.
type loader struct {
	problems errs
	versions []*edition
	mappings []*mapping
	overlays []*overlay
	// Kept to locate cross-file errors (a mapping naming an unknown id).
	mappingSrc []*source
	mappingRaw []mappingFile
	overlaySrc []*source
	overlayRaw []overlayFile
	spaceSrc   []*source
	spaceRaw   []idSpaceFile
}

func (l *loader) read(s *source) {
	kind, err := s.kind()
	if err != nil {
		l.problems.add(err)
		return
	}
	switch kind {
	case kindVersion:
		var f versionFile
		if err := s.decode(&f); err != nil {
			l.problems.add(err)
			return
		}
		l.addVersion(s, f)
	case kindMapping:
		var f mappingFile
		if err := s.decode(&f); err != nil {
			l.problems.add(err)
			return
		}
		l.mappingSrc, l.mappingRaw = append(l.mappingSrc, s), append(l.mappingRaw, f)
	case kindOverlay:
		var f overlayFile
		if err := s.decode(&f); err != nil {
			l.problems.add(err)
			return
		}
		l.overlaySrc, l.overlayRaw = append(l.overlaySrc, s), append(l.overlayRaw, f)
	case kindIDSpace:
		var f idSpaceFile
		if err := s.decode(&f); err != nil {
			l.problems.add(err)
			return
		}
		l.spaceSrc, l.spaceRaw = append(l.spaceSrc, s), append(l.spaceRaw, f)
	default:
		l.problems.add(s.errorf("$.kind", "unknown kind %q: want version, mapping, overlay or idspace", kind))
	}
}

// finish resolves mappings and overlays and returns the catalog, or every
// problem found.
func (l *loader) finish() (*Catalog, error) {
	slices.SortFunc(l.versions, func(a, b *edition) int { return compareVersions(a.info.Number, b.info.Number) })
	c := &Catalog{versions: l.versions}
	for i, s := range l.mappingSrc {
		if m := l.checkMapping(c, s, l.mappingRaw[i]); m != nil {
			c.mappings = append(c.mappings, m)
		}
	}
	for i, s := range l.overlaySrc {
		if o := l.checkOverlay(c, s, l.overlayRaw[i]); o != nil {
			c.overlays = append(c.overlays, o)
		}
	}
	for i, s := range l.spaceSrc {
		if sp := l.checkIDSpace(c, s, l.spaceRaw[i]); sp != nil {
			c.spaces = append(c.spaces, sp)
		}
	}
	if len(c.versions) == 0 && len(l.problems) == 0 {
		l.problems.add(evident.Errorf(evident.EINVALID, "catalog has no version file"))
	}
	if err := l.problems.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// addVersion checks a version file entry by entry and keeps it if the file
// header is sound. Entry errors are collected, not fatal, so one load
// reports every bad entry.
func (l *loader) addVersion(s *source, f versionFile) {
	if f.Standard != string(evident.EN319401) {
		l.problems.add(s.errorf("$.standard", "standard %q: want %s", f.Standard, evident.EN319401))
		return
	}
	if !isVersion(f.Version) {
		l.problems.add(s.errorf("$.version", "version %q: want a dotted number such as 3.2.1", f.Version))
		return
	}
	for _, e := range l.versions {
		if e.info.Number == f.Version {
			l.problems.add(s.errorf("$.version", "version %s is defined twice", f.Version))
			return
		}
	}
	e := &edition{
		info: Version{
			Standard: evident.EN319401, Number: f.Version, Title: f.Title,
			Published: f.Published, Complete: f.Complete, Note: f.Note,
		},
		index: map[evident.RequirementID]int{},
	}
	seen := map[string]bool{}
	prev := ""
	for i, cl := range f.Clauses {
		p := fmt.Sprintf("$.clauses[%d]", i)
		if !isVersion(cl.Clause) {
			l.problems.add(s.errorf(p, "clause %q: want a dotted number such as 7.9.2", cl.Clause))
			continue
		}
		if seen[cl.Clause] {
			l.problems.add(s.errorf(p, "clause %s is listed twice", cl.Clause))
			continue
		}
		seen[cl.Clause] = true
		if strings.TrimSpace(cl.Title) == "" {
			l.problems.add(s.errorf(p, "clause %s has no title", cl.Clause))
		}
		// Catalog order is the standard's order; a clause out of place is
		// almost always an entry pasted into the wrong spot.
		if prev != "" && compareVersions(prev, cl.Clause) > 0 {
			l.problems.add(s.errorf(p, "clause %s comes after clause %s: keep the standard's order", cl.Clause, prev))
		}
		prev = cl.Clause
		lastSerial := ""
		e.clauses = append(e.clauses, Clause{Number: cl.Clause, Title: cl.Title, Note: cl.Note, Requirements: len(cl.Requirements)})
		for j, re := range cl.Requirements {
			rp := fmt.Sprintf("%s.requirements[%d]", p, j)
			r, err := requirement(f, cl, re)
			if err != nil {
				l.problems.add(evident.ErrorAt(evident.EINVALID, s.where(rp)+" "+entryName(re.ID, j), "%s", message(err)))
				continue
			}
			if k, dup := e.index[r.ID]; dup {
				l.problems.add(evident.ErrorAt(evident.EINVALID, s.where(rp)+" "+re.ID, "id is used twice in version %s (first in clause %s)", f.Version, e.reqs[k].Clause))
				continue
			}
			if _, _, serial, _ := r.ID.Parts(); serial <= lastSerial {
				l.problems.add(evident.ErrorAt(evident.EINVALID, s.where(rp)+" "+re.ID, "serial %s comes after %s: keep the standard's order", serial, lastSerial))
			} else {
				lastSerial = serial
			}
			e.index[r.ID] = len(e.reqs)
			e.reqs = append(e.reqs, r)
		}
	}
	e.info.Requirements = len(e.reqs)
	l.versions = append(l.versions, e)
}

// entryName names an entry in messages even when its id is missing.
func entryName(id string, i int) string {
	if id == "" {
		return fmt.Sprintf("requirements[%d]", i)
	}
	return id
}

// requirement builds one catalog entry and checks that its id, clause,
// types and figures agree with each other.
func requirement(f versionFile, cl clauseEntry, re requirementEntry) (evident.Requirement, error) {
	id := evident.RequirementID(re.ID)
	prefix, clause, _, err := id.Parts()
	if err != nil {
		return evident.Requirement{}, err
	}
	if clause != cl.Clause {
		return evident.Requirement{}, evident.Errorf(evident.EINVALID, "id belongs to clause %s but is listed under clause %s", clause, cl.Clause)
	}
	if prefix != "REQ" && prefix != "PRO" {
		return evident.Requirement{}, evident.Errorf(evident.EINVALID, "prefix %q: want REQ or PRO", prefix)
	}
	types, err := parseTypes(re.Types)
	if err != nil {
		return evident.Requirement{}, err
	}
	if isPro := slices.Contains(types, evident.Proportion); isPro != (prefix == "PRO") {
		return evident.Requirement{}, evident.Errorf(evident.EINVALID, "prefix %s does not agree with types %v: PRO- ids, and only they, carry type pro", prefix, re.Types)
	}
	if strings.TrimSpace(re.Text) == "" {
		return evident.Requirement{}, evident.Errorf(evident.EINVALID, "no text")
	}
	for k, fig := range re.Figures {
		if err := fig.Validate(); err != nil {
			return evident.Requirement{}, evident.Errorf(evident.EINVALID, "figures[%d]: %s", k, message(err))
		}
	}
	confirmed := f.Confirmed
	if re.Confirmed != nil {
		confirmed = *re.Confirmed
	}
	return evident.Requirement{
		Standard: evident.EN319401, Version: f.Version, ID: id,
		Clause: cl.Clause, ClauseTitle: cl.Title, Text: re.Text,
		Types: types, Figures: re.Figures, Note: re.Note, Confirmed: confirmed,
	}, nil
}

// parseTypes reads the types list: known names, no repeats, and at least
// one modal verb, since every requirement says shall, should or may.
func parseTypes(in []string) ([]evident.RequirementType, error) {
	if len(in) == 0 {
		return nil, evident.Errorf(evident.EINVALID, "no types")
	}
	var out []evident.RequirementType
	modal := false
	for _, s := range in {
		t, err := evident.ParseRequirementType(s)
		if err != nil {
			return nil, err
		}
		if slices.Contains(out, t) {
			return nil, evident.Errorf(evident.EINVALID, "type %s listed twice", t)
		}
		modal = modal || t == evident.Shall || t == evident.Should || t == evident.May
		out = append(out, t)
	}
	if !modal {
		return nil, evident.Errorf(evident.EINVALID, "types %v name no modal verb: want shall, should or may among them", in)
	}
	return out, nil
}

// isVersion reports whether s is a dotted number such as "3.2.1" or "5".
func isVersion(s string) bool {
	if s == "" {
		return false
	}
	for _, p := range strings.Split(s, ".") {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// message is the text of err without any location, for re-raising it at
// the place in the file where it belongs.
func message(err error) string {
	var e *evident.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
