package evident

import (
	"encoding/json"
	"strings"
	"testing"
)

// accept is an acceptance act by who for systems.
func accept(t *testing.T, who string, systems ...string) Act {
	t.Helper()
	b, err := json.Marshal(ReviewBinding{Systems: systems})
	if err != nil {
		t.Fatal(err)
	}
	return Act{Verb: ActAccept, Actor: who, Detail: b}
}

func TestOnlyAcceptedSubmissionsSatisfyAWindowForTheSystemsAccepted(t *testing.T) {
	systems := []string{"root-ca", "tsa-unit"}
	s := Schedule{Cadence: mustCadence(t, "quarterly"), Anchor: ts(t, "2026-01-01"), Method: MethodAttestation, Systems: systems,
		Review: &ReviewScope{Systems: systems}}
	at := ts(t, "2026-11-20")
	sub := Occurrence{ID: "s1", Effective: ts(t, "2026-11-02"), Received: ts(t, "2026-11-02")}
	tests := []struct {
		name        string
		review      ReviewState
		accepted    []string
		state       PeriodState
		why         string
		freshness   Currency
		countedByID bool
	}{
		{"submitted only", ReviewPending, nil, PeriodDue, ReasonAwaitingReview, CurrencyNone, false},
		{"rejected", ReviewRejected, nil, PeriodDue, ReasonRejected, CurrencyNone, false},
		// Current for root-ca, nothing for tsa-unit: not current as a whole.
		{"accepted for one of two systems", ReviewAccepted, []string{"root-ca"}, PeriodDue, "not accepted for tsa-unit", CurrencyStale, true},
		{"accepted for both", ReviewAccepted, []string{"root-ca", "tsa-unit"}, PeriodSatisfied, "", CurrencyCurrent, true},
		{"stale document version", ReviewStale, nil, PeriodDue, ReasonStale, CurrencyNone, false},
	}
	for _, tt := range tests {
		o := sub
		o.Review, o.AcceptedFor = tt.review, tt.accepted
		h := History{Occurrences: []Occurrence{o}}
		ps := s.Evaluate(h, ts(t, "2026-10-01"), ts(t, "2027-01-01"), at)
		if len(ps) != 1 {
			t.Fatalf("%s: %d periods, want 1", tt.name, len(ps))
		}
		if ps[0].State != tt.state || ps[0].Review != tt.why {
			t.Errorf("%s: window %s (%q), want %s (%q)", tt.name, ps[0].State, ps[0].Review, tt.state, tt.why)
		}
		if got := s.Freshness(h, at).State; got != tt.freshness {
			t.Errorf("%s: freshness %s, want %s", tt.name, got, tt.freshness)
		}
		if got := len(ps[0].Evidence) == 1; got != tt.countedByID {
			t.Errorf("%s: evidence counted %v, want %v", tt.name, got, tt.countedByID)
		}
	}
	// Without the rule, and judged as one unit, the same occurrence counts.
	s.Review, s.Systems = nil, nil
	if ps := s.Evaluate(History{Occurrences: []Occurrence{sub}}, ts(t, "2026-10-01"), ts(t, "2027-01-01"), at); ps[0].State != PeriodSatisfied {
		t.Errorf("import control: %s, want satisfied", ps[0].State)
	}
}

func TestOutcomeNeedsDifferentReviewersAndARejectionWins(t *testing.T) {
	if st, _ := Outcome(nil, 1); st != ReviewPending {
		t.Errorf("no acts: %s", st)
	}
	st, sys := Outcome([]Act{accept(t, "bob", "a", "b")}, 1)
	if st != ReviewAccepted || strings.Join(sys, ",") != "a,b" {
		t.Errorf("one acceptance: %s %v", st, sys)
	}
	if st, _ := Outcome([]Act{accept(t, "bob", "a"), accept(t, "bob", "a")}, 2); st != ReviewPending {
		t.Errorf("the same reviewer twice counts once: %s", st)
	}
	st, sys = Outcome([]Act{accept(t, "bob", "a", "b"), accept(t, "carol", "a")}, 2)
	if st != ReviewAccepted || strings.Join(sys, ",") != "a" {
		t.Errorf("two acceptances: %s %v, want accepted for a only", st, sys)
	}
	if st, _ := Outcome([]Act{accept(t, "bob", "a"), {Verb: ActReject, Actor: "carol"}}, 1); st != ReviewRejected {
		t.Errorf("rejected after an acceptance: %s", st)
	}
}

