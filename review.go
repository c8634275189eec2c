package evident

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// ReviewState is where a submission stands. Evidence for a control whose
// method is not an import is a submission: it counts for nothing until a
// second person accepts it.
type ReviewState string

// Review states. An occurrence of an import control has none ("").
const (
	ReviewPending  ReviewState = "pending"
	ReviewAccepted ReviewState = "accepted"
	ReviewRejected ReviewState = "rejected"
	// ReviewStale is an accepted document review of a policy version that
	// is no longer the current one: it no longer speaks for the policy.
	ReviewStale ReviewState = "stale"
)

// Reasons a window is not satisfied that a review explains, shown in
// Period.Review.
const (
	ReasonAwaitingReview = "awaiting review"
	ReasonRejected       = "rejected"
	ReasonStale          = "reviewed document version is no longer current"
)

// NeedsReview reports whether the control's evidence must be accepted by a
// second person before it counts: every human method (attestation,
// sampling, document review, exercise), as opposed to parsed tool output
// whose verdict an importer computes. A control with no method at all is
// a gap `evident gaps` reports; its evidence is judged as before.
func (c Control) NeedsReview() bool { return c.Method.Kind != "" && c.Method.Kind != MethodImport }

// AcceptancesNeeded is how many different reviewers must accept each
// submission, at least one.
func (c Control) AcceptancesNeeded() int { return max(c.Method.Acceptances, 1) }

// ReviewBinding is what an acceptance or rejection binds besides the
// evidence digest (Act.Detail of a review): the control, the window the
// evidence counts for, the systems it is accepted for, who submitted it,
// why the reviewer was allowed to decide, and what the content check found.
type ReviewBinding struct {
	Evidence    string    `json:"evidence"`
	Control     string    `json:"control"`
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	Systems     []string  `json:"systems,omitempty"`
	Submitter   string    `json:"submitter"`
	// Basis is why the reviewer may review: "compliance-manager" (their
	// role at that instant) or "reviewer" (named on the control).
	Basis   string   `json:"basis"`
	Role    UserRole `json:"role"`
	Checked []string `json:"checked,omitempty"`
}

// Review bases.
const (
	BasisComplianceManager = "compliance-manager"
	BasisNamedReviewer     = "reviewer"
)

// Binding decodes a review act's detail.
func (a Act) Binding() (ReviewBinding, error) {
	var b ReviewBinding
	if err := json.Unmarshal(a.Detail, &b); err != nil {
		return b, Errorf(EINVALID, "act %s: review detail: %v", a.ID, err)
	}
	return b, nil
}

// Submitter returns the login behind an actor: a token acts for its user.
func Submitter(actor string) string {
	if rest, ok := strings.CutPrefix(actor, "token:"); ok {
		user, _, _ := strings.Cut(rest, "/")
		return user
	}
	return actor
}

// MayReview decides whether reviewer may accept or reject evidence that
// submitter added for control c, and on which basis. Four eyes: the
// reviewer is never the submitter; and only a compliance manager or the
// control's named reviewer decides. Refusals are EFORBIDDEN naming the rule.
func MayReview(reviewer User, submitter string, c Control) (basis string, err error) {
	switch {
	case reviewer.Disabled:
		return "", Errorf(EFORBIDDEN, "user %s is disabled", reviewer.Name)
	case reviewer.Name == Submitter(submitter):
		return "", Errorf(EFORBIDDEN, "four eyes: %s submitted this evidence and may not review it; another person must", reviewer.Name)
	case reviewer.Role == RoleComplianceManager:
		return BasisComplianceManager, nil
	case c.Reviewer != "" && reviewer.Name == c.Reviewer:
		return BasisNamedReviewer, nil
	}
	who := "a compliance manager"
	if c.Reviewer != "" {
		who += " or the control's reviewer " + c.Reviewer
	}
	return "", Errorf(EFORBIDDEN, "only %s may review evidence for control %s; %s is a %s", who, c.ID, reviewer.Name, reviewer.Role)
}

