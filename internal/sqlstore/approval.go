package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/evidenthq/evident"
)

// ApprovalInput is an approver's decision on one approvable object.
type ApprovalInput struct {
	Subject  string          // "policy/cps@3.1", "acceptance/acc-1", ...
	Verb     evident.ActVerb // approve or reject
	Approver string          // the login deciding
	Comment  string
	// SHA256, when set, is the digest the approver saw: if the object
	// changed since, the decision is refused rather than bound to bytes
	// they never read.
	SHA256 string
}

// ApprovalBinding is what an approval act binds besides the digest
// (Act.Detail): the kind, what was shown as the object's title, and the
// approval the program file claimed at that moment.
type ApprovalBinding struct {
	Kind  evident.ApprovalKind `json:"kind"`
	Title string               `json:"title"`
	Claim string               `json:"claim,omitempty"`
	Role  evident.UserRole     `json:"role"`
}

// Approve records an approver's approval or rejection of an object as an
// act in tx. It is the one home of the rules: the approver is a login of
// the management body; the act binds the SHA-256 of the object as it is
// stored now (a policy version's document digest, or the canonical JSON
// of the acceptance, exception, deviation, treatment or statement of
// applicability); a login decides each state of an object once.
func (tx *Tx) Approve(ctx context.Context, in ApprovalInput) (evident.Act, error) {
	if in.Verb != evident.ActApprove && in.Verb != evident.ActReject {
		return evident.Act{}, evident.ErrorAt(evident.EINVALID, "verb", "%q: want approve or reject", in.Verb)
	}
	if _, err := evident.ApprovalKindOf(in.Subject); err != nil {
		return evident.Act{}, err
	}
	if err := evident.CheckText("comment", in.Comment); err != nil {
		return evident.Act{}, err
	}
	u, _, err := tx.UserByName(ctx, in.Approver)
	if evident.ErrorCode(err) == evident.ENOTFOUND {
		return evident.Act{}, evident.Errorf(evident.EFORBIDDEN, "%s is not a login: approvals are acts made by a person's own login", in.Approver)
	}
	if err != nil {
		return evident.Act{}, err
	}
	if err := evident.MayApprove(u); err != nil {
		return evident.Act{}, err
	}
	obj, err := tx.approvable(ctx, in.Subject)
	if err != nil {
		return evident.Act{}, err
	}
	if in.SHA256 != "" && !strings.EqualFold(in.SHA256, obj.SHA256.String()) {
		return evident.Act{}, evident.ErrorAt(evident.ECONFLICT, "sha256", "%s changed: it is now %s, not %s; read it again before deciding", in.Subject, obj.SHA256, in.SHA256)
	}
	acts, err := tx.ActsAbout(ctx, []string{in.Subject}, time.Time{})
	if err != nil {
		return evident.Act{}, err
	}
	for _, a := range acts[in.Subject] {
		if a.Actor == u.Name && a.SHA256 == obj.SHA256 {
			return evident.Act{}, evident.Errorf(evident.ECONFLICT, "%s already %s %s as it is now (%s)", u.Name, pastTense(a.Verb), in.Subject, evident.UTC(a.At))
		}
	}
	detail, err := json.Marshal(ApprovalBinding{Kind: obj.Kind, Title: obj.Title, Claim: obj.Claim, Role: u.Role})
	if err != nil {
		return evident.Act{}, err
	}
	a := evident.Act{Verb: in.Verb, Subject: in.Subject, SHA256: obj.SHA256, Actor: u.Name, Comment: in.Comment, Detail: detail}
	return a, tx.InsertAct(ctx, &a)
}

// pastTense is how a message names a decision already made.
func pastTense(v evident.ActVerb) string {
	if v == evident.ActApprove {
		return "approved"
	}
	return string(v) + "ed"
}

// approvable finds the object a subject names as it is stored now. A
// policy subject must name the current version: an old version is no
// longer what the policy says.
func (tx *Tx) approvable(ctx context.Context, subject string) (evident.Approvable, error) {
	objs, m, err := tx.approvables(ctx, tx.Now)
	if err != nil {
		return evident.Approvable{}, err
	}
	for _, o := range objs {
		if o.Subject == subject {
			return o, nil
		}
	}
	rest, isPolicy := strings.CutPrefix(subject, string(evident.ApprovePolicy)+"/")
	if id, ver, ok := strings.Cut(rest, "@"); isPolicy && ok {
		for _, p := range m.Policies {
			if v, cur := p.Current(); cur && p.ID == id {
				if v.SHA256 == "" {
					return evident.Approvable{}, evident.ErrorAt(evident.EINVALID, "subject", "policy %s version %s has no document digest to approve: give its file or sha256", id, v.Version)
				}
				return evident.Approvable{}, evident.ErrorAt(evident.ECONFLICT, "subject", "policy %s's current version is %s, not %s: only the current version is approved", id, v.Version, ver)
			}
		}
	}
	return evident.Approvable{}, evident.ErrorAt(evident.ENOTFOUND, "subject", "%s: no such object to approve (see `evident approve --list`)", subject)
}

