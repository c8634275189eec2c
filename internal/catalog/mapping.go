package catalog

import (
	"fmt"
	"slices"

	"github.com/evidenthq/evident"
)

// Basis says how sure the catalog is that two identifiers of different
// versions name the same requirement.
type Basis string

// Bases of a correspondence, from surest to weakest.
const (
	// Identity: the same requirement in the same version.
	Identity Basis = "identity"
	// Confirmed: a public source states the pair, or a citation shows the
	// same content under both identifiers.
	Confirmed Basis = "confirmed"
	// Inferred: our reading (for example a renumbering shift); may be wrong.
	Inferred Basis = "inferred"
	// SameID: no mapping entry, the identifier is unchanged and no mapping
	// pair uses it for something else. Weakest: ids were reused in the past.
	SameID Basis = "same-id"
)

// Correspondence pairs a requirement of one version with its counterpart
// in another.
type Correspondence struct {
	From  evident.RequirementRef `json:"from"`
	To    evident.RequirementRef `json:"to"`
	Basis Basis                  `json:"basis"`
	Note  string                 `json:"note,omitempty"`
}

// Renumbered reports whether the identifier changed between versions.
func (c Correspondence) Renumbered() bool { return c.From.ID != c.To.ID }

// mapping is a loaded mapping file: pairs from an older to a newer version.
type mapping struct {
	from, to string
	note     string
	pairs    []Correspondence
}

// checkMapping validates a mapping file against the loaded versions: both
// versions exist, every id exists on its side, and no id is paired twice.
func (l *loader) checkMapping(c *Catalog, s *source, f mappingFile) *mapping {
	if f.Standard != string(evident.EN319401) {
		l.problems.add(s.errorf("$.standard", "standard %q: want %s", f.Standard, evident.EN319401))
		return nil
	}
	if f.From == f.To {
		l.problems.add(s.errorf("$.to", "a mapping needs two different versions, both are %q", f.From))
		return nil
	}
	from, err := c.edition(f.From)
	if err != nil {
		l.problems.add(s.errorf("$.from", "%s", message(err)))
		return nil
	}
	to, err := c.edition(f.To)
	if err != nil {
		l.problems.add(s.errorf("$.to", "%s", message(err)))
		return nil
	}
	m := &mapping{from: f.From, to: f.To, note: f.Note}
	usedFrom, usedTo := map[string]bool{}, map[string]bool{}
	for i, p := range f.Pairs {
		where := fmt.Sprintf("%s %s -> %s", s.where(fmt.Sprintf("$.pairs[%d]", i)), p.From, p.To)
		bad := func(format string, args ...any) {
			l.problems.add(evident.ErrorAt(evident.EINVALID, where, format, args...))
		}
		switch {
		case !has(from, p.From):
			bad("%s is not in %s@%s", p.From, evident.EN319401, f.From)
		case !has(to, p.To):
			bad("%s is not in %s@%s", p.To, evident.EN319401, f.To)
		case Basis(p.Basis) != Confirmed && Basis(p.Basis) != Inferred:
			bad("basis %q: want confirmed or inferred", p.Basis)
		case usedFrom[p.From]:
			bad("%s@%s is mapped twice", p.From, f.From)
		case usedTo[p.To]:
			bad("%s@%s is the target of two pairs", p.To, f.To)
		default:
			usedFrom[p.From], usedTo[p.To] = true, true
			m.pairs = append(m.pairs, Correspondence{
				From:  evident.RequirementRef{Standard: evident.EN319401, Version: f.From, ID: evident.RequirementID(p.From)},
				To:    evident.RequirementRef{Standard: evident.EN319401, Version: f.To, ID: evident.RequirementID(p.To)},
				Basis: Basis(p.Basis), Note: p.Note,
			})
		}
	}
	return m
}

func has(e *edition, id string) bool {
	_, ok := e.index[evident.RequirementID(id)]
	return ok
}

// Map finds the counterpart of ref in another version of the standard,
// following the mapping in either direction. When no mapping pair names
// the id, the same id in the target version is taken, marked SameID,
// unless a mapping pair gives that id another meaning (V3.2.1 REQ-7.8-21
// is not V3.1.1 REQ-7.8-21). Without a counterpart the error is ENOTFOUND.
func (c *Catalog) Map(ref evident.RequirementRef, version string) (Correspondence, error) {
	if _, err := c.Lookup(ref); err != nil {
		return Correspondence{}, err
	}
	to, err := c.edition(version)
	if err != nil {
		return Correspondence{}, err
	}
	if ref.Version == version {
		return Correspondence{From: ref, To: ref, Basis: Identity}, nil
	}
	corr, ok := c.counterpart(ref, to)
	if !ok {
		return Correspondence{}, evident.Errorf(evident.ENOTFOUND, "%s has no known counterpart in %s@%s", ref, ref.Standard, version)
	}
	return corr, nil
}

