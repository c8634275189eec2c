package pack

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// The registers of a version 3 pack: what an assessor asks for first,
// beside the evidence. Each is a derived file whose SHA-256 the signed
// manifest holds, so an edited register fails pack verify by name.
const (
	PoliciesJSON     = "registers/policies.json"
	ScopeJSON        = "registers/scope.json"
	RisksJSON        = "registers/risks.json"
	SoAJSON          = "registers/soa.json"
	IncidentsJSON    = "registers/incidents.json"
	ChangesJSON      = "registers/changes.json"
	RequirementsJSON = "registers/requirements.json"
	FindingsJSON     = "registers/findings.json"
	ReportHTML       = "report.html"
)

// registerFiles are the files every version 3 pack carries (the
// findings register only once an assessment has findings).
var registerFiles = []string{PoliciesJSON, ScopeJSON, RisksJSON, SoAJSON, IncidentsJSON, ChangesJSON, RequirementsJSON, ReportHTML}

// Registers is what the register files and report.html are rendered
// from: the program as it stood at export, narrowed to the pack's
// period and service scope.
type Registers struct {
	Policies     []PolicyEntry      `json:"policies"`
	Scope        ScopeRegister      `json:"scope"`
	Risks        RiskRegister       `json:"risks"`
	Changes      []evident.Change   `json:"changes"`
	Requirements []RequirementTrace `json:"requirements"`
	// Assessment is the engagement and its findings, nil until the
	// exporter is given them (Options.Assessment).
	Assessment *AssessmentRegister `json:"assessment,omitempty"`
}

// PolicyEntry is one policy of the stack with every version.
type PolicyEntry struct {
	ID       string         `json:"id"`
	Title    string         `json:"title"`
	Kind     string         `json:"kind"`
	Owner    string         `json:"owner,omitempty"`
	Versions []PolicyRecord `json:"versions"`
}

// PolicyRecord is a policy version with its document and approval. State
// is the approval state at the document's digest (approved, rejected or
// pending): only an approval act binding the digest approves; Claim is
// what the program file says, shown, never trusted.
type PolicyRecord struct {
	Version  string    `json:"version"`
	SHA256   string    `json:"sha256,omitempty"`
	Date     time.Time `json:"date,omitzero"`
	Summary  string    `json:"summary,omitempty"`
	Document string    `json:"document,omitempty"` // the blob's path in the pack; empty when the store has no copy
	State    string    `json:"state"`
	Decision *ActRef   `json:"decision,omitempty"`
	Claim    string    `json:"claim,omitempty"`
}

// ActRef is an approval or rejection act carried in the pack as a leaf.
type ActRef struct {
	Act   string    `json:"act"`
	Index int64     `json:"index"`
	Verb  string    `json:"verb"`
	Actor string    `json:"actor"`
	At    time.Time `json:"at"`
}

// ScopeRegister is the program's scope: services (qualified or not),
// systems, network zones and suppliers with their agreements.
type ScopeRegister struct {
	Services  []evident.Service  `json:"services"`
	Systems   []evident.System   `json:"systems"`
	Zones     []evident.Zone     `json:"zones"`
	Suppliers []evident.Supplier `json:"suppliers"`
}

// RiskRegister is the risk register with treatments and acceptances.
type RiskRegister struct {
	Appetite int         `json:"appetite,omitempty"`
	Risks    []RiskEntry `json:"risks"`
}

// RiskEntry is a risk with its scores, treatments and acceptances.
type RiskEntry struct {
	evident.Risk
	Inherent    int              `json:"inherent"`
	Residual    int              `json:"residual"`
	Treatments  []ApprovedRecord `json:"treatments"`
	Acceptances []ApprovedRecord `json:"acceptances"`
}

// ApprovedRecord is a treatment or acceptance with its approval state.
type ApprovedRecord struct {
	ID       string  `json:"id"`
	Text     string  `json:"text"`
	State    string  `json:"state"`
	Decision *ActRef `json:"decision,omitempty"`
}

// RequirementTrace is one line of the per-requirement index: requirement
// -> control narrative -> verification method -> evidence -> latest
// result.
type RequirementTrace struct {
	Ref         string            `json:"requirement"`
	Clause      string            `json:"clause"`
	ClauseTitle string            `json:"clause_title"`
	Text        string            `json:"text"`
	Applicable  bool              `json:"applicable"`
	Readiness   evident.Readiness `json:"readiness"`
	Controls    []ControlTrace    `json:"controls"`
}

