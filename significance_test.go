package evident_test

import (
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/google/go-cmp/cmp"
)

// rules reads the incident rules from the shipped catalog, the way the
// program does, so these tests also pin the catalog figures.
func rules(t *testing.T) evident.IncidentRules {
	t.Helper()
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := c.Requirements("3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	r, err := evident.IncidentRulesFrom(reqs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestIncidentRulesFromCatalog(t *testing.T) {
	r := rules(t)
	want := evident.IncidentRules{
		Source:         "EN319401@3.2.1",
		Notification:   evident.Span{Amount: 24, Unit: evident.UnitHour},
		Vulnerability:  evident.Span{Amount: 48, Unit: evident.UnitHour},
		CustomerNotice: evident.Span{Amount: 72, Unit: evident.UnitHour},
		Review:         evident.Span{Amount: 30, Unit: evident.UnitDay},
		Thresholds: evident.Thresholds{
			LossEUR: 500000, LossTurnoverPercent: 5, FullOutageMinutes: 20, WeeklyUnavailableMin: 60,
			UsersPercent: 1, UsersCount: 200000, CompromisedPercent: 0.1, CompromisedCount: 100,
			RecurrenceCount: 2, RecurrenceWindow: evident.Span{Amount: 6, Unit: evident.UnitMonth},
		},
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("rules from catalog (-want +got):\n%s", diff)
	}
}

// V3.1.1 lists no clause 7.9.3 identifiers; the rules must say so rather
// than run clocks of zero length.
func TestIncidentRulesFromIncompleteVersion(t *testing.T) {
	c, _ := catalog.Load()
	reqs, err := c.Requirements("3.1.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := evident.IncidentRulesFrom(reqs); evident.ErrorCode(err) != evident.EINVALID {
		t.Errorf("rules from V3.1.1: got %v, want EINVALID naming the missing figure", err)
	}
}

func criteria(rs []evident.Reason) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Criterion)
	}
	return out
}