// counterpart looks ref up in the mappings between its version and to.
func (c *Catalog) counterpart(ref evident.RequirementRef, to *edition) (Correspondence, bool) {
	taken := false // the id has another meaning in the mapping
	for _, m := range c.mappings {
		for _, p := range m.pairs {
			switch {
			case p.From == ref && p.To.Version == to.info.Number:
				return p, true
			case p.To == ref && p.From.Version == to.info.Number:
				return Correspondence{From: p.To, To: p.From, Basis: p.Basis, Note: p.Note}, true
			case m.from == ref.Version && m.to == to.info.Number && p.To.ID == ref.ID,
				m.to == ref.Version && m.from == to.info.Number && p.From.ID == ref.ID:
				taken = true
			}
		}
	}
	if _, ok := to.index[ref.ID]; ok && !taken {
		target := ref
		target.Version = to.info.Number
		return Correspondence{From: ref, To: target, Basis: SameID}, true
	}
	return Correspondence{}, false
}

// Diff is what changed between two versions.
type Diff struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Partial is true when either version is incomplete: then Added means
	// "not known in From" and Removed "not known in To", not a change made
	// by the standard.
	Partial    bool                  `json:"partial"`
	Added      []evident.Requirement `json:"added"`      // in To, no counterpart in From
	Removed    []evident.Requirement `json:"removed"`    // in From, no counterpart in To
	Renumbered []Correspondence      `json:"renumbered"` // counterparts whose id changed
	Changed    []Change              `json:"changed"`    // counterparts whose figures or types differ
}

// Change lists how a requirement's figures and types differ between its
// versions. Figures are compared by what they mean (kind, amount, unit,
// event...), not by their wording.
type Change struct {
	Correspondence
	FiguresAdded   []evident.Figure          `json:"figures_added,omitempty"`
	FiguresRemoved []evident.Figure          `json:"figures_removed,omitempty"`
	TypesAdded     []evident.RequirementType `json:"types_added,omitempty"`
	TypesRemoved   []evident.RequirementType `json:"types_removed,omitempty"`
}

// Diff compares two versions, in either direction: which requirements have
// no counterpart, which were renumbered, and whose figures or types changed.
func (c *Catalog) Diff(from, to string) (Diff, error) {
	a, err := c.edition(from)
	if err != nil {
		return Diff{}, err
	}
	b, err := c.edition(to)
	if err != nil {
		return Diff{}, err
	}
	d := Diff{From: from, To: to, Partial: !a.info.Complete || !b.info.Complete}
	matched := map[evident.RequirementID]bool{} // ids of b that have a counterpart
	for _, r := range a.reqs {
		corr, ok := c.counterpart(r.Ref(), b)
		if from == to {
			corr, ok = Correspondence{From: r.Ref(), To: r.Ref(), Basis: Identity}, true
		}
		if !ok {
			d.Removed = append(d.Removed, clone(r))
			continue
		}
		matched[corr.To.ID] = true
		if corr.Renumbered() {
			d.Renumbered = append(d.Renumbered, corr)
		}
		if ch, ok := compare(corr, r, b.reqs[b.index[corr.To.ID]]); ok {
			d.Changed = append(d.Changed, ch)
		}
	}
	for _, r := range b.reqs {
		if !matched[r.ID] {
			d.Added = append(d.Added, clone(r))
		}
	}
	return d, nil
}

// compare reports the figure and type differences between two
// counterparts, and whether there are any.
func compare(corr Correspondence, a, b evident.Requirement) (Change, bool) {
	ch := Change{Correspondence: corr}
	ch.FiguresAdded = missingFigures(b.Figures, a.Figures)
	ch.FiguresRemoved = missingFigures(a.Figures, b.Figures)
	for _, t := range b.Types {
		if !a.Has(t) {
			ch.TypesAdded = append(ch.TypesAdded, t)
		}
	}
	for _, t := range a.Types {
		if !b.Has(t) {
			ch.TypesRemoved = append(ch.TypesRemoved, t)
		}
	}
	changed := len(ch.FiguresAdded)+len(ch.FiguresRemoved)+len(ch.TypesAdded)+len(ch.TypesRemoved) > 0
	return ch, changed
}

// missingFigures returns the figures of xs that mean something ys lacks.
func missingFigures(xs, ys []evident.Figure) []evident.Figure {
	var out []evident.Figure
	for _, x := range xs {
		if !slices.ContainsFunc(ys, func(y evident.Figure) bool { return sameFigure(x, y) }) {
			out = append(out, x)
		}
	}
	return out
}

// sameFigure compares what two figures mean, ignoring their wording
// (Text, Subject), which the catalog rephrases freely.
func sameFigure(x, y evident.Figure) bool {
	x.Text, y.Text, x.Subject, y.Subject, x.Law, y.Law = "", "", "", "", "", ""
	if (x.Window == nil) != (y.Window == nil) || (x.Window != nil && *x.Window != *y.Window) {
		return false
	}
	x.Window, y.Window = nil, nil
	return x == y
}
