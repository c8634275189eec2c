package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// The demo's reviews, made through the same code a reviewer uses: carla,
// the compliance manager, accepts what the owners submit; one physical
// access review is rejected and submitted again; the latest restore test
// still awaits her review.
const (
	reviewer       = "carla"
	rejectedOnce   = "physical-access-quarterly"
	awaitingReview = "backup-restore-quarterly"
)

// submission is the content a person's check submits for control c,
// built as the upload form and the CLI build it.
func (g *gen) submission(c evident.Control, a activity, actor string) []byte {
	f := evident.SubmissionFields{}
	switch c.Method.Kind {
	case evident.MethodSampling:
		f.Population = c.Method.Description
		for i := range 5 * max(c.Method.SampleSize, 1) {
			f.PopulationItems = append(f.PopulationItems, fmt.Sprintf("%s-%s-%03d", c.ID, a.at.Format("20060102"), i))
		}
		f.Seed = fmt.Sprintf("%016x", g.rnd.Uint64())
	case evident.MethodAttestation:
		f.Statement = c.Method.Description + ": done, no exception found"
	case evident.MethodDocumentReview:
		f.Policy, f.Outcome = g.reviewedPolicy(c), "reviewed, still adequate; no change needed"
	case evident.MethodExercise:
		f.Date, f.Scenario, f.Outcome = a.at.Truncate(24*time.Hour), c.Method.Description, "objectives met within the regulatory clocks"
		f.Participants = []string{c.Owner, "security-officer", "system-operator"}
		f.FollowUps = []string{"update the runbook with the timings observed"}
	default:
		return nil
	}
	sub := g.model.Submission(c, f, nil, actor)
	b, _ := json.Marshal(sub)
	return b
}

// reviewedPolicy is the policy a document review of c reads: one its
// treatments name, or the information security policy.
func (g *gen) reviewedPolicy(c evident.Control) string {
	for _, t := range g.model.Treatments {
		for _, id := range t.Controls {
			if id == c.ID && len(t.Policies) > 0 {
				return t.Policies[0]
			}
		}
	}
	return "information-security-policy"
}

// review decides a batch's submissions as carla, in ledger order.
func (g *gen) review(ctx context.Context, acts []activity, evs []evident.Evidence) error {
	for i, a := range acts {
		c := a.control
		if !c.NeedsReview() || evident.Submitter(evs[i].Actor) == reviewer {
			continue // carla never reviews her own
		}
		if c.ID == awaitingReview && a.at.Equal(g.last[c.ID]) {
			continue
		}
		ev := evs[i]
		if c.ID == rejectedOnce && !g.rejected {
			g.rejected = true
			if _, err := g.decide(ctx, ev.ID, evident.ActReject, "the sample list does not reference the access tickets; submit it again with them"); err != nil {
				return err
			}
			in, body := g.raw(a)
			in.Filename = "resubmitted-" + in.Filename
			var err error
			if ev, err = g.opt.Ledger.AddEvidence(ctx, in, bytes.NewReader(body)); err != nil {
				return err
			}
		}
		if _, err := g.decide(ctx, ev.ID, evident.ActAccept, ""); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) decide(ctx context.Context, id string, verb evident.ActVerb, reason string) (evident.Act, error) {
	return g.opt.Ledger.Review(ctx, sqlstore.ReviewInput{Evidence: id, Verb: verb, Reviewer: reviewer, Reason: reason})
}
