package evident

import (
	"slices"
	"time"
)

// PolicyKind is the kind of a governing document.
type PolicyKind string

// Policy kinds: the document stack EN 319 401 clause 6 and the playbook
// expect a TSP to operate.
const (
	PracticeStatement         PolicyKind = "practice-statement"
	TermsAndConditions        PolicyKind = "terms-and-conditions"
	InformationSecurityPolicy PolicyKind = "information-security-policy"
	TopicPolicy               PolicyKind = "topic-policy"
	Procedure                 PolicyKind = "procedure"
	BusinessContinuityPlan    PolicyKind = "business-continuity-plan"
	TerminationPlan           PolicyKind = "termination-plan"
	IncidentCommunicationPlan PolicyKind = "incident-communication-plan"
)

// PolicyKinds lists every policy kind.
var PolicyKinds = []PolicyKind{PracticeStatement, TermsAndConditions, InformationSecurityPolicy, TopicPolicy,
	Procedure, BusinessContinuityPlan, TerminationPlan, IncidentCommunicationPlan}

// Audience is who a policy version is communicated to.
type Audience string

// Audiences of policy communication (REQ-6.3-02 staff and external parties,
// REQ-6.2-03 subscribers and relying parties, and the supervisory body).
const (
	AudienceStaff           Audience = "staff"
	AudienceSubscribers     Audience = "subscribers"
	AudienceRelyingParties  Audience = "relying-parties"
	AudienceThirdParties    Audience = "third-parties"
	AudienceSupervisoryBody Audience = "supervisory-body"
)

// Audiences lists every audience.
var Audiences = []Audience{AudienceStaff, AudienceSubscribers, AudienceRelyingParties, AudienceThirdParties, AudienceSupervisoryBody}

// Policy is a governed document with its version history. Contents lists
// the required-content items the current version declares (see
// RequiredContent); the review cadence says how long an approval holds.
type Policy struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	Kind     PolicyKind      `json:"kind"`
	Owner    string          `json:"owner,omitempty"`
	Review   Cadence         `json:"review,omitzero"`
	Contents []string        `json:"contents,omitempty"`
	Versions []PolicyVersion `json:"versions,omitempty"`
}

// PolicyVersion is one version of a policy. SHA256 is the hex digest of the
// document's bytes, so an approval is bound to exactly what was approved.
type PolicyVersion struct {
	Version        string          `json:"version"`
	File           string          `json:"file,omitempty"`
	SHA256         string          `json:"sha256,omitempty"`
	Summary        string          `json:"summary,omitempty"`
	Date           time.Time       `json:"date,omitzero"`
	Approvals      []Approval      `json:"approvals,omitempty"`
	Publications   []Publication   `json:"publications,omitempty"`
	Communications []Communication `json:"communications,omitempty"`
}

// Approval is a person's approval of a policy version.
type Approval struct {
	By string    `json:"by"` // person id
	At time.Time `json:"at"`
}

// Publication is where and when a version was made available.
type Publication struct {
	Where string    `json:"where"` // URL or channel
	At    time.Time `json:"at"`
}

// Communication records that a version was communicated to an audience.
type Communication struct {
	To        Audience  `json:"to"`
	At        time.Time `json:"at"`
	Reference string    `json:"reference,omitempty"` // mail id, training record, ticket
}

// Current returns the latest version (the last listed), if any.
func (p Policy) Current() (PolicyVersion, bool) {
	if len(p.Versions) == 0 {
		return PolicyVersion{}, false
	}
	return p.Versions[len(p.Versions)-1], true
}

// Approved returns when the version was last approved, or the zero time.
func (v PolicyVersion) Approved() time.Time {
	var t time.Time
	for _, a := range v.Approvals {
		if a.At.After(t) {
			t = a.At
		}
	}
	return t
}

// ReviewDue returns when the policy must next be reviewed: its review
// cadence after the current version's approval (annual by default). The
// approval is the program's own record of when it was given: the date the
// program file claims, which predates Evident for older versions. It is
// the zero time for a policy never approved.
func (p Policy) ReviewDue() time.Time {
	v, ok := p.Current()
	if !ok || v.Approved().IsZero() {
		return time.Time{}
	}
	c := p.Review
	if c.Kind != CadencePeriodic {
		c = Cadence{Kind: CadencePeriodic, Every: 1, Unit: UnitYear}
	}
	t, _ := addUnits(v.Approved(), c.Every, c.Unit)
	return t
}

// ContentItem is one thing a kind of document must declare, with the
// requirement that asks for it.
type ContentItem struct {
	Key         string        `json:"key"`
	Requirement RequirementID `json:"requirement"`
	Text        string        `json:"text"`
}

// requiredContent is what each kind of document must declare: the
// REQ-6.2-02 items of the terms and conditions, and the practice
// statement's supplier obligations (REQ-6.1-04) and configuration-check
// interval (REQ-6.3-09).
var requiredContent = map[PolicyKind][]ContentItem{
	TermsAndConditions: {
		{"policy-applied", "REQ-6.2-02", "the trust service policy applied"},
		{"usage-limits", "REQ-6.2-02", "limits on use and liability for use beyond them"},
		{"subscriber-obligations", "REQ-6.2-02", "the subscriber's obligations"},
		{"relying-party-information", "REQ-6.2-02", "information for relying parties"},
		{"event-log-retention", "REQ-6.2-02", "the event-log retention period"},
		{"liability-limits", "REQ-6.2-02", "limitations of liability"},
		{"governing-law", "REQ-6.2-02", "the applicable legal system"},
		{"disputes-procedure", "REQ-6.2-02", "complaints and dispute settlement procedures"},
		{"conformity-assessment", "REQ-6.2-02", "the conformity assessment scheme the TSP is assessed under"},
		{"contact-details", "REQ-6.2-02", "the TSP's contact information"},
		{"availability", "REQ-6.2-02", "availability undertakings"},
	},
	PracticeStatement: {
		{"external-obligations", "REQ-6.1-04", "the obligations of external organisations supporting the service"},
		{"configuration-check-interval", "REQ-6.3-09", "the maximum interval between configuration checks"},
	},
}

// RequiredContent returns the items a document of kind k must declare.
func RequiredContent(k PolicyKind) []ContentItem {
	return slices.Clone(requiredContent[k])
}

// MissingContent returns the required items the policy does not declare.
func (p Policy) MissingContent() []ContentItem {
	var out []ContentItem
	for _, it := range requiredContent[p.Kind] {
		if !slices.Contains(p.Contents, it.Key) {
			out = append(out, it)
		}
	}
	return out
}
