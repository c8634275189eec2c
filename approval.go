package evident

import (
	"crypto/sha256"
	"encoding/json"
	"strings"
	"time"
)

// ActApprove approves an object on behalf of the management body. A
// rejection of an approval request is an ActReject act on the same
// subject: one leaf format for every decision a person makes.
const ActApprove ActVerb = "approve"

// ApprovalKind names what an approval is about; it is the subject's
// prefix ("policy/cps@3.1").
type ApprovalKind string

// The objects the management body approves (REQ-5-05, clause 6, the
// deviations from the standard's figures and the statement of
// applicability).
const (
	ApprovePolicy     ApprovalKind = "policy"
	ApproveAcceptance ApprovalKind = "acceptance"
	ApproveException  ApprovalKind = "exception"
	ApproveDeviation  ApprovalKind = "deviation"
	ApproveTreatment  ApprovalKind = "treatment"
	ApproveSoA        ApprovalKind = "soa"
)

// ApprovalKinds lists every kind in the order the inbox shows them.
var ApprovalKinds = []ApprovalKind{ApprovePolicy, ApproveAcceptance, ApproveException, ApproveDeviation, ApproveTreatment, ApproveSoA}

// Approval states of an approvable object at its current digest.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
)

// Approvable is one object the management body approves, as it stands
// now: its subject, the SHA-256 of exactly what would be approved, and
// what the program file claims about its approval. The claim is shown,
// never trusted: only an approval act binding SHA256 approves it.
type Approvable struct {
	Kind    ApprovalKind `json:"kind"`
	Subject string       `json:"subject"`
	Title   string       `json:"title"`
	SHA256  Digest       `json:"sha256"`
	// Claim is the approval the program file writes, "" when none.
	Claim string `json:"claim,omitempty"`
}

// PolicySubject is the subject of an approval of a policy version.
func PolicySubject(id, version string) string {
	return string(ApprovePolicy) + "/" + id + "@" + version
}

// DeviationSubject is the subject of an approval of control's deviation
// from requirement ref.
func DeviationSubject(control string, ref RequirementRef) string {
	return string(ApproveDeviation) + "/" + control + "/" + ref.String()
}

// SubjectOf is the subject of an approval of an object with a plain id.
func SubjectOf(k ApprovalKind, id string) string { return string(k) + "/" + id }

// canonical is the SHA-256 of v's JSON as the store keeps it: objects are
// stored as their JSON bodies, so the same object always has the same
// digest and any edit of a field changes it. Model types always marshal;
// if one ever did not, the zero digest approves nothing: no act binds it
// (Act.Validate refuses it).
func canonical(v any) Digest {
	b, err := json.Marshal(v)
	if err != nil {
		return Digest{}
	}
	return sha256.Sum256(b)
}

