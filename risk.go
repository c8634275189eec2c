package evident

import "time"

// Scale is the risk matrix of the program: likelihood and impact are each
// rated from 1 to the scale's level count. The default is 5 x 5.
type Scale struct {
	Likelihood int `json:"likelihood"`
	Impact     int `json:"impact"`
}

// DefaultScale is the 5 x 5 matrix most TSPs use.
var DefaultScale = Scale{Likelihood: 5, Impact: 5}

// Max returns the highest score on the scale.
func (s Scale) Max() int { return s.Likelihood * s.Impact }

// Risk is one entry of the risk register (clause 5). Residual ratings are
// what remains once the treatments are in place; zero means not yet rated.
type Risk struct {
	ID                 string    `json:"id"`
	Title              string    `json:"title"`
	Threat             string    `json:"threat"`
	Vulnerability      string    `json:"vulnerability"`
	Assets             []string  `json:"assets,omitempty"`   // system ids
	Services           []string  `json:"services,omitempty"` // service ids
	Likelihood         int       `json:"likelihood"`
	Impact             int       `json:"impact"`
	ResidualLikelihood int       `json:"residual_likelihood,omitempty"`
	ResidualImpact     int       `json:"residual_impact,omitempty"`
	Owner              string    `json:"owner,omitempty"`
	ReviewDue          time.Time `json:"review_due,omitzero"`
}

// Inherent is the risk's score before treatment.
func (r Risk) Inherent() int { return r.Likelihood * r.Impact }

// Residual is the score after treatment, or the inherent score while the
// residual rating is missing: an unrated treatment reduces nothing.
func (r Risk) Residual() int {
	if r.ResidualLikelihood == 0 || r.ResidualImpact == 0 {
		return r.Inherent()
	}
	return r.ResidualLikelihood * r.ResidualImpact
}

// Decision is a risk treatment decision.
type Decision string

// Treatment decisions (ISO/IEC 27005 terms).
const (
	Mitigate Decision = "mitigate"
	Accept   Decision = "accept"
	Transfer Decision = "transfer"
	Avoid    Decision = "avoid"
)

// Treatment is how a risk is handled. The controls and policies it
// requires are how the risk assessment drives the rest of the program: a
// treatment naming no control or policy is paper only.
type Treatment struct {
	ID             string    `json:"id"`
	Risk           string    `json:"risk"`
	Decision       Decision  `json:"decision"`
	Controls       []string  `json:"controls,omitempty"`
	Policies       []string  `json:"policies,omitempty"`
	TargetResidual int       `json:"target_residual,omitempty"`
	Due            time.Time `json:"due,omitzero"`
	Notes          string    `json:"notes,omitempty"`
}

// Acceptance records that the management body accepted a risk's residual
// level (REQ-5-05). Approver is a person id; an acceptance by someone
// outside the management body, or past its expiry, accepts nothing.
type Acceptance struct {
	ID            string    `json:"id"`
	Risk          string    `json:"risk"`
	Approver      string    `json:"approver,omitempty"`
	Date          time.Time `json:"date,omitzero"`
	Residual      int       `json:"residual"`
	Justification string    `json:"justification,omitempty"`
	Expires       time.Time `json:"expires,omitzero"`
}

// Expired reports whether the acceptance has lapsed at now. An acceptance
// without an expiry never lapses by date, but gaps flags it as unbounded
// only through the review date of its risk.
func (a Acceptance) Expired(now time.Time) bool {
	return !a.Expires.IsZero() && !now.Before(a.Expires)
}

// AboveAppetite reports whether the risk's residual score exceeds the
// program's risk appetite. Without an appetite nothing is above it: the
// program has not said what it tolerates.
func (p Program) AboveAppetite(r Risk) bool {
	return p.RiskAppetite > 0 && r.Residual() > p.RiskAppetite
}

// Plans reports whether the treatment is a plan that reduces the risk: a
// decision other than accept that names the controls or policies it
// relies on.
func (t Treatment) Plans() bool {
	return t.Decision != Accept && (len(t.Controls) > 0 || len(t.Policies) > 0)
}

// Holds reports whether the acceptance accepts the residual risk at now:
// approved by an approval act of the management body bound to the
// acceptance as it is (REQ-5-05), bounded by an expiry, and not yet
// expired. The approver the program file names is a claim and holds
// nothing alone. An acceptance without an expiry holds nothing above the
// appetite: a risk accepted for ever is never looked at again.
func (a Acceptance) Holds(approvals Approvals, now time.Time) bool {
	_, ok := a.Approval(approvals)
	return ok && !a.Expires.IsZero() && !a.Expired(now)
}
