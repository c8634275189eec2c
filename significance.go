package evident

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Impact is what the handler knows about an incident's effects: the data
// the REQ-7.9.3-07 criteria are computed from. Zero means "none" or "not
// known"; a total that is not known (UsersTotal, AnnualTurnoverEUR) leaves
// only the absolute figure of a lower-of rule, which can only make the bar
// higher, never hide a crossing the absolute figure shows.
type Impact struct {
	FinancialLossEUR  float64 `json:"financial_loss_eur,omitempty"`
	AnnualTurnoverEUR float64 `json:"annual_turnover_eur,omitempty"`
	// FullOutageMinutes is the longest continuous full unavailability.
	FullOutageMinutes float64 `json:"full_outage_minutes,omitempty"`
	// WeeklyUnavailableMinutes is the unavailability summed over the worst
	// calendar week.
	WeeklyUnavailableMinutes float64 `json:"weekly_unavailable_minutes,omitempty"`
	// UsersTotal counts the service's EU users and relying parties the way
	// REQ-7.9.3-09 says: contract customers plus the persons associated
	// with business customers.
	UsersTotal               int64 `json:"users_total,omitempty"`
	UsersLimitedAvailability int64 `json:"users_limited_availability,omitempty"`
	// UsersCompromised counts users whose data or services had integrity,
	// confidentiality or authenticity compromised.
	UsersCompromised   int64 `json:"users_compromised,omitempty"`
	TradeSecrets       bool  `json:"trade_secrets,omitempty"`
	Death              bool  `json:"death,omitempty"`
	HealthDamage       bool  `json:"health_damage,omitempty"`
	MaliciousAccess    bool  `json:"malicious_access,omitempty"`
	RestrictedArea     bool  `json:"restricted_area,omitempty"`
	PlannedMaintenance bool  `json:"planned_maintenance,omitempty"`
}

// Validate refuses negative figures and parts larger than their whole.
func (im Impact) Validate() error {
	for name, v := range map[string]float64{
		"financial_loss_eur": im.FinancialLossEUR, "annual_turnover_eur": im.AnnualTurnoverEUR,
		"full_outage_minutes": im.FullOutageMinutes, "weekly_unavailable_minutes": im.WeeklyUnavailableMinutes,
		"users_total": float64(im.UsersTotal), "users_limited_availability": float64(im.UsersLimitedAvailability),
		"users_compromised": float64(im.UsersCompromised),
	} {
		if v < 0 || v != v {
			return ErrorAt(EINVALID, name, "%v is not a non-negative number", v)
		}
	}
	if im.UsersTotal > 0 && (im.UsersLimitedAvailability > im.UsersTotal || im.UsersCompromised > im.UsersTotal) {
		return ErrorAt(EINVALID, "users_total", "%d users in total, but more are counted as affected", im.UsersTotal)
	}
	return nil
}

// Thresholds are the REQ-7.9.3-07 and REQ-7.9.3-10 figures, read from the
// catalog (see IncidentRulesFrom) so the numbers live in one place.
type Thresholds struct {
	LossEUR              float64 `json:"loss_eur"`                   // EUR 500 000
	LossTurnoverPercent  float64 `json:"loss_turnover_percent"`      // 5 % of annual turnover
	FullOutageMinutes    float64 `json:"full_outage_minutes"`        // 20 minutes
	WeeklyUnavailableMin float64 `json:"weekly_unavailable_minutes"` // 1 hour per calendar week
	UsersPercent         float64 `json:"users_percent"`              // 1 % of users
	UsersCount           float64 `json:"users_count"`                // 200 000 users
	CompromisedPercent   float64 `json:"compromised_percent"`        // 0.1 % of users
	CompromisedCount     float64 `json:"compromised_count"`          // 100 users
	RecurrenceCount      int     `json:"recurrence_count"`           // twice or more
	RecurrenceWindow     Span    `json:"recurrence_window"`          // within 6 months
}

// Criterion names, stable in JSON: the API and the web UI match on them.
const (
	CritFinancialLoss   = "financial-loss"
	CritTradeSecrets    = "trade-secrets"
	CritDeath           = "death"
	CritHealth          = "health-damage"
	CritMaliciousAccess = "malicious-access"
	CritRecurring       = "recurring"
	CritFullOutage      = "full-outage"
	CritWeeklyOutage    = "weekly-unavailability"
	CritUsersAffected   = "users-affected"
	CritRestrictedArea  = "restricted-area"
	CritCompromise      = "integrity-confidentiality"
	CritDeclared        = "declared"
)

