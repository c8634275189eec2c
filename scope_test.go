package evident

import (
	"slices"
	"testing"
)

func TestSupplierNextReview(t *testing.T) {
	s := Supplier{LastReview: date("2025-09-15")}
	if got := s.NextReview().Format("2006-01-02"); got != "2026-09-15" {
		t.Errorf("annual by default: next review %s, want 2026-09-15", got)
	}
	s.ReviewEvery = Cadence{Kind: CadencePeriodic, Every: 6, Unit: UnitMonth}
	if got := s.NextReview().Format("2006-01-02"); got != "2026-03-15" {
		t.Errorf("semiannual: next review %s, want 2026-03-15", got)
	}
	if !(Supplier{}).NextReview().IsZero() {
		t.Error("a supplier never reviewed is due now (zero time)")
	}
}

func TestZoneAllows(t *testing.T) {
	dmz := Zone{AllowedServices: []string{"tcp/443", "tcp/80"}}
	if !dmz.Allows("tcp/443") || dmz.Allows("tcp/22") || dmz.Allows("udp/443") {
		t.Error("dmz allows exactly tcp/443 and tcp/80")
	}
	root := Zone{Offline: true, AllowedServices: []string{"tcp/443"}}
	if root.Allows("tcp/443") {
		t.Error("an offline zone allows nothing, whatever its list says")
	}
}

func TestRiskScores(t *testing.T) {
	r := Risk{Likelihood: 3, Impact: 4}
	if r.Inherent() != 12 || r.Residual() != 12 {
		t.Errorf("unrated residual: inherent %d residual %d, want 12 and 12 (an unrated treatment reduces nothing)", r.Inherent(), r.Residual())
	}
	r.ResidualLikelihood, r.ResidualImpact = 1, 4
	if r.Residual() != 4 {
		t.Errorf("residual %d, want 4", r.Residual())
	}
	a := Acceptance{Expires: date("2026-09-30")}
	if a.Expired(date("2026-09-29")) || !a.Expired(date("2026-09-30")) {
		t.Error("an acceptance lapses at its expiry instant")
	}
	if (Acceptance{}).Expired(date("2100-01-01")) {
		t.Error("an acceptance without expiry does not lapse by date")
	}
	if (Program{}).Scale() != DefaultScale || (Program{RiskScale: Scale{4, 3}}).Scale().Max() != 12 {
		t.Error("program scale: default 5x5, else the one set")
	}
}

// TestOwnersOfALogin: a login's work is what its person owns and what the
// roles that person holds own; a login no person names owns nothing.
func TestOwnersOfALogin(t *testing.T) {
	m := &Model{People: []Person{
		{ID: "amir", Roles: []string{"system-operator"}, User: "omar"},
		{ID: "sofia", Roles: []string{"system-administrator"}},
		{ID: "marta", ManagementBody: true, User: "mira"},
	}}
	if got := m.OwnersOf("omar"); !slices.Equal(got, []string{"amir", "system-operator"}) {
		t.Errorf("OwnersOf(omar) = %v, want amir and the role he holds", got)
	}
	if got := m.OwnersOf("mira"); !slices.Equal(got, []string{"marta"}) {
		t.Errorf("OwnersOf(mira) = %v, want marta", got)
	}
	for _, login := range []string{"nobody", ""} {
		if got := m.OwnersOf(login); len(got) != 0 {
			t.Errorf("OwnersOf(%q) = %v, want none", login, got)
		}
	}
}
