package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/evidenthq/evident"
)

// Overlay is a named set of adaptations a regulation makes to a standard
// version, such as the eIDAS implementing acts' "X" requirements. A
// program switches an overlay on when a service falls under the
// regulation; the standard's own entries stay untouched in the catalog.
type Overlay struct {
	Name    string   `json:"name"` // "eidas-ia-2025"
	Title   string   `json:"title"`
	Version string   `json:"version"` // the version the adaptations are written against
	Sources []string `json:"sources,omitempty"`
	Note    string   `json:"note,omitempty"`
	// Act is the legal act the overlay transcribes, as cited:
	// "Implementing Regulation (EU) 2025/1929". Empty for an overlay that
	// gathers several acts.
	Act string `json:"act,omitempty"`
	// AppliesTo says which services the act covers; nil means the
	// overlay is switched on by name only (Program.Overlays).
	AppliesTo *AppliesTo `json:"applies_to,omitempty"`
	// Adaptations in file order.
	Adaptations []Adaptation `json:"adaptations"`
}

// AppliesTo selects the services an act's overlay is for: their
// qualification ("qualified", "non-qualified", or "" for either) and
// their types (none listed: every type).
type AppliesTo struct {
	Qualification evident.Qualification `json:"qualification,omitempty"`
	ServiceTypes  []evident.ServiceType `json:"service_types,omitempty"`
}

// Covers reports whether a service falls under the act. A mixed service
// is provided both ways, so either qualification covers it; a service
// whose qualification is not recorded is covered by every act that fits
// its type, since when in doubt the stricter rules apply.
func (a AppliesTo) Covers(s evident.Service) bool {
	if len(a.ServiceTypes) > 0 && !slices.Contains(a.ServiceTypes, s.Type) {
		return false
	}
	switch {
	case a.Qualification == "", s.Qualification == "", s.Qualification == evident.Mixed:
		return true
	}
	return a.Qualification == s.Qualification
}

// Adaptation changes one requirement: it adds text, adds figures, or makes
// a recommendation mandatory ("should" becomes "shall").
type Adaptation struct {
	Label string `json:"label"` // "REQ-7.8-14X"
	// Article is where in the act the adaptation is written: "Annex,
	// point (9)", "Art. 3(4)". With the overlay's Act it names the law a
	// gap cites.
	Article string                 `json:"article,omitempty"`
	Target  evident.RequirementRef `json:"target"` // the requirement it adapts, with its version
	Shall   bool                   `json:"shall,omitempty"`
	Text    string                 `json:"text"`
	Figures []evident.Figure       `json:"figures,omitempty"`
	Note    string                 `json:"note,omitempty"`
}

