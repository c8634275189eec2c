package pack

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/readiness"
)

// Index is index.json, and what index.html and index.xlsx show: the chain
// requirement -> control narrative -> verification method -> evidence,
// with the period's coverage, exceptions, open findings, incidents with
// their clocks and the statement of applicability. It is derived from the
// program and the ledger at export; its SHA-256 is in the signed manifest.
type Index struct {
	Pack         string              `json:"pack"`
	Program      Program             `json:"program"`
	Scope        Scope               `json:"scope"`
	Period       Period              `json:"period"`
	GeneratedAt  time.Time           `json:"generated_at"`
	Summary      Summary             `json:"summary"`
	Requirements []RequirementRow    `json:"requirements"`
	Controls     []ControlRow        `json:"controls"`
	Exceptions   []evident.Exception `json:"exceptions"`
	Findings     []Finding           `json:"findings"`
	Incidents    []IncidentRow       `json:"incidents"`
	Gaps         []readiness.Gap     `json:"program_gaps"`
	// Law is the legal layer that applied: each overlay the program's
	// in-scope services brought, its act, the standard version it is
	// written against, the digest of its data, the services it covered
	// and its adaptations with their articles. Absent from packs written
	// before it was added.
	Law []LawRow `json:"law,omitempty"`
}

// LawRow is one overlay as it applied to the pack's services.
type LawRow struct {
	Overlay string `json:"overlay"`
	Title   string `json:"title"`
	Act     string `json:"act,omitempty"`
	// Version is the EN 319 401 version the act's ids are written against.
	Version string `json:"version"`
	// SHA256 is the digest of the overlay's data as applied, so two packs
	// can tell whether the same transcription of the act applied.
	SHA256      string               `json:"sha256"`
	Services    []string             `json:"services"`
	Adaptations []catalog.Adaptation `json:"adaptations"`
}

// Summary is the first thing an assessor reads.
type Summary struct {
	Requirements  int `json:"requirements"`
	Applicable    int `json:"applicable"`
	NotApplicable int `json:"not_applicable"`
	Unaddressed   int `json:"unaddressed"`
	Controls      int `json:"controls"`
	Evidence      int `json:"evidence"`
	Records       int `json:"records"`
	Windows       int `json:"windows"`
	Satisfied     int `json:"satisfied"`
	GapWindows    int `json:"gap_windows"`
	Findings      int `json:"open_findings"`
	Incidents     int `json:"incidents"`
	// Readiness is the program's readiness over the pack's period, as
	// `evident status --from --to`, GET /api/v1/readiness and the
	// dashboard compute it: the score and the count of requirements in
	// each state.
	Readiness evident.Tally `json:"readiness"`
}

// RequirementRow is one line of the statement of applicability with the
// controls meeting it.
type RequirementRow struct {
	Ref             string   `json:"requirement"`
	Clause          string   `json:"clause"`
	ClauseTitle     string   `json:"clause_title"`
	Text            string   `json:"text"`
	Applicable      bool     `json:"applicable"`
	Justification   string   `json:"justification,omitempty"`
	Proportionality string   `json:"proportionality,omitempty"`
	Controls        []string `json:"controls"`
	// State is "covered" (every window of every control evidenced or
	// excepted), "open" (no gap, but windows still due), "gaps", "no
	// control", "not applicable" or "unjustified".
	State string `json:"state"`
	// Readiness is the requirement's readiness over the pack's period
	// (verified, implemented, planned, failing, not-addressed or
	// not-applicable), from the one readiness function.
	Readiness evident.Readiness `json:"readiness"`
}

// ControlRow is a control with its method, coverage and evidence.
type ControlRow struct {
	ID           string                     `json:"id"`
	Title        string                     `json:"title"`
	Narrative    string                     `json:"narrative,omitempty"`
	Owner        string                     `json:"owner,omitempty"`
	Requirements []string                   `json:"requirements"`
	Services     []string                   `json:"services,omitempty"`
	Method       evident.VerificationMethod `json:"method"`
	Criteria     []string                   `json:"criteria,omitempty"`
	Cadence      string                     `json:"cadence"`
	Coverage     evident.Coverage           `json:"coverage"`
	Windows      []Window                   `json:"windows"`
	Evidence     []EvidenceRef              `json:"evidence"`
}

