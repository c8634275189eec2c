package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// The demo's assessment: a surveillance engagement by a CAB with Asa as
// its assessor, in its last weeks. Asa asked for the scan reports (answered
// and accepted) and the time-sync records (still open), raised a minor
// nonconformity that Carla closed with evidence and Asa accepted, and a
// major one still open, which makes its requirement failing. Every step is
// made through the store's one home, by the login whose act it is.

// assessment writes the engagement and its history in the two hours
// before End, after the year's evidence.
func (g *gen) assessment(ctx context.Context) error {
	st, clk := g.opt.Store, g.opt.Clock
	clk.T = g.end.Add(-2 * time.Hour)
	tick := func() { clk.T = clk.T.Add(5 * time.Minute) }
	services := []string{}
	for _, s := range g.model.Services {
		services = append(services, s.ID)
	}
	e, err := st.AddEngagement(ctx, evident.Engagement{Kind: evident.EngagementSurveillance, CAB: "TrustCert Assessment GmbH", Lead: "Asa Assessor",
		From: g.start, To: g.end.AddDate(0, 0, 1).Truncate(24 * time.Hour), Ends: g.end.AddDate(0, 0, 21).Truncate(24 * time.Hour),
		Services: services, Assessors: []string{"asa"}, Actor: "carla"})
	if err != nil {
		return fmt.Errorf("demo engagement: %w", err)
	}
	ref := func(id string) evident.RequirementRef {
		return evident.RequirementRef{Standard: g.model.Program.Standard, Version: g.model.Program.Version, ID: evident.RequirementID(id)}
	}
	latest := func(control string) (string, error) {
		evs, err := st.ListEvidence(ctx, sqlstore.EvidenceFilter{Control: control, Newest: true, Limit: 1})
		if err != nil || len(evs) == 0 {
			return "", fmt.Errorf("demo assessment: no evidence for %s: %v", control, err)
		}
		return evs[0].ID, nil
	}
	scan, err := latest("vuln-scan-quarterly")
	if err != nil {
		return err
	}
	sync, err := latest("clock-sync-daily")
	if err != nil {
		return err
	}
	tick()
	r, err := st.AddRequest(ctx, evident.Request{Engagement: e.ID, Requirement: ptr(ref("REQ-7.8-14")), Text: "The last vulnerability scan report with its findings",
		Due: g.end.AddDate(0, 0, 7), RaisedBy: "asa"})
	if err != nil {
		return fmt.Errorf("demo request: %w", err)
	}
	steps := []struct {
		id string
		s  evident.AssessmentStep
	}{
		{r.ID, evident.AssessmentStep{Kind: evident.StepAnswer, Actor: "carla", Text: "The latest quarterly scan, imported from nmap", Evidence: []string{scan}}},
		{r.ID, evident.AssessmentStep{Kind: evident.StepAccept, Actor: "asa"}},
	}
	for _, x := range steps {
		tick()
		if _, err := st.RequestStep(ctx, x.id, x.s); err != nil {
			return fmt.Errorf("demo request %s: %w", x.s.Kind, err)
		}
	}
	tick()
	if _, err := st.AddRequest(ctx, evident.Request{Engagement: e.ID, Control: "clock-sync-daily", Text: "Time synchronisation records for the last month",
		Due: g.end.AddDate(0, 0, 7), RaisedBy: "asa"}); err != nil {
		return fmt.Errorf("demo request: %w", err)
	}
	tick()
	minor, err := st.AddFinding(ctx, evident.Finding{Engagement: e.ID, Ref: "NC-2", Kind: evident.FindingMinor, Requirements: []evident.RequirementRef{ref("REQ-7.10-06")},
		Text: "Two days of time synchronisation records are missing after the collector upgrade.", RaisedBy: "asa"})
	if err != nil {
		return fmt.Errorf("demo finding: %w", err)
	}
	tick()
	if _, err := st.FindingStep(ctx, minor.ID, evident.AssessmentStep{Kind: evident.StepClose, Actor: "carla", Evidence: []string{sync}, Text: "Collector alerting added"},
		sqlstore.FindingPlan{RootCause: "The collector was disabled during its upgrade", CorrectiveAction: "Alert when a daily run is missing"}); err != nil {
		return fmt.Errorf("demo finding close: %w", err)
	}
	tick()
	if _, err := st.FindingStep(ctx, minor.ID, evident.AssessmentStep{Kind: evident.StepAccept, Actor: "asa", Text: "Alerting seen working"}, sqlstore.FindingPlan{}); err != nil {
		return fmt.Errorf("demo finding accept: %w", err)
	}
	tick()
	major, err := st.AddFinding(ctx, evident.Finding{Engagement: e.ID, Ref: "NC-1", Kind: evident.FindingMajor, Requirements: []evident.RequirementRef{ref("REQ-7.4.5-01")},
		Text: "Administrators of the RA portal sign in without multi-factor authentication.", RaisedBy: "asa"})
	if err != nil {
		return fmt.Errorf("demo finding: %w", err)
	}
	tick()
	if _, err := st.FindingStep(ctx, major.ID, evident.AssessmentStep{Kind: evident.StepUpdate, Actor: "carla"},
		sqlstore.FindingPlan{RootCause: "The RA portal was left out of the identity provider's MFA policy", CorrectiveAction: "Enforce MFA on the RA portal and re-run the monthly check",
			Due: g.end.AddDate(0, 0, 14).Truncate(24 * time.Hour)}); err != nil {
		return fmt.Errorf("demo finding update: %w", err)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
