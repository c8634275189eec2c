package pack

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// forgedAcceptance builds January's evidence, adds one policy review that
// nobody accepted, and has an insider holding the database and the
// signing key write an acceptance around the rules (the store's Review
// refuses both forgeries): edit changes the act before it is written.
// The ledger stays consistent and signed, so only the acceptance checks
// of pack verify can catch it.
func forgedAcceptance(t *testing.T, edit func(a *evident.Act, b *evident.ReviewBinding)) *Report {
	t.Helper()
	ctx := context.Background()
	f := newFixtureUntil(t, sqliteStore(t), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	f.clock.Set(time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC))
	ev, err := f.led.AddEvidence(ctx, ledger.EvidenceInput{Actor: "alice", Controls: []string{"policy-review"}, Filename: "feb.txt",
		Effective: evident.Effective{From: time.Date(2026, 2, 9, 0, 0, 0, 0, time.UTC)},
		Detail:    []byte(`{"method":"attestation","attestation":{"by":"alice","statement":"reviewed"}}`)}, strings.NewReader("February review\n"))
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Set(time.Date(2026, 2, 11, 9, 0, 0, 0, time.UTC))
	b := evident.ReviewBinding{Evidence: ev.ID, Control: "policy-review", Submitter: "alice", Basis: evident.BasisComplianceManager, Role: evident.RoleComplianceManager,
		WindowStart: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), WindowEnd: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	a := evident.Act{Verb: evident.ActAccept, Subject: sqlstore.EvidenceSubject(ev.ID), SHA256: ev.Digest, Actor: "carol"}
	edit(&a, &b)
	a.Detail, _ = json.Marshal(b)
	if err := f.st.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertAct(ctx, &a) }); err != nil {
		t.Fatal(err)
	}
	if _, err := f.led.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	pack, man := f.export(t)
	if !counted(man, ev.ID) {
		t.Fatalf("the forged acceptance did not make February count; the test proves nothing")
	}
	return verifyBytes(t, pack)
}

// counted reports whether a window of the pack counts evidence id.
func counted(m *Manifest, id string) bool {
	for _, c := range m.Coverage {
		for _, w := range c.Windows {
			for _, x := range w.Evidence {
				if x == id && w.State == evident.PeriodSatisfied {
					return true
				}
			}
		}
	}
	return false
}

func TestPackVerifyFailsOnAnAcceptanceBySubmitter(t *testing.T) {
	r := forgedAcceptance(t, func(a *evident.Act, b *evident.ReviewBinding) {
		a.Actor = "alice" // the submitter accepts her own review
	})
	wantProblemText(t, r, BadAcceptance, "four eyes")
}

func TestPackVerifyFailsOnAnAcceptanceOfOtherBytes(t *testing.T) {
	r := forgedAcceptance(t, func(a *evident.Act, b *evident.ReviewBinding) {
		a.SHA256 = sha256.Sum256([]byte("the review carol actually read"))
	})
	wantProblemText(t, r, BadAcceptance, "binds digest")
}

func TestPackVerifyFailsOnAnAcceptanceByTheWrongRole(t *testing.T) {
	r := forgedAcceptance(t, func(a *evident.Act, b *evident.ReviewBinding) {
		a.Actor = "erik" // no login at all
	})
	wantProblemText(t, r, BadAcceptance, "no record in the pack")
}

// wantProblemText fails unless the report has a problem of kind whose
// message contains text.
func wantProblemText(t *testing.T, r *Report, kind, text string) {
	t.Helper()
	if r.OK {
		t.Fatalf("a pack with a forged acceptance verified OK")
	}
	for _, p := range r.Problems {
		if p.Kind == kind && strings.Contains(p.Message, text) {
			return
		}
	}
	t.Errorf("want a %q problem saying %q; got:\n%s", kind, text, problems(r))
}

func TestPackShowsAWindowAwaitingReviewAsNotSatisfied(t *testing.T) {
	ctx := context.Background()
	f := newFixtureUntil(t, sqliteStore(t), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	f.clock.Set(time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC))
	ev, err := f.led.AddEvidence(ctx, ledger.EvidenceInput{Actor: "alice", Controls: []string{"policy-review"}, Filename: "feb.txt",
		Effective: evident.Effective{From: time.Date(2026, 2, 9, 0, 0, 0, 0, time.UTC)}}, strings.NewReader("note\n"))
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Set(time.Date(2026, 2, 20, 9, 0, 0, 0, time.UTC))
	b, man := f.export(t)
	if counted(man, ev.ID) {
		t.Fatal("a submission nobody accepted counts in the pack")
	}
	for _, c := range man.Coverage {
		for _, w := range c.Windows {
			if c.Control == "policy-review" && w.Start.Month() == time.February && (w.State == evident.PeriodSatisfied || w.Review != evident.ReasonAwaitingReview) {
				t.Errorf("February's policy review in the pack: %s (%q), want not satisfied, awaiting review", w.State, w.Review)
			}
		}
	}
	if r := verifyBytes(t, b); !r.OK {
		t.Errorf("the pack does not verify:\n%s", problems(r))
	}
}