func TestSignificanceCriteria(t *testing.T) {
	th := rules(t).Thresholds
	cases := []struct {
		name string
		im   evident.Impact
		want []string
	}{
		{"nothing", evident.Impact{}, []string{}},
		// Financial loss: EUR 500 000 or 5 % of turnover, whichever is lower.
		{"loss above 500k, turnover unknown", evident.Impact{FinancialLossEUR: 500001}, []string{evident.CritFinancialLoss}},
		{"loss exactly 500k is not more than", evident.Impact{FinancialLossEUR: 500000}, []string{}},
		{"5 % of 6M is 300k: 300 001 crosses", evident.Impact{FinancialLossEUR: 300001, AnnualTurnoverEUR: 6e6}, []string{evident.CritFinancialLoss}},
		{"5 % of 6M is 300k: 300 000 does not", evident.Impact{FinancialLossEUR: 300000, AnnualTurnoverEUR: 6e6}, []string{}},
		{"5 % of 20M is 1M: 500k absolute is lower", evident.Impact{FinancialLossEUR: 600000, AnnualTurnoverEUR: 20e6}, []string{evident.CritFinancialLoss}},
		{"5 % of 20M: 450k is under both", evident.Impact{FinancialLossEUR: 450000, AnnualTurnoverEUR: 20e6}, []string{}},
		// Availability.
		{"full outage 21 min", evident.Impact{FullOutageMinutes: 21}, []string{evident.CritFullOutage}},
		{"full outage 20 min", evident.Impact{FullOutageMinutes: 20}, []string{}},
		{"61 min in a week", evident.Impact{WeeklyUnavailableMinutes: 61}, []string{evident.CritWeeklyOutage}},
		{"60 min in a week", evident.Impact{WeeklyUnavailableMinutes: 60}, []string{}},
		// Users: 1 % or 200 000, whichever is lower.
		{"1 % of 1M is 10 000: 10 001 crosses", evident.Impact{UsersTotal: 1e6, UsersLimitedAvailability: 10001}, []string{evident.CritUsersAffected}},
		{"1 % of 1M: 10 000 does not", evident.Impact{UsersTotal: 1e6, UsersLimitedAvailability: 10000}, []string{}},
		{"1 % of 50M is 500k: 200 001 crosses", evident.Impact{UsersTotal: 50e6, UsersLimitedAvailability: 200001}, []string{evident.CritUsersAffected}},
		{"1 % of 50M: 200 000 does not", evident.Impact{UsersTotal: 50e6, UsersLimitedAvailability: 200000}, []string{}},
		{"total unknown: 200 001 crosses", evident.Impact{UsersLimitedAvailability: 200001}, []string{evident.CritUsersAffected}},
		// Integrity, confidentiality, authenticity: 0.1 % or 100.
		{"0.1 % of 50 000 is 50: 51 crosses", evident.Impact{UsersTotal: 50000, UsersCompromised: 51}, []string{evident.CritCompromise}},
		{"0.1 % of 50 000: 50 does not", evident.Impact{UsersTotal: 50000, UsersCompromised: 50}, []string{}},
		{"0.1 % of 1M is 1000: 101 crosses the 100", evident.Impact{UsersTotal: 1e6, UsersCompromised: 101}, []string{evident.CritCompromise}},
		{"0.1 % of 1M: 100 does not", evident.Impact{UsersTotal: 1e6, UsersCompromised: 100}, []string{}},
		// Yes/no criteria.
		{"trade secrets", evident.Impact{TradeSecrets: true}, []string{evident.CritTradeSecrets}},
		{"death", evident.Impact{Death: true}, []string{evident.CritDeath}},
		{"health", evident.Impact{HealthDamage: true}, []string{evident.CritHealth}},
		{"malicious access", evident.Impact{MaliciousAccess: true}, []string{evident.CritMaliciousAccess}},
		{"restricted area", evident.Impact{RestrictedArea: true}, []string{evident.CritRestrictedArea}},
		{"several at once are all named", evident.Impact{FullOutageMinutes: 90, WeeklyUnavailableMinutes: 90, MaliciousAccess: true},
			[]string{evident.CritMaliciousAccess, evident.CritFullOutage, evident.CritWeeklyOutage}},
		// REQ-7.9.3-08: planned maintenance is never significant.
		{"planned maintenance, long outage", evident.Impact{PlannedMaintenance: true, FullOutageMinutes: 240, WeeklyUnavailableMinutes: 240}, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := criteria(th.Assess(c.im, "EN319401@3.2.1:REQ-7.9.3-07"))
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("criteria (-want +got):\n%s", diff)
			}
		})
	}
}

// The reason says which side of the lower-of rule set the bar, so a
// reader can check the arithmetic.
func TestSignificanceReasonNamesTheBar(t *testing.T) {
	th := rules(t).Thresholds
	rs := th.Assess(evident.Impact{FinancialLossEUR: 300001, AnnualTurnoverEUR: 6e6}, "EN319401@3.2.1:REQ-7.9.3-07")
	want := "direct financial loss EUR 300 001 is more than EUR 300 000 (5 % of annual turnover, lower than the absolute figure)"
	if len(rs) != 1 || rs[0].Detail != want || rs[0].Basis != "EN319401@3.2.1:REQ-7.9.3-07" {
		t.Errorf("reason = %+v, want detail %q", rs, want)
	}
}

func TestImpactValidate(t *testing.T) {
	bad := []evident.Impact{
		{FinancialLossEUR: -1},
		{UsersTotal: 10, UsersCompromised: 11},
		{UsersTotal: 10, UsersLimitedAvailability: 11},
	}
	for _, im := range bad {
		if err := im.Validate(); evident.ErrorCode(err) != evident.EINVALID {
			t.Errorf("Validate(%+v) = %v, want EINVALID", im, err)
		}
	}
	if err := (evident.Impact{UsersTotal: 10, UsersCompromised: 10}).Validate(); err != nil {
		t.Errorf("Validate of a consistent impact: %v", err)
	}
}