// ControlTrace is a control as a requirement's trace shows it.
type ControlTrace struct {
	ID        string   `json:"id"`
	Narrative string   `json:"narrative,omitempty"`
	Method    string   `json:"method"`
	Criteria  []string `json:"criteria,omitempty"`
	Cadence   string   `json:"cadence"`
	Evidence  []string `json:"evidence"` // blob paths in the pack
	// Latest is the control's last window of the period and its state,
	// and the latest evidence counted or filed for it.
	LatestWindow string `json:"latest_window,omitempty"`
	LatestState  string `json:"latest_state,omitempty"`
	LatestResult string `json:"latest_result,omitempty"`
}

// AssessmentRegister is the engagement and its findings. The exporter
// takes them as plain values so that the findings model can be wired in
// without changing the pack format.
type AssessmentRegister struct {
	Engagement *Engagement         `json:"engagement,omitempty"`
	Findings   []AssessmentFinding `json:"findings"`
}

// Engagement is a conformity assessment: its kind, body, lead assessor
// and period.
type Engagement struct {
	ID           string    `json:"id"`
	Kind         string    `json:"kind"`
	Body         string    `json:"body"`
	LeadAssessor string    `json:"lead_assessor"`
	From         time.Time `json:"from"`
	To           time.Time `json:"to"`
	Services     []string  `json:"services,omitempty"`
}

// AssessmentFinding is a nonconformity (major, minor) or observation.
type AssessmentFinding struct {
	ID string `json:"id"`
	// Ref is the body's own number for the finding ("NC-1").
	Ref          string    `json:"ref,omitempty"`
	Kind         string    `json:"kind"`
	Requirements []string  `json:"requirements"`
	Text         string    `json:"text"`
	Due          time.Time `json:"due,omitzero"`
	Status       string    `json:"status"`
}

// withAssessment adds the findings register for an engagement. It is the
// one place findings enter the pack: export passes Options.Assessment.
func (r *Registers) withAssessment(e *Engagement, fs []AssessmentFinding) {
	if e == nil && len(fs) == 0 {
		return
	}
	r.Assessment = &AssessmentRegister{Engagement: e, Findings: append([]AssessmentFinding{}, fs...)}
}

// assessmentFacts reads, in the export's snapshot, the engagements whose
// period overlaps the pack's and their findings as they stood at Now: the
// latest engagement is the register's, the findings are all of theirs.
func (e *exporter) assessmentFacts(ctx context.Context, tx *sqlstore.Tx) error {
	es, err := tx.Engagements(ctx, e.opt.Now)
	if err != nil {
		return err
	}
	fs, err := tx.Findings(ctx, e.opt.Now)
	if err != nil {
		return err
	}
	in := map[string]bool{}
	for _, g := range es { // newest period first
		if !g.From.Before(e.opt.To) || !e.opt.From.Before(g.To) {
			continue
		}
		in[g.ID] = true
		if e.opt.Engagement == nil {
			e.opt.Engagement = &Engagement{ID: g.ID, Kind: string(g.Kind), Body: g.CAB, LeadAssessor: g.Lead, From: g.From, To: g.To, Services: g.Services}
		}
	}
	for _, f := range fs {
		if !in[f.Engagement] {
			continue
		}
		reqs := make([]string, len(f.Requirements))
		for i, r := range f.Requirements {
			reqs[i] = r.String()
		}
		e.opt.Findings = append(e.opt.Findings, AssessmentFinding{ID: f.ID, Ref: f.Ref, Kind: string(f.Kind), Requirements: reqs,
			Text: f.Text, Due: f.Due, Status: string(f.StateAt(e.opt.Now))})
	}
	return nil
}

