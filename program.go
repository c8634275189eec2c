package evident

import "time"

// Program is the TSP's compliance program: the one row every other object
// hangs from. Version is the EN 319 401 version in force; bare requirement
// ids resolve against it. Overlays names catalog overlays switched on, such
// as the eIDAS implementing acts' adaptations.
type Program struct {
	Name      string    `json:"name"`
	Standard  Standard  `json:"standard"`
	Version   string    `json:"version"`
	Overlays  []string  `json:"overlays"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`

	// LegalName is the TSP's registered name, as the trusted list and the
	// practice statement spell it.
	LegalName string `json:"legal_name,omitempty"`
	// SupervisoryBody is the national supervisory body the TSP notifies
	// of breaches and reports to.
	SupervisoryBody string `json:"supervisory_body,omitempty"`
	// Country is the ISO 3166 code of the TSP's establishment.
	Country string `json:"country,omitempty"`
	// RiskScale is the risk matrix; zero means DefaultScale.
	RiskScale Scale `json:"risk_scale,omitzero"`
	// RiskAppetite is the highest residual score (likelihood x impact)
	// the program tolerates without a treatment plan or an accepted,
	// expiring residual risk (REQ-5-05, REQ-5-07); zero means not set.
	RiskAppetite int `json:"risk_appetite,omitempty"`
	// NextAudit is the date of the next conformity assessment, if known:
	// evidence a significant change made stale must be refreshed by then.
	NextAudit time.Time `json:"next_audit,omitzero"`
	// AnchorEvery is how often `evident serve` has the ledger's latest
	// checkpoint time-stamped by the configured RFC 3161 TSA; zero means
	// no schedule. It lives in the program, not in a flag, so tasks, the
	// dashboard and every replica judge a missed anchor from the signed
	// program alike.
	AnchorEvery Span `json:"anchor_every,omitzero"`
	// Retention is the program's default evidence retention: the event-log
	// retention period its terms and conditions declare (REQ-6.2-02),
	// used for every control and requirement without a period of its own.
	// Zero keeps evidence for ever.
	Retention Retention `json:"retention,omitzero"`
	// RequirementRetention is the retention period of each requirement
	// that has its own, keyed by RequirementRef.String().
	RequirementRetention map[string]Retention `json:"requirement_retention,omitempty"`
}

// MinAnchorEvery is the shortest anchoring schedule accepted: a TSA is a
// third party's service, asked once per period, not once per write.
const MinAnchorEvery = time.Hour

// Scale returns the program's risk matrix, DefaultScale when unset.
func (p Program) Scale() Scale {
	if p.RiskScale.Likelihood < 1 || p.RiskScale.Impact < 1 {
		return DefaultScale
	}
	return p.RiskScale
}