// EvidenceRef is an evidence item as the index lists it.
type EvidenceRef struct {
	Index     int64     `json:"index"`
	ID        string    `json:"id"`
	Path      string    `json:"path"`
	SHA256    string    `json:"sha256"`
	Filename  string    `json:"filename,omitempty"`
	Effective string    `json:"effective"`
	Received  time.Time `json:"received"`
	Actor     string    `json:"actor"`
	Verdict   string    `json:"verdict,omitempty"`
	// Acceptance says who accepted a reviewed item, when, for which
	// systems and what was checked; empty for tool output.
	Acceptance string `json:"acceptance,omitempty"`
}

// Finding is failing evidence of the period not followed by passing
// evidence for the same control: an open nonconformity.
type Finding struct {
	Control   string `json:"control"`
	Evidence  string `json:"evidence"`
	Index     int64  `json:"index"`
	Path      string `json:"path"`
	Effective string `json:"effective"`
	Detail    string `json:"detail,omitempty"`
}

// IncidentRow is an incident of the period with its clocks.
type IncidentRow struct {
	ID          string          `json:"id"`
	Kind        string          `json:"kind"`
	Title       string          `json:"title"`
	Severity    string          `json:"severity,omitempty"`
	Significant bool            `json:"significant"`
	AwareAt     time.Time       `json:"aware_at"`
	ClosedAt    time.Time       `json:"closed_at,omitzero"`
	Services    []string        `json:"services"`
	Clocks      []evident.Clock `json:"clocks"`
}

// judged is what the index takes from readiness: the program's gaps at
// the instant, its readiness over the period and the exceptions. It is
// taken while the controls' histories are read a few at a time
// (exporter.judge), none of which is kept.
type judged struct {
	gaps       []readiness.Gap
	scored     bool
	score      evident.Tally
	ready      map[string]evident.Readiness
	exceptions []evident.Exception
}

