package demo

import (
	"context"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
)

// trustworthy returns the ids of the first n trustworthy systems, the ones
// changes and incidents in the demo touch.
func (g *gen) trustworthy(n int) []evident.System {
	var out []evident.System
	for _, s := range g.model.Systems {
		if s.Kind == evident.SystemTrustworthy && s.Version != "" && len(out) < n {
			out = append(out, s)
		}
	}
	return out
}

// changes are three system changes: a significant upgrade early in the
// year followed by its pen test, a routine patch, and a significant
// change five days ago whose pen test is still due.
func (g *gen) changes() []event {
	sys := g.trustworthy(2)
	if len(sys) < 2 {
		return nil
	}
	add := func(at time.Time, ch evident.Change) event {
		return event{at: at.Add(time.Hour), do: func(ctx context.Context) error {
			ch.At, ch.Actor = at, "carla"
			_, _, err := g.opt.Store.AddChange(ctx, ch)
			return err
		}}
	}
	early := g.start.AddDate(0, 2, 3).Add(9 * time.Hour)
	out := []event{
		add(early, evident.Change{System: sys[0].ID, Version: sys[0].Version + "-u1", Significant: true,
			Summary: "Upgrade of the CA software to a new major release with a new HSM client library"}),
		add(g.start.AddDate(0, 6, 11).Add(14*time.Hour), evident.Change{System: sys[1].ID, Version: sys[1].Version + "-p3",
			Summary: "Operating system security patches, no configuration change"}),
		add(g.end.AddDate(0, 0, -5).Truncate(24*time.Hour).Add(10*time.Hour), evident.Change{System: sys[1].ID, Version: sys[1].Version + "-r2", Significant: true,
			Summary: "New time-stamping unit certificate and TSA software release"}),
	}
	if c := g.model.ControlByID("pen-test-post-change"); c != nil {
		report := early.AddDate(0, 0, 24)
		out = append(out, event{at: report.Add(6 * time.Hour), do: func(ctx context.Context) error {
			in := ledger.EvidenceInput{Actor: "carla", Filename: "pen-test-after-ca-upgrade.txt", Controls: []string{c.ID},
				Effective: evident.Effective{From: report}, Performer: &evident.EvidencePerformer{Name: "Independent Security Testers GmbH", Independent: true}}
			body := []byte("Penetration test after the CA software upgrade\n\nScope: " + sys[0].ID + "\nFindings: 0 critical, 1 medium (fixed)\n")
			_, err := g.opt.Ledger.AddBatch(ctx, []ledger.Item{{Input: in, Open: opener(body)}})
			return err
		}})
	}
	return out
}