func TestMayReviewKeepsFourEyes(t *testing.T) {
	c := Control{ID: "physical-access-quarterly", Reviewer: "dora"}
	tests := []struct {
		user      User
		submitter string
		basis     string
		refusal   string
	}{
		{User{Name: "carol", Role: RoleComplianceManager}, "carol", "", "four eyes"},
		{User{Name: "carol", Role: RoleComplianceManager}, "token:carol/ci", "", "four eyes"},
		{User{Name: "carol", Role: RoleComplianceManager}, "alice", BasisComplianceManager, ""},
		{User{Name: "dora", Role: RoleControlOwner}, "alice", BasisNamedReviewer, ""},
		{User{Name: "erik", Role: RoleControlOwner}, "alice", "", "only a compliance manager or the control's reviewer dora"},
		{User{Name: "carol", Role: RoleComplianceManager, Disabled: true}, "alice", "", "disabled"},
	}
	for _, tt := range tests {
		basis, err := MayReview(tt.user, tt.submitter, c)
		if tt.refusal != "" {
			if ErrorCode(err) != EFORBIDDEN || !strings.Contains(ErrorMessage(err), tt.refusal) {
				t.Errorf("%s reviewing %s: %v, want a refusal naming %q", tt.user.Name, tt.submitter, err, tt.refusal)
			}
			continue
		}
		if err != nil || basis != tt.basis {
			t.Errorf("%s reviewing %s: %q, %v; want %q", tt.user.Name, tt.submitter, basis, err, tt.basis)
		}
	}
}

func TestCheckSubmissionNamesWhatIsMissing(t *testing.T) {
	sampling := Control{ID: "pa", Method: VerificationMethod{Kind: MethodSampling, SampleSize: 3}}
	pop := []string{"e1", "e2", "e3", "e4", "e5", "e6"}
	drawn := DrawSample(pop, 3, "42")
	policy := func(id string) (string, bool) { return "aaaa", id == "cps" }
	review := Control{ID: "dr", Method: VerificationMethod{Kind: MethodDocumentReview}}
	tests := []struct {
		name string
		c    Control
		s    *Submission
		want string // "" for accepted; else a fragment of the error
	}{
		{"nothing", sampling, nil, "holds no sampling content"},
		{"no population", sampling, &Submission{Method: MethodSampling, Items: []string{"a", "b", "c"}}, "population: missing"},
		{"2 of 3", sampling, &Submission{Method: MethodSampling, Population: &Population{Description: "log", Size: 9}, Items: []string{"a", "b"}}, "2 of 3 sampled items"},
		{"twice", sampling, &Submission{Method: MethodSampling, Population: &Population{Description: "log", Size: 9}, Items: []string{"a", "b", "a"}}, "sampled twice"},
		{"given list", sampling, &Submission{Method: MethodSampling, Population: &Population{Description: "log", Size: 9}, Items: []string{"a", "b", "c"}}, ""},
		{"drawn", sampling, &Submission{Method: MethodSampling, Population: &Population{Description: "log", Size: 6, Items: pop}, Items: drawn, Seed: "42"}, ""},
		{"drawn, other seed", sampling, &Submission{Method: MethodSampling, Population: &Population{Description: "log", Size: 6, Items: pop}, Items: drawn, Seed: "43"}, "not the sample seed 43 draws"},
		{"stale version", review, &Submission{Method: MethodDocumentReview, Document: &DocumentReview{Policy: "cps", SHA256: "bbbb", Outcome: "ok"}}, "not the current version of policy cps"},
		{"current version", review, &Submission{Method: MethodDocumentReview, Document: &DocumentReview{Policy: "cps", SHA256: "aaaa", Outcome: "ok"}}, ""},
		{"exercise without participants", Control{Method: VerificationMethod{Kind: MethodExercise}}, &Submission{Method: MethodExercise, Exercise: &Exercise{Date: ts(t, "2026-03-01"), Scenario: "x", Outcome: "y"}}, "participants"},
		{"attestation without report", Control{Method: VerificationMethod{Kind: MethodAttestation, Report: "UPS test report"}}, &Submission{Method: MethodAttestation, Attestation: &Attested{By: "bob", Statement: "tested"}}, "UPS test report"},
	}
	for _, tt := range tests {
		_, err := CheckSubmission(tt.c, tt.s, policy)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: refused: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(ErrorMessage(err), tt.want)):
			t.Errorf("%s: %v, want an error naming %q", tt.name, err, tt.want)
		}
	}
	if a, b := DrawSample(pop, 3, "42"), DrawSample(pop, 3, "42"); strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("the same seed drew %v and %v", a, b)
	}
}

func TestSubmissionTextRefusesControlCharacters(t *testing.T) {
	c := Control{ID: "ua", Method: VerificationMethod{Kind: MethodAttestation}}
	s := &Submission{Method: MethodAttestation, Attestation: &Attested{By: "bob", Statement: "tested\x00"}}
	_, err := CheckSubmission(c, s, nil)
	if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), "submission.attestation") {
		t.Errorf("a NUL in the statement: %v, want a refusal naming the field", err)
	}
}