// approvables returns every approvable object of the stored program with
// the exceptions recorded at or before at.
func (tx *Tx) approvables(ctx context.Context, at time.Time) ([]evident.Approvable, *evident.Model, error) {
	m, err := tx.Model(ctx)
	if err != nil {
		return nil, nil, err
	}
	exs, err := tx.Exceptions(ctx, at)
	if err != nil {
		return nil, nil, err
	}
	return m.Approvables(exs), m, nil
}

// ApprovalActs returns the acts recorded at or before at (zero: all) about
// the objects of m and exs that can be approved, and about every version
// of each policy, by subject in ledger order. Reading by subject uses the
// acts' subject index, however many review acts the table holds.
func (tx *Tx) ApprovalActs(ctx context.Context, m *evident.Model, exs []evident.Exception, at time.Time) (evident.Approvals, error) {
	var subjects []string
	for _, p := range m.Policies {
		for _, v := range p.Versions {
			subjects = append(subjects, evident.PolicySubject(p.ID, v.Version))
		}
	}
	for _, a := range m.Approvables(exs) {
		if a.Kind != evident.ApprovePolicy {
			subjects = append(subjects, a.Subject)
		}
	}
	acts, err := tx.ActsAbout(ctx, subjects, at)
	if err != nil {
		return nil, fmt.Errorf("read approval acts: %w", err)
	}
	return evident.Approvals(acts), nil
}

// ApprovalItem is one object of the approvals inbox: the object as it is
// now, its state at its current digest, the act that decided it, and
// for a policy version the last approved version before it.
type ApprovalItem struct {
	evident.Approvable
	State    string         `json:"state"`
	Decision *evident.Act   `json:"decision,omitempty"`
	Previous *PriorApproval `json:"previous,omitempty"`
}

// PriorApproval is the last approved version of a policy before the one
// awaiting approval: what "changed since" is measured against.
type PriorApproval struct {
	Version string      `json:"version"`
	SHA256  string      `json:"sha256"`
	Act     evident.Act `json:"act"`
}

// ApprovalFilter selects inbox items; the zero filter is what waits.
type ApprovalFilter struct {
	// State is pending, approved, rejected or "" for all.
	State string
	Kind  evident.ApprovalKind
}

// Approvals lists the approvable objects at at with their state. A
// pending approval is simply an object whose current digest has no
// decision: there is no separate request to keep in step with it. The
// notifier lists what waits with PendingApprovals.
func (s *Store) Approvals(ctx context.Context, f ApprovalFilter, at time.Time) ([]ApprovalItem, error) {
	var out []ApprovalItem
	err := s.Read(ctx, func(tx *Tx) error {
		m, err := tx.Model(ctx)
		if err != nil {
			return err
		}
		exs, err := tx.Exceptions(ctx, at)
		if err != nil {
			return err
		}
		objs := m.Approvables(exs)
		acts, err := tx.ApprovalActs(ctx, m, exs, at)
		if err != nil {
			return err
		}
		for _, o := range objs {
			it := ApprovalItem{Approvable: o, State: acts.State(o.Subject, o.SHA256)}
			if f.State != "" && it.State != f.State || f.Kind != "" && o.Kind != f.Kind {
				continue
			}
			if d, ok := acts.Decision(o.Subject, o.SHA256); ok {
				it.Decision = &d
			}
			if o.Kind == evident.ApprovePolicy {
				it.Previous = priorApproval(m, o.Subject, acts)
			}
			out = append(out, it)
		}
		return nil
	})
	return out, err
}

// PendingApprovals is what waits for the management body at at: every
// approvable object whose current digest nobody has decided on.
func (s *Store) PendingApprovals(ctx context.Context, at time.Time) ([]ApprovalItem, error) {
	return s.Approvals(ctx, ApprovalFilter{State: evident.ApprovalPending}, at)
}

// priorApproval finds the newest earlier version of the subject's policy
// that an act approved at its digest.
func priorApproval(m *evident.Model, subject string, acts evident.Approvals) *PriorApproval {
	for _, p := range m.Policies {
		v, _ := p.Current()
		if evident.PolicySubject(p.ID, v.Version) != subject {
			continue
		}
		older := slices.Clone(p.Versions[:len(p.Versions)-1])
		slices.Reverse(older)
		for _, o := range older {
			d, err := evident.ParseDigest(o.SHA256)
			if err != nil {
				continue
			}
			if a, ok := acts.Approved(evident.PolicySubject(p.ID, o.Version), d); ok {
				return &PriorApproval{Version: o.Version, SHA256: o.SHA256, Act: a}
			}
		}
	}
	return nil
}

// ApprovalActs returns the approval acts about the objects of m recorded
// at or before at (zero: all), by subject, for pages that show what
// approved an object.
func (s *Store) ApprovalActs(ctx context.Context, m *evident.Model, at time.Time) (evident.Approvals, error) {
	var out evident.Approvals
	err := s.Read(ctx, func(tx *Tx) error {
		exs, err := tx.Exceptions(ctx, at)
		if err != nil {
			return err
		}
		out, err = tx.ApprovalActs(ctx, m, exs, at)
		return err
	})
	return out, err
}