// incidents are two closed incidents (one notified in time, one late) and
// two open ones whose clocks are running at the end of the year.
func (g *gen) incidents() []event {
	sys := g.trustworthy(2)
	if len(sys) < 2 || len(g.model.Services) == 0 {
		return nil
	}
	svc := g.model.Services[0].ID
	var out []event
	// An HSM failover outage, significant, handled by the book.
	t1 := g.start.AddDate(0, 4, 2).Add(7*time.Hour + 40*time.Minute)
	out = append(out, g.incident(t1, evident.Incident{Kind: evident.KindIncident, Title: "Issuing CA unavailable after HSM cluster failover",
		Summary: "The issuing CA could not reach its HSM partition for four hours after a failover.", Reporter: "omar",
		Services: []string{svc}, Systems: []string{sys[0].ID}, CustomersAffected: true, RootCause: "HSM cluster failover misconfiguration"},
		&evident.Classification{Severity: evident.SeverityHigh, Category: "availability",
			Impact: evident.Impact{FullOutageMinutes: 240, UsersTotal: 120000, UsersLimitedAvailability: 40000}},
		[]time.Duration{10 * time.Hour, 20 * time.Hour, 20 * 24 * time.Hour}, true)...)
	// A misissued certificate, notified late.
	t2 := g.start.AddDate(0, 8, 15).Add(16 * time.Hour)
	out = append(out, g.incident(t2, evident.Incident{Kind: evident.KindIncident, Title: "Certificate issued with a wrong organisation name",
		Summary: "One qualified certificate carried another subscriber's organisation name.", Reporter: "carla",
		Services: []string{svc}, Systems: []string{sys[0].ID}, PersonalData: true, RootCause: "RA validation step skipped"},
		&evident.Classification{Severity: evident.SeverityMedium, Category: "integrity", Declared: true,
			Impact: evident.Impact{UsersTotal: 120000, UsersCompromised: 1}},
		[]time.Duration{30 * time.Hour, 30 * time.Hour, 35 * 24 * time.Hour}, true)...)
	// A critical vulnerability found 20 hours ago: its 48 h clock runs.
	t3 := g.end.Add(-20 * time.Hour).Truncate(time.Minute)
	out = append(out, g.incident(t3, evident.Incident{Kind: evident.KindVulnerability, Title: "Critical TLS library vulnerability on the TSA front end",
		Reporter: "omar", Systems: []string{sys[1].ID}}, &evident.Classification{Severity: evident.SeverityCritical, Category: "malicious-access"}, nil, false)...)
	// A suspicious administrator sign-in 5 hours ago: the 24 h clocks run.
	t4 := g.end.Add(-5 * time.Hour).Truncate(time.Minute)
	out = append(out, g.incident(t4, evident.Incident{Kind: evident.KindIncident, Title: "Unexpected administrator sign-in on the RA portal",
		Summary: "An administrator account signed in from an unknown network outside working hours.", Reporter: "omar",
		Services: []string{svc}, Systems: []string{sys[0].ID}}, &evident.Classification{Severity: evident.SeverityHigh, Category: "malicious-access",
		Impact: evident.Impact{MaliciousAccess: true}}, nil, false)...)
	return out
}

// incident opens inc at aware (recorded 30 minutes later), classifies it
// an hour in, sends the early warning, notification and final report
// after the given delays, and when closed, contains, recovers and closes
// it within three days and reviews it two weeks later.
func (g *gen) incident(aware time.Time, inc evident.Incident, c *evident.Classification, notices []time.Duration, closed bool) []event {
	id := new(string)
	inc.AwareAt = aware
	out := []event{{at: aware.Add(30 * time.Minute), do: func(ctx context.Context) error {
		opened, err := g.opt.Store.OpenIncident(ctx, inc, inc.Reporter)
		*id = opened.ID
		return err
	}}}
	if c != nil {
		out = append(out, event{at: aware.Add(time.Hour), do: func(ctx context.Context) error {
			_, err := g.opt.Store.ClassifyIncident(ctx, *id, *c, "", "carla")
			return err
		}})
	}
	kinds := []evident.NoticeKind{evident.NoticeEarlyWarning, evident.NoticeNotification, evident.NoticeFinal}
	for i, d := range notices {
		sent, kind := aware.Add(d), kinds[i]
		out = append(out, event{at: sent.Add(10 * time.Minute), do: func(ctx context.Context) error {
			n := evident.Notification{To: []evident.Recipient{evident.ToSupervisoryBody, evident.ToCSIRT}, Kind: kind, SentAt: sent,
				Note: string(kind) + " sent through the supervisory body's portal"}
			if kind == evident.NoticeNotification && inc.CustomersAffected {
				n.To = append(n.To, evident.ToCustomers)
			}
			_, err := g.opt.Store.NotifyIncident(ctx, *id, n, nil, "carla")
			return err
		}})
	}
	if closed {
		steps := []struct {
			kind  evident.StepKind
			after time.Duration
		}{{evident.StepContainment, 2 * time.Hour}, {evident.StepRecovery, 6 * time.Hour}, {evident.StepClosure, 72 * time.Hour}, {evident.StepReview, 16 * 24 * time.Hour}}
		for _, s := range steps {
			at, kind := aware.Add(s.after), s.kind
			out = append(out, event{at: at.Add(15 * time.Minute), do: func(ctx context.Context) error {
				_, err := g.opt.Store.AddIncidentStep(ctx, *id, evident.Step{Kind: kind, At: at, Note: string(kind) + " recorded by the incident handler"}, "omar")
				return err
			}})
		}
	}
	return out
}