// Outcome is the review state of one submission from its acts, in ledger
// order, and the systems it is accepted for. A rejection by any reviewer
// rejects it: the owner submits again. It is accepted once need different
// logins accepted it, for the systems at least need of them named.
func Outcome(acts []Act, need int) (ReviewState, []string) {
	need = max(need, 1)
	who := map[string]bool{}
	per := map[string]int{}
	var order []string
	for _, a := range acts {
		switch a.Verb {
		case ActReject:
			return ReviewRejected, nil
		case ActAccept:
			if who[a.Actor] {
				continue
			}
			who[a.Actor] = true
			b, _ := a.Binding()
			for _, s := range b.Systems {
				if per[s] == 0 {
					order = append(order, s)
				}
				per[s]++
			}
		}
	}
	if len(who) < need {
		return ReviewPending, nil
	}
	var systems []string
	for _, s := range order {
		if per[s] >= need {
			systems = append(systems, s)
		}
	}
	return ReviewAccepted, systems
}

// ReviewScope is a schedule's review rule: only accepted submissions
// count, and together they must be accepted for every system in Systems
// (the control's scope; none means the control as a whole).
type ReviewScope struct {
	Systems []string
}

// accepted keeps the occurrences that count under the rule: all of them
// without one (a nil scope), only accepted submissions with one.
func (r *ReviewScope) accepted(occ []Occurrence) []Occurrence {
	if r == nil {
		return occ
	}
	var out []Occurrence
	for _, o := range occ {
		// A failing verdict always counts: it is never hidden by a review.
		if o.Review == ReviewAccepted || o.Failed {
			// An accepted submission speaks for the systems it was
			// accepted for, and only those, whatever it named.
			if o.Review == ReviewAccepted && len(r.Systems) > 0 {
				o.Systems = o.AcceptedFor
			}
			out = append(out, o)
		}
	}
	return out
}

// missing returns the systems of the scope with fewer than needs accepted
// submissions among occ.
func (r *ReviewScope) missing(occ []Occurrence, needs int) []string {
	var out []string
	for _, sys := range r.Systems {
		n := 0
		for _, o := range occ {
			if o.Review == ReviewAccepted && slices.Contains(o.AcceptedFor, sys) {
				n++
			}
		}
		if n < needs {
			out = append(out, sys)
		}
	}
	return out
}

// reviewed applies the review rule to a window period computed from the
// accepted submissions: a window is satisfied only if its acceptances
// cover every system in scope, and a window that is not satisfied says
// whether submissions await review or were rejected. all is the history
// with every submission, accepted or not.
func (s Schedule) reviewed(p Period, all *timeline, at time.Time) Period {
	r := s.Review
	if r == nil || p.State == PeriodUpcoming {
		return p
	}
	occ := counted(all, p.Window, at)
	var acc []Occurrence
	for _, o := range occ {
		if o.Review == ReviewAccepted {
			acc = append(acc, o)
		}
	}
	gap := r.missing(acc, max(s.Needs, 1))
	if p.State == PeriodSatisfied && len(gap) > 0 {
		p.State = s.lateness(p.Window, at)
		if e, ok := excepting(all.Exceptions, p.Window, at); ok {
			p.State, p.Exception = PeriodExcepted, e.ID
		}
	}
	if p.State == PeriodSatisfied {
		return p
	}
	state := func(want ReviewState) bool {
		return slices.ContainsFunc(occ, func(o Occurrence) bool { return o.Review == want })
	}
	switch {
	case state(ReviewPending):
		p.Review = ReasonAwaitingReview
	case state(ReviewStale):
		p.Review = ReasonStale
	case state(ReviewRejected) && len(acc) == 0:
		p.Review = ReasonRejected
	case len(acc) > 0 && len(gap) > 0:
		p.Review = "not accepted for " + strings.Join(gap, ", ")
	}
	return p
}

// CurrentPolicy returns, for a policy id, the SHA-256 of its current
// version in m, and whether m has the policy.
func CurrentPolicy(m *Model) func(string) (string, bool) {
	return func(id string) (string, bool) {
		for _, p := range m.Policies {
			if p.ID == id {
				v, _ := p.Current()
				return v.SHA256, true
			}
		}
		return "", false
	}
}

// DocumentReviewState is the state of an accepted document review given
// its submission detail: accepted while the policy version it reviewed is
// the current one (current, from CurrentPolicy), stale once it is not, or
// when the detail names no document. The store and the pack verifier both
// judge it here.
func DocumentReviewState(detail json.RawMessage, current func(string) (string, bool)) ReviewState {
	sub, err := ParseSubmission(detail)
	if err != nil || sub == nil || sub.Document == nil {
		return ReviewStale
	}
	if want, ok := current(sub.Document.Policy); !ok || want != sub.Document.SHA256 {
		return ReviewStale
	}
	return ReviewAccepted
}