// overlayName keeps overlay names usable as command-line values.
var overlayName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`) })

// overlay is a loaded overlay file.
type overlay struct{ Overlay }

// checkOverlay validates an overlay file: a unique name, a known version,
// and every adaptation aimed at an existing requirement and changing
// something.
func (l *loader) checkOverlay(c *Catalog, s *source, f overlayFile) *overlay {
	if !overlayName().MatchString(f.Name) {
		l.problems.add(s.errorf("$.name", "overlay name %q: want lower-case letters, digits and dashes, such as eidas-ia-2025", f.Name))
		return nil
	}
	if f.Standard != string(evident.EN319401) {
		l.problems.add(s.errorf("$.standard", "standard %q: want %s", f.Standard, evident.EN319401))
		return nil
	}
	for _, o := range l.overlays {
		if o.Name == f.Name {
			l.problems.add(s.errorf("$.name", "overlay %q is defined twice", f.Name))
			return nil
		}
	}
	e, err := c.edition(f.Version)
	if err != nil {
		l.problems.add(s.errorf("$.version", "overlay %s: %s", f.Name, message(err)))
		return nil
	}
	o := &overlay{Overlay{Name: f.Name, Title: f.Title, Version: f.Version, Sources: f.Sources, Note: f.Note, Act: f.Act}}
	if f.AppliesTo != nil {
		at, err := appliesTo(*f.AppliesTo)
		if err != nil {
			l.problems.add(s.errorf("$.applies_to", "overlay %s: %s", f.Name, message(err)))
			return nil
		}
		if f.Act == "" {
			l.problems.add(s.errorf("$.act", "overlay %s selects services but names no act", f.Name))
			return nil
		}
		o.AppliesTo = &at
	}
	labels := map[string]bool{}
	for i, a := range f.Adaptations {
		where := s.where(fmt.Sprintf("$.adaptations[%d]", i)) + " " + a.Label
		if labels[a.Label] {
			l.problems.add(evident.ErrorAt(evident.EINVALID, where, "label used twice in overlay %s", f.Name))
			continue
		}
		labels[a.Label] = true
		ad, err := adaptation(c, e, a)
		if err != nil {
			l.problems.add(evident.ErrorAt(evident.EINVALID, where, "%s", message(err)))
			continue
		}
		o.Adaptations = append(o.Adaptations, ad)
	}
	l.overlays = append(l.overlays, o)
	return o
}

// appliesTo checks an applies_to entry against the known qualifications
// and service types.
func appliesTo(e appliesToEntry) (AppliesTo, error) {
	q := evident.Qualification(e.Qualification)
	if q != "" && q != evident.Qualified && q != evident.NonQualified {
		return AppliesTo{}, evident.Errorf(evident.EINVALID, "qualification %q: want qualified, non-qualified or nothing for both", e.Qualification)
	}
	at := AppliesTo{Qualification: q}
	for _, t := range e.ServiceTypes {
		if !slices.Contains(evident.ServiceTypes, evident.ServiceType(t)) {
			return AppliesTo{}, evident.Errorf(evident.EINVALID, "service type %q: want one of %v", t, evident.ServiceTypes)
		}
		at.ServiceTypes = append(at.ServiceTypes, evident.ServiceType(t))
	}
	return at, nil
}

// OverlaysFor returns, for each service, the names of the act overlays
// that cover it, in catalog order. Which acts apply follows from the
// services (qualified or not, and of which type), not from a switch.
func (c *Catalog) OverlaysFor(services []evident.Service) map[string][]string {
	out := map[string][]string{}
	for _, s := range services {
		out[s.ID] = []string{}
		for _, o := range c.overlays {
			if o.AppliesTo != nil && o.AppliesTo.Covers(s) {
				out[s.ID] = append(out[s.ID], o.Name)
			}
		}
	}
	return out
}

// ProgramOverlays is the one answer to "which overlays apply to this
// program": those the program switches on by name, then every act overlay
// that covers one of its services (see OverlaysFor), each once, in
// catalog order. Status, the web and the catalog views all read the
// program's requirements through it.
func (c *Catalog) ProgramOverlays(p evident.Program, services []evident.Service) []string {
	out := append([]string{}, p.Overlays...)
	per := c.OverlaysFor(services)
	for _, o := range c.overlays {
		if slices.Contains(out, o.Name) {
			continue
		}
		for _, s := range services {
			if slices.Contains(per[s.ID], o.Name) {
				out = append(out, o.Name)
				break
			}
		}
	}
	return out
}

// ServiceOverlays is the overlays that apply to one service: those the
// program switches on by name, then every act overlay covering the
// service, in catalog order. An act for qualified time-stamps tightens
// the requirements as they concern that service only, not those of a
// non-qualified service beside it.
func (c *Catalog) ServiceOverlays(p evident.Program, s evident.Service) []string {
	out := append([]string{}, p.Overlays...)
	for _, o := range c.OverlaysFor([]evident.Service{s})[s.ID] {
		if !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}

// ServiceRequirements is the program's version with each service's
// overlays applied, by service id: readiness judges a control scoped to
// services against the requirements as they concern those services.
//
// Services under the same overlays share one slice, built once: a
// program's services mostly differ in few acts, and copying the whole
// catalog per service was 4 % of `evident status` (issue #19). The
// slices are the caller's to read, not to change.
func (c *Catalog) ServiceRequirements(p evident.Program, services []evident.Service) (map[string][]evident.Requirement, error) {
	out := make(map[string][]evident.Requirement, len(services))
	built := map[string][]evident.Requirement{}
	for _, s := range services {
		overlays := c.ServiceOverlays(p, s)
		key := strings.Join(overlays, "\x00")
		reqs, ok := built[key]
		if !ok {
			var err error
			if reqs, err = c.Requirements(p.Version, overlays...); err != nil {
				return nil, fmt.Errorf("service %s: %w", s.ID, err)
			}
			built[key] = reqs
		}
		out[s.ID] = reqs
	}
	return out, nil
}

// adaptation checks one overlay entry against the version it adapts.
func adaptation(c *Catalog, e *edition, a adaptationEntry) (Adaptation, error) {
	if a.Label == "" {
		return Adaptation{}, evident.Errorf(evident.EINVALID, "adaptation has no label")
	}
	ref, err := evident.ParseRequirementRef(a.Target, evident.EN319401, e.info.Number)
	if err != nil {
		return Adaptation{}, err
	}
	if _, err := c.Lookup(ref); err != nil {
		return Adaptation{}, evident.Errorf(evident.EINVALID, "target: %s", message(err))
	}
	if a.Text == "" {
		return Adaptation{}, evident.Errorf(evident.EINVALID, "no text saying what the adaptation changes")
	}
	for k, f := range a.Figures {
		if err := f.Validate(); err != nil {
			return Adaptation{}, evident.Errorf(evident.EINVALID, "figures[%d]: %s", k, message(err))
		}
	}
	return Adaptation{Label: a.Label, Article: a.Article, Target: ref, Shall: a.Shall, Text: a.Text, Figures: a.Figures, Note: a.Note}, nil
}

// Overlays lists the overlays in the catalog.
func (c *Catalog) Overlays() []Overlay {
	out := make([]Overlay, len(c.overlays))
	for i, o := range c.overlays {
		out[i] = o.copy()
	}
	return out
}

// Overlay returns the overlay called name, or ENOTFOUND.
func (c *Catalog) Overlay(name string) (Overlay, error) {
	o, err := c.overlay(name)
	if err != nil {
		return Overlay{}, err
	}
	return o.copy(), nil
}

func (c *Catalog) overlay(name string) (*overlay, error) {
	for _, o := range c.overlays {
		if o.Name == name {
			return o, nil
		}
	}
	var have []string
	for _, o := range c.overlays {
		have = append(have, o.Name)
	}
	return nil, evident.Errorf(evident.ENOTFOUND, "no overlay %q in the catalog (have %v)", name, have)
}

func (o *overlay) copy() Overlay {
	out := o.Overlay
	out.Sources = slices.Clone(o.Sources)
	if o.AppliesTo != nil {
		at := *o.AppliesTo
		at.ServiceTypes = slices.Clone(at.ServiceTypes)
		out.AppliesTo = &at
	}
	out.Adaptations = slices.Clone(o.Adaptations)
	for i := range out.Adaptations {
		out.Adaptations[i].Figures = slices.Clone(out.Adaptations[i].Figures)
	}
	return out
}

// Apply returns the requirements of version with the overlay's adaptations
// applied. An overlay written against another version reaches its targets
// through the version mapping (the V3.1.1 REQ-7.8-18X lands on V3.2.1
// REQ-7.8-19), and the adaptation then says which mapping it went through.
// A target without a counterpart in version is an error: silently dropping
// a regulatory adaptation would be worse than refusing.
func (c *Catalog) Apply(version, name string) ([]evident.Requirement, error) {
	return c.Requirements(version, name)
}

// apply adapts reqs (a copy of e's requirements, in e's order).
func (c *Catalog) apply(name string, e *edition, reqs []evident.Requirement) ([]evident.Requirement, error) {
	o, err := c.overlay(name)
	if err != nil {
		return nil, err
	}
	for _, a := range o.Adaptations {
		corr, err := c.Map(a.Target, e.info.Number)
		if err != nil {
			return nil, evident.Errorf(evident.ENOTFOUND, "overlay %s, %s: %s", o.Name, a.Label, message(err))
		}
		r := &reqs[e.index[corr.To.ID]]
		adapt(r, &o.Overlay, a, corr)
	}
	return reqs, nil
}

// adapt changes one requirement as the adaptation says. Figures the entry
// already has (same meaning) are not added twice, so applying the
// V3.1.1 overlay to V3.2.1, which already carries most figures, adds
// nothing but the adaptation's label and text.
//
// The label names the act and article first when the overlay transcribes
// one act, so every view of the requirement says which law adapted it,
// and then the overlay and, for a target in another version, the mapping
// both ids went through.
func adapt(r *evident.Requirement, o *Overlay, a Adaptation, corr Correspondence) {
	label := a.Label + " (" + o.Name
	if o.Act != "" {
		label = a.Label + " (" + o.Act
		if a.Article != "" {
			label += " " + a.Article
		}
		label += "; overlay " + o.Name
	}
	if corr.Basis != Identity {
		label += fmt.Sprintf(", from %s by %s mapping", corr.From, corr.Basis)
	}
	r.Adaptations = append(r.Adaptations, label+")")
	r.Text += " [" + a.Label + "] " + a.Text
	if a.Shall {
		r.Types = slices.DeleteFunc(r.Types, func(t evident.RequirementType) bool {
			return t == evident.Should || t == evident.May
		})
		if !r.Has(evident.Shall) {
			r.Types = append(r.Types, evident.Shall)
		}
	}
	law := ""
	if o.Act != "" {
		law = strings.TrimSpace(o.Act + " " + a.Article)
	}
	for _, f := range a.Figures {
		i := slices.IndexFunc(r.Figures, func(g evident.Figure) bool { return sameFigure(f, g) })
		if i < 0 {
			f.Law = law
			r.Figures = append(r.Figures, f)
			continue
		}
		if law != "" && !strings.Contains(r.Figures[i].Law, law) {
			r.Figures[i].Law = strings.TrimPrefix(r.Figures[i].Law+"; "+law, "; ")
		}
	}
}

// LegalLink is the first step of a requirement's legal chain: an act's
// adaptation of the requirement, with the article that makes it, the id
// the act cites (V3.1.1 for the 2025 acts) and how it reached the
// requirement, its text and figures, and the program's services the act
// covers. Services is empty for an overlay the program switches on by
// name, which applies to all of them.
type LegalLink struct {
	Overlay  string           `json:"overlay"`
	Act      string           `json:"act,omitempty"`
	Article  string           `json:"article,omitempty"`
	Label    string           `json:"label"`
	Cited    string           `json:"cited"` // the id the act adapts, as it cites it: "EN319401:3.1.1:REQ-7.8-18"
	Mapping  Basis            `json:"mapping"`
	Text     string           `json:"text"`
	Shall    bool             `json:"shall,omitempty"`
	Figures  []evident.Figure `json:"figures,omitempty"`
	Services []string         `json:"services,omitempty"`
}

// LegalChain lists the adaptations that land on ref among the overlays the
// program's services bring (ProgramOverlays), each with the services it
// is for: the "article -> adapted requirement" part of the chain the
// requirement page and the API show before the controls and evidence.
func (c *Catalog) LegalChain(p evident.Program, services []evident.Service, ref evident.RequirementRef) ([]LegalLink, error) {
	per := c.OverlaysFor(services)
	out := []LegalLink{}
	for _, name := range c.ProgramOverlays(p, services) {
		o, err := c.overlay(name)
		if err != nil {
			return nil, err
		}
		var covered []string
		if !slices.Contains(p.Overlays, name) {
			for _, s := range services {
				if slices.Contains(per[s.ID], name) {
					covered = append(covered, s.ID)
				}
			}
		}
		for _, a := range o.Adaptations {
			corr, err := c.Map(a.Target, ref.Version)
			if err != nil || corr.To != ref {
				continue
			}
			out = append(out, LegalLink{Overlay: o.Name, Act: o.Act, Article: a.Article, Label: a.Label, Cited: a.Target.String(),
				Mapping: corr.Basis, Text: a.Text, Shall: a.Shall, Figures: slices.Clone(a.Figures), Services: covered})
		}
	}
	return out, nil
}