// buildIndex derives the index from what the export collected. The
// controls' evidence references stay in the spool (ControlRow.Evidence is
// nil): the derived files read them per control as they are written. One
// pass over each control's references here judges its open findings and
// notes its latest result for the requirements register.
func buildIndex(e *exporter, j judged, reqs []evident.Requirement, incidents []evident.Incident) (*Index, error) {
	m := e.model
	ix := &Index{Pack: e.man.ID, Program: e.man.Program, Scope: e.man.Scope, Period: e.man.Period, GeneratedAt: e.man.CreatedAt,
		Requirements: []RequirementRow{}, Controls: []ControlRow{}, Exceptions: []evident.Exception{},
		Findings: []Finding{}, Incidents: []IncidentRow{}, Gaps: j.gaps}
	e.refs.accepted = map[string]string{}
	for _, a := range e.man.Acceptances {
		e.refs.accepted[a.Evidence] = acceptanceText(a)
	}
	e.latest = map[string]string{}
	gapControls := map[string]bool{}
	openControls := map[string]bool{}
	for _, cv := range e.man.Coverage {
		c := m.ControlByID(cv.Control)
		row := ControlRow{ID: c.ID, Title: c.Title, Narrative: c.Narrative, Owner: c.Owner, Requirements: []string{},
			Services: c.Services, Method: c.Method, Cadence: cv.Cadence, Windows: cv.Windows}
		for _, r := range c.Requirements {
			row.Requirements = append(row.Requirements, r.String())
		}
		for _, k := range c.Method.Criteria {
			row.Criteria = append(row.Criteria, k.String())
		}
		var ps []evident.Period
		for _, w := range cv.Windows {
			ps = append(ps, evident.Period{Window: evident.Window{Start: w.Start, End: w.End}, State: w.State})
			ix.Summary.Windows++
			switch w.State {
			case evident.PeriodSatisfied:
				ix.Summary.Satisfied++
			case evident.PeriodMissed, evident.PeriodOverdue, evident.PeriodFailing:
				ix.Summary.GapWindows++
				gapControls[c.ID] = true
			case evident.PeriodDue, evident.PeriodUpcoming:
				openControls[c.ID] = true
			}
		}
		row.Coverage = evident.Cover(ps, e.opt.From, e.opt.To)
		ix.Controls = append(ix.Controls, row)
		latest, fs, err := e.refs.judge(readiness.ScheduleFor(*c, e.opt.From), c.ID)
		if err != nil {
			return nil, err
		}
		e.latest[c.ID] = latest
		ix.Findings = append(ix.Findings, fs...)
	}
	inScope := map[string]bool{}
	for _, cv := range e.man.Coverage {
		inScope[cv.Control] = true
	}
	ready := j.ready
	if j.scored {
		ix.Summary.Readiness = j.score
	}
	for _, s := range m.Statement(reqs) {
		row := RequirementRow{Ref: s.Requirement.Ref().String(), Clause: s.Requirement.Clause, ClauseTitle: s.Requirement.ClauseTitle,
			Text: s.Requirement.Text, Applicable: s.Applicable, Justification: s.Justification,
			Proportionality: s.Proportionality, Controls: []string{}}
		for _, c := range s.Controls {
			if inScope[c] {
				row.Controls = append(row.Controls, c)
			}
		}
		row.State = requirementState(s, row.Controls, gapControls, openControls)
		row.Readiness = ready[row.Ref]
		ix.Requirements = append(ix.Requirements, row)
		ix.Summary.Requirements++
		switch {
		case !s.Applicable:
			ix.Summary.NotApplicable++
		default:
			ix.Summary.Applicable++
		}
		if !s.Addressed() {
			ix.Summary.Unaddressed++
		}
	}
	for _, x := range j.exceptions {
		if inScope[x.Control] && x.From.Before(e.opt.To) && x.Expires.After(e.opt.From) {
			ix.Exceptions = append(ix.Exceptions, x)
		}
	}
	ix.Incidents = e.incidents(incidents)
	ix.Summary.Evidence = e.counts.Evidence
	ix.Summary.Records = e.counts.Records
	ix.Law = e.law()
	ix.Summary.Controls = len(ix.Controls)
	ix.Summary.Findings = len(ix.Findings)
	ix.Summary.Incidents = len(ix.Incidents)
	return ix, nil
}

// law lists the overlays that applied to the pack's services: those the
// program names (for every service) and the acts covering a service in
// scope.
func (e *exporter) law() []LawRow {
	p := e.model.Program
	var scoped []evident.Service
	for _, s := range e.model.Services {
		if e.scope == nil || e.scope[s.ID] {
			scoped = append(scoped, s)
		}
	}
	per := e.src.Catalog.OverlaysFor(scoped)
	out := []LawRow{}
	for _, name := range e.src.Catalog.ProgramOverlays(p, scoped) {
		o, err := e.src.Catalog.Overlay(name)
		if err != nil {
			continue
		}
		raw, _ := json.Marshal(o)
		sum := sha256.Sum256(raw)
		row := LawRow{Overlay: o.Name, Title: o.Title, Act: o.Act, Version: o.Version, SHA256: hex.EncodeToString(sum[:]),
			Services: []string{}, Adaptations: o.Adaptations}
		for _, s := range scoped {
			if slices.Contains(p.Overlays, name) || slices.Contains(per[s.ID], name) {
				row.Services = append(row.Services, s.ID)
			}
		}
		out = append(out, row)
	}
	return out
}

func requirementState(s evident.Statement, controls []string, gaps, open map[string]bool) string {
	switch {
	case !s.Applicable && s.Addressed():
		return "not applicable"
	case !s.Applicable:
		return "unjustified"
	case len(controls) == 0:
		return "no control"
	}
	state := "covered"
	for _, c := range controls {
		if gaps[c] {
			return "gaps"
		}
		if open[c] {
			state = "open"
		}
	}
	return state
}