// Reason is one criterion that made an incident significant, with the
// figure it was measured against so the user sees why.
type Reason struct {
	Criterion string `json:"criterion"`
	Detail    string `json:"detail"`
	Basis     string `json:"basis"` // "EN319401@3.2.1:REQ-7.9.3-07"
}

// lowerOf returns the lower bar of "absolute or share of the whole". With
// no known whole the absolute figure is the only bar there is.
func lowerOf(abs, percent, whole float64) float64 {
	if whole <= 0 || percent <= 0 {
		return abs
	}
	if share := whole * percent / 100; share < abs {
		return share
	}
	return abs
}

// FinancialBar returns the loss above which an incident is significant for
// a TSP with the given annual turnover (EUR 500 000 or 5 %, the lower).
func (th Thresholds) FinancialBar(turnoverEUR float64) float64 {
	return lowerOf(th.LossEUR, th.LossTurnoverPercent, turnoverEUR)
}

// Assess applies the REQ-7.9.3-07 criteria to one incident's impact and
// returns every criterion met; none means not significant. Planned
// maintenance and scheduled outages are never significant (REQ-7.9.3-08),
// so they return no reasons whatever the figures say. basis is the catalog
// reference written into each reason.
func (th Thresholds) Assess(im Impact, basis string) []Reason {
	if im.PlannedMaintenance {
		return nil
	}
	var rs []Reason
	add := func(c, format string, args ...any) {
		rs = append(rs, Reason{Criterion: c, Detail: fmt.Sprintf(format, args...), Basis: basis})
	}
	if bar := th.FinancialBar(im.AnnualTurnoverEUR); im.FinancialLossEUR > bar {
		add(CritFinancialLoss, "direct financial loss EUR %s is more than EUR %s%s", num(im.FinancialLossEUR), num(bar), lowerNote(bar != th.LossEUR, th.LossTurnoverPercent, "annual turnover"))
	}
	flags := []struct {
		on   bool
		c, d string
	}{
		{im.TradeSecrets, CritTradeSecrets, "trade secrets exfiltrated"},
		{im.Death, CritDeath, "a person died"},
		{im.HealthDamage, CritHealth, "considerable damage to a person's health"},
		{im.MaliciousAccess, CritMaliciousAccess, "malicious unauthorised access that could cause severe disruption"},
		{im.RestrictedArea, CritRestrictedArea, "a restricted physical area was compromised"},
	}
	for _, f := range flags {
		if f.on {
			add(f.c, "%s", f.d)
		}
	}
	if im.FullOutageMinutes > th.FullOutageMinutes {
		add(CritFullOutage, "service fully unavailable for %s minutes, more than %s", num(im.FullOutageMinutes), num(th.FullOutageMinutes))
	}
	if im.WeeklyUnavailableMinutes > th.WeeklyUnavailableMin {
		add(CritWeeklyOutage, "service unavailable %s minutes in a calendar week, more than %s", num(im.WeeklyUnavailableMinutes), num(th.WeeklyUnavailableMin))
	}
	if bar := lowerOf(th.UsersCount, th.UsersPercent, float64(im.UsersTotal)); float64(im.UsersLimitedAvailability) > bar {
		add(CritUsersAffected, "%s users affected by limited availability, more than %s%s", num(float64(im.UsersLimitedAvailability)), num(bar), lowerNote(bar != th.UsersCount, th.UsersPercent, "users"))
	}
	if bar := lowerOf(th.CompromisedCount, th.CompromisedPercent, float64(im.UsersTotal)); float64(im.UsersCompromised) > bar {
		add(CritCompromise, "%s users affected by an integrity, confidentiality or authenticity compromise, more than %s%s", num(float64(im.UsersCompromised)), num(bar), lowerNote(bar != th.CompromisedCount, th.CompromisedPercent, "users"))
	}
	return rs
}

// lowerNote says which side of a lower-of rule set the bar.
func lowerNote(share bool, percent float64, of string) string {
	if !share {
		return ""
	}
	return fmt.Sprintf(" (%s %% of %s, lower than the absolute figure)", num(percent), of)
}

func num(v float64) string {
	if v == float64(int64(v)) {
		return group(fmt.Sprint(int64(v)))
	}
	return fmt.Sprint(v)
}