// approvalFacts reads, in the export's snapshot, the approval acts about
// the program's approvable objects and the changes recorded by Now, and
// adds each deciding act's leaf (with its proof) to the pack.
func (e *exporter) approvalFacts(ctx context.Context, tx *sqlstore.Tx, pr *prover) error {
	exs, err := tx.Exceptions(ctx, e.opt.Now)
	if err != nil {
		return err
	}
	e.approvables = e.model.Approvables(exs)
	if e.approvals, err = tx.ApprovalActs(ctx, e.model, exs, e.opt.Now); err != nil {
		return err
	}
	if e.changes, err = tx.Changes(ctx, e.opt.Now); err != nil {
		return err
	}
	if e.opt.Engagement == nil && e.opt.Findings == nil {
		if err := e.assessmentFacts(ctx, tx); err != nil {
			return err
		}
	}
	for _, subject := range slices.Sorted(mapsKeys(e.approvals)) {
		for _, a := range e.approvals[subject] {
			if a.LedgerIndex >= pr.final.Size || (a.Verb != evident.ActApprove && a.Verb != evident.ActReject) {
				continue
			}
			if err := e.addAct(tx, pr, a, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// documents adds each policy version's document the blob store holds.
// A document the store lacks is named in the register without a path:
// the assessor sees the approval cannot be checked against its bytes.
func (e *exporter) documents(ctx context.Context) error {
	e.man.Documents = []Document{}
	for _, p := range e.model.Policies {
		for _, v := range p.Versions {
			d, err := evident.ParseDigest(v.SHA256)
			if err != nil {
				continue
			}
			size, err := e.src.Ledger.Blobs().Stat(ctx, d)
			if err != nil && evident.ErrorCode(err) == evident.ENOTFOUND {
				continue
			}
			if err != nil {
				return err
			}
			if err := e.blobs.add(d, size); err != nil {
				return err
			}
			e.man.Documents = append(e.man.Documents, Document{Policy: p.ID, Version: v.Version, SHA256: d.String(), Size: size, Path: BlobPath(d.String())})
		}
	}
	return nil
}

// decision is the act deciding subject at digest d, as carried in the pack.
func (e *exporter) decision(subject string, d evident.Digest) (string, *ActRef) {
	a, ok := e.approvals.Decision(subject, d)
	if !ok || !e.has(a.LedgerIndex) {
		return evident.ApprovalPending, nil
	}
	return e.approvals.State(subject, d), &ActRef{Act: a.ID, Index: a.LedgerIndex, Verb: string(a.Verb), Actor: a.Actor, At: a.At}
}

// buildRegisters derives the registers from the model and the index.
func (e *exporter) buildRegisters(ix *Index) *Registers {
	m := e.model
	r := &Registers{Policies: []PolicyEntry{}, Changes: []evident.Change{}, Requirements: []RequirementTrace{}}
	docs := map[string]string{}
	for _, d := range e.man.Documents {
		docs[d.SHA256] = d.Path
	}
	for _, p := range m.Policies {
		pe := PolicyEntry{ID: p.ID, Title: p.Title, Kind: string(p.Kind), Owner: p.Owner, Versions: []PolicyRecord{}}
		for _, v := range p.Versions {
			pr := PolicyRecord{Version: v.Version, SHA256: v.SHA256, Date: v.Date, Summary: v.Summary, Document: docs[v.SHA256], State: evident.ApprovalPending}
			for _, c := range v.Approvals {
				pr.Claim = joinClaim(pr.Claim, c.By, c.At)
			}
			if d, err := evident.ParseDigest(v.SHA256); err == nil {
				pr.State, pr.Decision = e.decision(evident.PolicySubject(p.ID, v.Version), d)
			}
			pe.Versions = append(pe.Versions, pr)
		}
		r.Policies = append(r.Policies, pe)
	}
	r.Scope = e.scopeRegister()
	r.Risks = e.riskRegister()
	for _, c := range e.changes {
		if !c.At.Before(e.opt.From) && c.At.Before(e.opt.To) && e.changeInScope(c) {
			r.Changes = append(r.Changes, c)
		}
	}
	r.Requirements = traces(ix, e.latest)
	r.withAssessment(e.opt.Engagement, e.opt.Findings)
	return r
}

// joinClaim appends "by on date" to a claim list.
func joinClaim(claim, by string, at time.Time) string {
	if by == "" {
		return claim
	}
	s := by
	if !at.IsZero() {
		s += " on " + at.Format("2006-01-02")
	}
	if claim != "" {
		return claim + ", " + s
	}
	return s
}

// scopeRegister lists the services in the pack's scope and the systems,
// zones and suppliers. A system or supplier serving only other services
// is left out; one serving none is program-wide and stays.
func (e *exporter) scopeRegister() ScopeRegister {
	m := e.model
	s := ScopeRegister{Services: []evident.Service{}, Systems: []evident.System{}, Zones: []evident.Zone{}, Suppliers: []evident.Supplier{}}
	for _, x := range m.Services {
		if e.scope == nil || e.scope[x.ID] {
			s.Services = append(s.Services, x)
		}
	}
	zones := map[string]bool{}
	for _, x := range m.Systems {
		if e.servesScope(x.Services) {
			s.Systems = append(s.Systems, x)
			zones[x.Zone] = true
		}
	}
	for _, z := range m.Zones {
		if e.scope == nil || zones[z.ID] {
			s.Zones = append(s.Zones, z)
		}
	}
	for _, x := range m.Suppliers {
		if e.scope == nil || len(x.Supports) == 0 || slices.ContainsFunc(x.Supports, func(id string) bool {
			return e.scope[id] || (m.SystemByID(id) != nil && e.servesScope(m.SystemByID(id).Services))
		}) {
			s.Suppliers = append(s.Suppliers, x)
		}
	}
	return s
}

func (e *exporter) servesScope(services []string) bool {
	return e.scope == nil || len(services) == 0 || slices.ContainsFunc(services, func(s string) bool { return e.scope[s] })
}

func (e *exporter) changeInScope(c evident.Change) bool {
	switch {
	case e.scope == nil:
		return true
	case c.Service != "":
		return e.scope[c.Service]
	case c.System != "":
		sys := e.model.SystemByID(c.System)
		return sys == nil || e.servesScope(sys.Services)
	}
	return true
}

// riskRegister lists the risks touching the scope with their treatments
// and acceptances, each with its approval state at its current digest.
func (e *exporter) riskRegister() RiskRegister {
	m := e.model
	digests := map[string]evident.Digest{}
	for _, a := range e.approvables {
		digests[a.Subject] = a.SHA256
	}
	state := func(k evident.ApprovalKind, id string) (string, *ActRef) {
		subject := evident.SubjectOf(k, id)
		d, ok := digests[subject]
		if !ok {
			return evident.ApprovalPending, nil
		}
		return e.decision(subject, d)
	}
	rr := RiskRegister{Appetite: m.Program.RiskAppetite, Risks: []RiskEntry{}}
	for _, x := range m.Risks {
		if !e.servesScope(x.Services) {
			continue
		}
		re := RiskEntry{Risk: x, Inherent: x.Inherent(), Residual: x.Residual(), Treatments: []ApprovedRecord{}, Acceptances: []ApprovedRecord{}}
		for _, t := range m.Treatments {
			if t.Risk == x.ID {
				ar := ApprovedRecord{ID: t.ID, Text: treatmentText(t)}
				ar.State, ar.Decision = state(evident.ApproveTreatment, t.ID)
				re.Treatments = append(re.Treatments, ar)
			}
		}
		for _, a := range m.Acceptances {
			if a.Risk == x.ID {
				ar := ApprovedRecord{ID: a.ID, Text: acceptanceRecordText(a)}
				ar.State, ar.Decision = state(evident.ApproveAcceptance, a.ID)
				re.Acceptances = append(re.Acceptances, ar)
			}
		}
		rr.Risks = append(rr.Risks, re)
	}
	return rr
}

func treatmentText(t evident.Treatment) string {
	s := string(t.Decision)
	if len(t.Controls) > 0 {
		s += "; controls " + joinList(t.Controls)
	}
	if len(t.Policies) > 0 {
		s += "; policies " + joinList(t.Policies)
	}
	if !t.Due.IsZero() {
		s += "; due " + t.Due.UTC().Format("2006-01-02")
	}
	if t.Notes != "" {
		s += "; " + t.Notes
	}
	return s
}

func acceptanceRecordText(a evident.Acceptance) string {
	s := "residual " + strconv.Itoa(a.Residual)
	if a.Approver != "" {
		s += " accepted by " + a.Approver
	}
	if !a.Date.IsZero() {
		s += " on " + a.Date.UTC().Format("2006-01-02")
	}
	if !a.Expires.IsZero() {
		s += ", expires " + a.Expires.UTC().Format("2006-01-02")
	}
	if a.Justification != "" {
		s += ": " + a.Justification
	}
	return s
}

func joinList(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

// traces builds the per-requirement index from the index's statement of
// applicability and controls. Each control's evidence paths are not held
// (ControlTrace.Evidence is nil): requirements.json reads them from the
// spool as it is written. latest is each control's latest result.
func traces(ix *Index, latest map[string]string) []RequirementTrace {
	controls := map[string]ControlRow{}
	for _, c := range ix.Controls {
		controls[c.ID] = c
	}
	out := []RequirementTrace{}
	for _, q := range ix.Requirements {
		t := RequirementTrace{Ref: q.Ref, Clause: q.Clause, ClauseTitle: q.ClauseTitle, Text: q.Text, Applicable: q.Applicable,
			Readiness: q.Readiness, Controls: []ControlTrace{}}
		for _, id := range q.Controls {
			c := controls[id]
			ct := ControlTrace{ID: c.ID, Narrative: c.Narrative, Method: string(c.Method.Kind), Criteria: c.Criteria, Cadence: c.Cadence}
			if n := len(c.Windows); n > 0 {
				w := c.Windows[n-1]
				ct.LatestWindow = day(w.Start) + " to " + day(w.End.Add(-time.Nanosecond))
				ct.LatestState = string(w.State)
			}
			ct.LatestResult = latest[c.ID]
			t.Controls = append(t.Controls, ct)
		}
		out = append(out, t)
	}
	return out
}

// latestResult describes the latest evidence of a control by received
// time: its verdict (or acceptance) and when it was effective.
func latestResult(l EvidenceRef) string {
	res := l.Verdict
	switch {
	case res == "" && l.Acceptance != "":
		res = "accepted"
	case res == "":
		res = "recorded"
	}
	return res + ", effective " + l.Effective + " (" + l.Path + ")"
}