// minor returns a classified minor incident with a loss and a root cause.
func minor(id string, aware time.Time, cause string, loss float64) evident.Incident {
	return evident.Incident{ID: id, Kind: evident.KindIncident, AwareAt: aware, RootCause: cause,
		Classifications: []evident.Classification{{At: aware, Impact: evident.Impact{FinancialLossEUR: loss}, Reasons: []evident.Reason{}}}}
}

func TestRecurrence(t *testing.T) {
	th := rules(t).Thresholds
	jan := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
	register := []evident.Incident{
		minor("a", jan, "Expired HSM firmware", 300000),
		minor("b", jan.AddDate(0, 2, 0), "other cause", 450000),
		minor("old", jan.AddDate(0, -7, 0), "expired hsm firmware", 450000),
	}
	planned := minor("p", jan.AddDate(0, 1, 0), "expired hsm firmware", 450000)
	planned.Classifications[0].Impact.PlannedMaintenance = true
	bigOwn := minor("own", jan.AddDate(0, 1, 0), "expired hsm firmware", 900000)
	bigOwn.Classifications[0].Reasons = []evident.Reason{{Criterion: evident.CritFinancialLoss}}
	register = append(register, planned, bigOwn)

	cases := []struct {
		name   string
		target evident.Incident
		loss   float64
		turn   float64
		want   []string // member ids, nil = not recurring
	}{
		{"same cause within 6 months, together over 500k", minor("c", jan.AddDate(0, 5, 0), " expired  HSM firmware ", 0), 250000, 0, []string{"a", "c"}},
		{"together exactly 500k is not over", minor("c", jan.AddDate(0, 5, 0), "expired hsm firmware", 0), 200000, 0, nil},
		{"outside the 6-month window", minor("c", jan.AddDate(0, 6, 1), "expired hsm firmware", 0), 250000, 0, nil},
		{"turnover lowers the bar to 5 %", minor("c", jan.AddDate(0, 1, 0), "expired hsm firmware", 0), 1, 6e6, []string{"a", "c"}},
		{"different cause", minor("c", jan.AddDate(0, 3, 0), "phishing", 0), 250000, 0, nil},
		{"no root cause recorded", minor("c", jan.AddDate(0, 3, 0), "", 0), 900000, 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, ok := th.Recurring(c.target, evident.Impact{FinancialLossEUR: c.loss, AnnualTurnoverEUR: c.turn}, register)
			if c.want == nil {
				if ok {
					t.Errorf("recurring = %+v, want none", r)
				}
				return
			}
			if !ok {
				t.Fatalf("not recurring, want group %v", c.want)
			}
			if diff := cmp.Diff(c.want, r.Incidents); diff != "" {
				t.Errorf("group (-want +got):\n%s", diff)
			}
		})
	}
	// Through the whole assessment the incident is significant because of
	// recurrence, and the reason names the group.
	target := minor("c", jan.AddDate(0, 5, 0), "expired hsm firmware", 0)
	rs := th.AssessWithRegister(target, evident.Impact{FinancialLossEUR: 250000}, register, "7", "EN319401@3.2.1:REQ-7.9.3-10")
	if len(rs) != 1 || rs[0].Criterion != evident.CritRecurring || rs[0].Basis != "EN319401@3.2.1:REQ-7.9.3-10" {
		t.Fatalf("reasons = %+v, want one recurring reason", rs)
	}
	if want := `2 incidents with root cause "expired hsm firmware" between 2026-01-10 and 2026-06-10 lost EUR 550 000 together, more than EUR 500 000`; rs[0].Detail != want {
		t.Errorf("detail = %q, want %q", rs[0].Detail, want)
	}
}