// Recurrence is a group of minor incidents that REQ-7.9.3-10 treats as one
// significant incident: at least RecurrenceCount of them within the
// window, sharing a root cause, together over the financial bar.
type Recurrence struct {
	RootCause string    `json:"root_cause"`
	Incidents []string  `json:"incidents"` // oldest first; the last one completed the group
	LossEUR   float64   `json:"loss_eur"`
	BarEUR    float64   `json:"bar_eur"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
}

// Recurring looks for the REQ-7.9.3-10 pattern that completes at target:
// incidents of the register with target's root cause (compared without
// case or surrounding space) whose awareness falls in the window ending at
// target's awareness. It checks the register as it stands, so the incident
// that completes the group is the one that becomes significant, and its
// clocks start at its own awareness, the moment the pattern could be seen.
// Incidents already significant on their own, planned maintenance and
// vulnerabilities do not count: the rule is about minor incidents adding up.
// The financial bar uses target's turnover when known.
func (th Thresholds) Recurring(target Incident, im Impact, register []Incident) (Recurrence, bool) {
	cause := normCause(target.RootCause)
	if cause == "" || im.PlannedMaintenance || target.Kind != KindIncident || th.RecurrenceCount < 1 {
		return Recurrence{}, false
	}
	from, ok := Span{Amount: -th.RecurrenceWindow.Amount, Unit: th.RecurrenceWindow.Unit}.AddTo(target.AwareAt)
	if !ok {
		return Recurrence{}, false
	}
	members := []Incident{}
	loss := im.FinancialLossEUR
	for _, o := range register {
		if o.ID == target.ID || o.Kind != KindIncident || normCause(o.RootCause) != cause {
			continue
		}
		if o.AwareAt.Before(from) || o.AwareAt.After(target.AwareAt) {
			continue
		}
		c, ok := o.Current()
		if ok && (c.Impact.PlannedMaintenance || c.ownSignificance()) {
			continue
		}
		members = append(members, o)
		loss += c.Impact.FinancialLossEUR
	}
	if len(members)+1 < th.RecurrenceCount {
		return Recurrence{}, false
	}
	bar := th.FinancialBar(im.AnnualTurnoverEUR)
	if loss <= bar {
		return Recurrence{}, false
	}
	sort.Slice(members, func(i, j int) bool { return members[i].AwareAt.Before(members[j].AwareAt) })
	r := Recurrence{RootCause: target.RootCause, LossEUR: loss, BarEUR: bar, To: target.AwareAt}
	r.From = target.AwareAt
	if len(members) > 0 {
		r.From = members[0].AwareAt
	}
	for _, m := range members {
		r.Incidents = append(r.Incidents, m.ID)
	}
	r.Incidents = append(r.Incidents, target.ID)
	return r, true
}

func normCause(s string) string { return RootCauseKey(s) }

// RootCauseKey is the form root causes are compared in: lower case, runs
// of space folded. Stores index it so the recurrence check finds "Expired
// HSM firmware" and "expired hsm  firmware" as one cause.
func RootCauseKey(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// AssessImpact applies the incident's own thresholds (the rules snapshot)
// and the recurrence rule over register, naming the catalog requirements
// in each reason.
func (inc Incident) AssessImpact(im Impact, register []Incident) []Reason {
	rs := inc.Rules.Thresholds.AssessWithRegister(inc, im, register, inc.ref(reqSignificance), inc.ref(reqRecurrence))
	if rs == nil {
		rs = []Reason{}
	}
	return rs
}

// AssessWithRegister is Assess plus the recurrence rule over the register,
// the whole REQ-7.9.3-07 test as the register sees it.
func (th Thresholds) AssessWithRegister(target Incident, im Impact, register []Incident, basis7, basis10 string) []Reason {
	rs := th.Assess(im, basis7)
	if len(rs) > 0 {
		return rs // already significant: recurrence only matters for minor incidents
	}
	if r, ok := th.Recurring(target, im, register); ok {
		rs = append(rs, Reason{Criterion: CritRecurring, Basis: basis10,
			Detail: fmt.Sprintf("%d incidents with root cause %q between %s and %s lost EUR %s together, more than EUR %s",
				len(r.Incidents), r.RootCause, r.From.Format("2006-01-02"), r.To.Format("2006-01-02"), num(r.LossEUR), num(r.BarEUR))})
	}
	return rs
}
