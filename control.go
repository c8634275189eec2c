package evident

import (
	"slices"
	"strings"
)

// MethodKind is how a control is verified.
type MethodKind string

// Verification method kinds. Import means parsed tool output (the Format
// names the importer); the others are human checks that still produce a
// ledgered evidence record.
const (
	MethodImport         MethodKind = "import"
	MethodAttestation    MethodKind = "attestation"
	MethodDocumentReview MethodKind = "document-review"
	MethodSampling       MethodKind = "sampling"
	// MethodExercise is a tabletop, restore or continuity test: what was
	// exercised, by whom, and what followed from it.
	MethodExercise MethodKind = "exercise"
)

// MethodKinds lists every method kind.
var MethodKinds = []MethodKind{MethodImport, MethodAttestation, MethodDocumentReview, MethodSampling, MethodExercise}

// ImportFormats are the tool formats importers understand. A control's
// import method must name one of them.
var ImportFormats = []string{"crl", "ocsp", "nmap", "testssl", "openscap", "lynis", "chrony", "ceremony", "zlint", "tsr", "sarif", "trivy"}

// VerificationMethod says what evidence shows a control works and how it
// is judged. Criteria are evaluated against the metrics an importer
// computes; all must hold for a passing verdict.
type VerificationMethod struct {
	Kind        MethodKind  `json:"kind"`
	Format      string      `json:"format,omitempty"` // importer name for kind import
	Description string      `json:"description,omitempty"`
	Criteria    []Criterion `json:"criteria,omitempty"`
	SampleSize  int         `json:"sample_size,omitempty"` // for sampling
	// Report, for an attestation, names the report the attestation must
	// come with (a test report, an auditor's letter): one is then required.
	Report string `json:"report,omitempty"`
	// Acceptances is how many different reviewers must accept each
	// submission; zero means one.
	Acceptances int        `json:"acceptances,omitempty"`
	Performer   *Performer `json:"performer,omitempty"`
	// TTL, when set, is how long one piece of evidence stays fresh,
	// independent of the cadence window (a certificate-profile lint may be
	// valid for a year even if run monthly).
	TTL *Span `json:"ttl,omitempty"`
}

// IsZero reports whether no method is set.
func (m VerificationMethod) IsZero() bool { return m.Kind == "" }

// Performer is who carries out the check. The standard wants vulnerability
// scans and pen tests done by a competent, ethical and independent party
// (REQ-7.8-13, REQ-7.8-20): Competence points at the evidence of that
// (a qualification, a contract, an accreditation).
type Performer struct {
	Name         string `json:"name"`
	Organisation string `json:"organisation,omitempty"`
	Independent  bool   `json:"independent,omitempty"`
	Competence   string `json:"competence,omitempty"`
}

// Qualifies reports whether the performer is independent and has its
// competence evidenced.
func (p *Performer) Qualifies() bool {
	return p != nil && p.Name != "" && p.Independent && strings.TrimSpace(p.Competence) != ""
}

// Control is how the TSP meets requirements. Requirements are full
// references, so a control written for V3.2.1 never silently means a V3.1.1
// requirement of the same id.
type Control struct {
	ID           string             `json:"id"`
	Title        string             `json:"title"`
	Narrative    string             `json:"narrative,omitempty"`
	Owner        string             `json:"owner,omitempty"`
	Requirements []RequirementRef   `json:"requirements"`
	Services     []string           `json:"services,omitempty"`
	Systems      []string           `json:"systems,omitempty"`
	Method       VerificationMethod `json:"method,omitzero"`
	Cadence      Cadence            `json:"cadence,omitzero"`
	// EvidencePerPeriod is how many evidence items each cadence window
	// needs for each system in Systems (or for the control as a whole
	// when it has none); zero means one.
	EvidencePerPeriod int `json:"evidence_per_period,omitempty"`
	// Deviations record where the control runs slower than a
	// requirement's floor on purpose (see Floor).
	Deviations []Deviation `json:"deviations,omitempty"`
	// Reviewer is the login, besides any compliance manager, who may
	// accept or reject the control's submissions.
	Reviewer string `json:"reviewer,omitempty"`
	// Retention is how long the control's evidence is kept; nil means
	// the program default (a control can still say "forever").
	Retention *Retention `json:"retention,omitempty"`
}

// Needs returns how many evidence items each period needs per system, at
// least one.
func (c Control) Needs() int { return max(c.EvidencePerPeriod, 1) }

// Covers reports whether the control is written for requirement ref.
func (c Control) Covers(ref RequirementRef) bool {
	return slices.Contains(c.Requirements, ref)
}

// independentPerformer are the requirements whose checks must be done by a
// competent, ethical and independent party.
var independentPerformer = []RequirementID{"REQ-7.8-13", "REQ-7.8-20"}

// NeedsIndependentPerformer reports whether any of refs asks for a
// competent, independent performer (vulnerability scans, pen tests).
func NeedsIndependentPerformer(refs []RequirementRef) bool {
	for _, r := range refs {
		if r.Standard == EN319401 && slices.Contains(independentPerformer, r.ID) {
			return true
		}
	}
	return false
}

// DefaultCadence derives a control's cadence from the catalog figures of
// the requirements it meets: the most frequent fixed interval wins, since
// evidence at that rate satisfies every slower one too (quarterly for
// REQ-7.8-14, annual for REQ-7.8-19, daily for REQ-7.10-06). A requirement
// asking for continuous monitoring makes the control continuous. ok is
// false when no requirement fixes an interval ("regularly"): the program
// must then choose one.
func DefaultCadence(reqs []Requirement) (c Cadence, ok bool) {
	best := 0.0
	for _, r := range reqs {
		for _, f := range r.Figures {
			if f.Kind != FigureCadence {
				continue
			}
			if f.Continuous {
				return Cadence{Kind: CadenceContinuous, Every: 1, Unit: UnitDay}, true
			}
			n, u, fixed := f.Interval()
			if !fixed || (u != UnitDay && u != UnitWeek && u != UnitMonth && u != UnitYear) {
				continue
			}
			if d := approxDays(n, u); best == 0 || d < best {
				best, c, ok = d, Cadence{Kind: CadencePeriodic, Every: n, Unit: u}, true
			}
		}
	}
	return c, ok
}

// approxDays orders intervals of different units; exact calendar
// arithmetic is not needed to compare "3 months" with "1 year".
func approxDays(n int, u Unit) float64 {
	switch u {
	case UnitWeek:
		return float64(n) * 7
	case UnitMonth:
		return float64(n) * 30.44
	case UnitYear:
		return float64(n) * 365.25
	}
	return float64(n)
}