// judge reads control c's references once: the description of its
// latest result (latestResult) and its open findings, the failing
// evidence that no later passing evidence (by effective time, ties in
// ledger order) answers for every part it failed on, judged as the
// control's windows are (sch).
//
// Only the failures are held, with the distinct parts the passing items
// after each speak for: whether later evidence answers a failure depends
// on which parts passing items speak for, not on how many there are, so
// a control's thousands of passes cost as much as a few.
func (s *refSpool) judge(sch evident.Schedule, c string) (string, []Finding, error) {
	var fails []failedRef
	if ch := s.ctl[c]; ch != nil {
		fails = slices.Clone(ch.failed)
	}
	slices.SortStableFunc(fails, func(a, b failedRef) int {
		return compareOcc(a.occ.Effective, a.ref.Index, b.occ.Effective, b.ref.Index)
	})
	// after[j] holds the parts of passing items later than failure j and
	// earlier than failure j+1.
	after := make([]map[string]evident.Occurrence, len(fails))
	seen := map[string]evident.Occurrence{}
	var latest EvidenceRef
	n := 0
	err := s.each(c, func(r *spooledRef) error {
		if n == 0 || !r.Received.Before(latest.Received) {
			latest = r.EvidenceRef
		}
		n++
		if len(fails) == 0 {
			return nil
		}
		key := r.Verdict + "\x00" + string(r.occ)
		o, ok := seen[key]
		if !ok {
			o = evident.Occurrence{Verdict: evident.Verdict(r.Verdict), Failed: r.Verdict == string(evident.VerdictFail)}
			if len(r.occ) > 0 {
				var p occParts
				if err := json.Unmarshal(r.occ, &p); err != nil {
					return errSpool
				}
				o.Systems, o.Hosts = p.Systems, p.Hosts
			}
			seen[key] = o
		}
		if !sch.Passes(o) {
			return nil
		}
		p := sort.Search(len(fails), func(i int) bool {
			return compareOcc(fails[i].occ.Effective, fails[i].ref.Index, r.occEffective, r.Index) >= 0
		})
		if p == 0 {
			return nil
		}
		if after[p-1] == nil {
			after[p-1] = map[string]evident.Occurrence{}
		}
		after[p-1][key] = o
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	res := "no evidence in the period"
	if n > 0 {
		res = latestResult(latest)
	}
	open := make([]bool, len(fails))
	var later []evident.Occurrence
	have := map[string]bool{}
	for j := len(fails) - 1; j >= 0; j-- {
		for _, k := range slices.Sorted(mapsKeys(after[j])) {
			if !have[k] {
				have[k] = true
				later = append(later, after[j][k])
			}
		}
		open[j] = !sch.Answers(fails[j].occ, later)
	}
	var out []Finding
	for j, f := range fails {
		if open[j] {
			out = append(out, Finding{Control: c, Evidence: f.ref.ID, Index: f.ref.Index, Path: f.ref.Path,
				Effective: f.ref.Effective, Detail: string(f.detail)})
		}
	}
	return res, out, nil
}

// compareOcc orders evidence by effective time, ties in ledger order.
func compareOcc(at time.Time, i int64, bt time.Time, j int64) int {
	if c := at.Compare(bt); c != 0 {
		return c
	}
	return cmp.Compare(i, j)
}

// incidents keeps the incidents of the period (aware before it ended, not
// closed before it started) that concern the scope, with their clocks as
// of the export.
func (e *exporter) incidents(all []evident.Incident) []IncidentRow {
	out := []IncidentRow{}
	for _, inc := range all {
		if !inc.AwareAt.Before(e.opt.To) || (!inc.ClosedAt.IsZero() && inc.ClosedAt.Before(e.opt.From)) {
			continue
		}
		if e.scope != nil && len(inc.Services) > 0 && !slices.ContainsFunc(inc.Services, func(s string) bool { return e.scope[s] }) {
			continue
		}
		sig, _ := inc.Significance()
		row := IncidentRow{ID: inc.ID, Kind: string(inc.Kind), Title: inc.Title, Severity: string(inc.Severity()),
			Significant: sig, AwareAt: inc.AwareAt, ClosedAt: inc.ClosedAt, Services: inc.Services, Clocks: inc.Clocks(e.opt.Now)}
		if row.Services == nil {
			row.Services = []string{}
		}
		out = append(out, row)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AwareAt.Before(out[j].AwareAt) })
	return out
}