// Approvables lists everything in the program the management body
// approves, with its current digest: each policy's current version that
// has a document digest, each acceptance, exception, deviation and
// treatment, and the statement of applicability.
func (m *Model) Approvables(exceptions []Exception) []Approvable {
	var out []Approvable
	for _, p := range m.Policies {
		v, ok := p.Current()
		if d, err := ParseDigest(v.SHA256); ok && err == nil {
			a := Approvable{Kind: ApprovePolicy, Subject: PolicySubject(p.ID, v.Version), Title: p.Title + " " + v.Version, SHA256: d}
			for _, c := range v.Approvals {
				a.Claim = joinClaim(a.Claim, c.By, c.At)
			}
			out = append(out, a)
		}
	}
	for _, x := range m.Acceptances {
		d := canonical(x)
		out = append(out, Approvable{Kind: ApproveAcceptance, Subject: SubjectOf(ApproveAcceptance, x.ID), Title: "residual risk of " + x.Risk,
			SHA256: d, Claim: joinClaim("", x.Approver, x.Date)})
	}
	for _, x := range exceptions {
		d := canonical(x)
		out = append(out, Approvable{Kind: ApproveException, Subject: SubjectOf(ApproveException, x.ID), Title: "exception for " + x.Control,
			SHA256: d, Claim: joinClaim("", x.Approver, x.ApprovedAt)})
	}
	for _, c := range m.Controls {
		for _, x := range c.Deviations {
			d := canonical(x)
			a := Approvable{Kind: ApproveDeviation, Subject: DeviationSubject(c.ID, x.Requirement), Title: c.ID + " below " + string(x.Requirement.ID), SHA256: d}
			if x.Approval != nil {
				a.Claim = joinClaim("", x.Approval.By, x.Approval.At)
			}
			out = append(out, a)
		}
	}
	for _, x := range m.Treatments {
		d := canonical(x)
		out = append(out, Approvable{Kind: ApproveTreatment, Subject: SubjectOf(ApproveTreatment, x.ID), Title: string(x.Decision) + " " + x.Risk, SHA256: d})
	}
	if len(m.SoA) > 0 {
		d := canonical(m.SoA)
		ver := string(m.Program.Standard) + "@" + m.Program.Version
		out = append(out, Approvable{Kind: ApproveSoA, Subject: SubjectOf(ApproveSoA, ver), Title: "statement of applicability " + ver, SHA256: d})
	}
	return out
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

// Approvals holds the approval acts about each subject, in ledger order.
type Approvals map[string][]Act

// Decision returns the act that decides subject at digest: the latest
// approve or reject act binding exactly that digest. An act binding any
// other digest speaks for an earlier state of the object and decides
// nothing: a later edit voids an approval.
func (a Approvals) Decision(subject string, d Digest) (Act, bool) {
	acts := a[subject]
	for i := len(acts) - 1; i >= 0; i-- {
		if x := acts[i]; x.SHA256 == d && (x.Verb == ActApprove || x.Verb == ActReject) {
			return x, true
		}
	}
	return Act{}, false
}

// Approved returns the approval act of subject at digest d, if its latest
// decision is an approval.
func (a Approvals) Approved(subject string, d Digest) (Act, bool) {
	x, ok := a.Decision(subject, d)
	return x, ok && x.Verb == ActApprove
}

// State is "approved", "rejected" or "pending" for subject at digest d.
func (a Approvals) State(subject string, d Digest) string {
	x, ok := a.Decision(subject, d)
	switch {
	case !ok:
		return ApprovalPending
	case x.Verb == ActApprove:
		return ApprovalApproved
	}
	return ApprovalRejected
}

// ApprovalKindOf reads the kind of an approval subject, refusing one that
// names no approvable kind.
func ApprovalKindOf(subject string) (ApprovalKind, error) {
	k, rest, ok := strings.Cut(subject, "/")
	for _, x := range ApprovalKinds {
		if ok && rest != "" && string(x) == k {
			return x, nil
		}
	}
	names := make([]string, len(ApprovalKinds))
	for i, x := range ApprovalKinds {
		names[i] = string(x) + "/…"
	}
	return "", ErrorAt(EINVALID, "subject", "%q: want one of %s", subject, strings.Join(names, ", "))
}

// MayApprove decides whether user u may record approval acts: only a
// login of the management body (the approver role), never a disabled one.
func MayApprove(u User) error {
	switch {
	case u.Disabled:
		return Errorf(EFORBIDDEN, "user %s is disabled", u.Name)
	case u.Role != RoleApprover:
		return Errorf(EFORBIDDEN, "only a %s login may approve; %s is a %s", RoleApprover, u.Name, u.Role)
	}
	return nil
}

// decided returns the act deciding subject at digest d, and whether it
// approves: a rejection is returned too, so a gap can say who rejected it.
func (a Approvals) decided(subject string, d Digest) (Act, bool) {
	x, ok := a.Decision(subject, d)
	return x, ok && x.Verb == ActApprove
}

// ApprovedVersion returns the act deciding the policy's current version,
// bound to its document digest, and whether it approves it. The act is
// zero when none decides it.
func (p Policy) ApprovedVersion(approvals Approvals) (Act, bool) {
	v, ok := p.Current()
	d, err := ParseDigest(v.SHA256)
	if !ok || err != nil {
		return Act{}, false
	}
	return approvals.decided(PolicySubject(p.ID, v.Version), d)
}

// Approval returns the act deciding the acceptance as it is, and whether
// it approves it.
func (a Acceptance) Approval(approvals Approvals) (Act, bool) {
	d := canonical(a)
	return approvals.decided(SubjectOf(ApproveAcceptance, a.ID), d)
}

// Approval returns the act deciding the exception as it is, and whether
// it approves it.
func (e Exception) Approval(approvals Approvals) (Act, bool) {
	d := canonical(e)
	return approvals.decided(SubjectOf(ApproveException, e.ID), d)
}

// ApprovedBy returns the act deciding control's deviation as it is, and
// whether it approves it. (Approval is the field holding the program
// file's claim.)
func (d Deviation) ApprovedBy(control string, approvals Approvals) (Act, bool) {
	dg := canonical(d)
	return approvals.decided(DeviationSubject(control, d.Requirement), dg)
}
