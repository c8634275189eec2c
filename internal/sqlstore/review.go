package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/evidenthq/evident"
)

// EvidenceSubject is the act subject naming an evidence record.
func EvidenceSubject(id string) string { return "evidence/" + id }

// ReviewInput is a reviewer's decision on a submission.
type ReviewInput struct {
	Evidence string
	Verb     evident.ActVerb // accept or reject
	Reviewer string          // the login deciding
	Reason   string          // required to reject
	// Control picks the reviewed control when the evidence names several.
	Control string
	// Systems the acceptance is for; nil means the systems the evidence
	// names, or the control's whole scope when it names none.
	Systems []string
}

// Review records a reviewer's acceptance or rejection of a submission as
// an act in tx. It is the one home of the rules: the reviewer is a login
// other than the submitter, a compliance manager or the control's named
// reviewer; an acceptance needs the content the method asks for; a
// rejection needs a reason; a decided submission is not decided again.
// The act binds the evidence digest, the control, the window the evidence
// counts for and the systems it is accepted for.
func (tx *Tx) Review(ctx context.Context, in ReviewInput) (evident.Act, error) {
	if in.Verb != evident.ActAccept && in.Verb != evident.ActReject {
		return evident.Act{}, evident.ErrorAt(evident.EINVALID, "verb", "%q: want accept or reject", in.Verb)
	}
	if err := evident.CheckText("reason", in.Reason); err != nil {
		return evident.Act{}, err
	}
	ev, err := tx.Evidence(ctx, in.Evidence)
	if err != nil {
		return evident.Act{}, err
	}
	m, err := tx.Model(ctx)
	if err != nil {
		return evident.Act{}, err
	}
	c, err := reviewedControl(m, ev, in.Control)
	if err != nil {
		return evident.Act{}, err
	}
	u, _, err := tx.UserByName(ctx, in.Reviewer)
	if evident.ErrorCode(err) == evident.ENOTFOUND {
		return evident.Act{}, evident.Errorf(evident.EFORBIDDEN, "%s is not a login: reviews are acts made by a person's own login", in.Reviewer)
	}
	if err != nil {
		return evident.Act{}, err
	}
	basis, err := evident.MayReview(u, ev.Actor, c)
	if err != nil {
		return evident.Act{}, err
	}
	if err := tx.undecided(ctx, ev, c, u.Name); err != nil {
		return evident.Act{}, err
	}
	b := evident.ReviewBinding{Evidence: ev.ID, Control: c.ID, Submitter: ev.Actor, Basis: basis, Role: u.Role}
	if b.Systems, err = reviewSystems(c, ev, in.Systems); err != nil {
		return evident.Act{}, err
	}
	if in.Verb == evident.ActAccept {
		sub, err := evident.ParseSubmission(ev.Detail)
		if err != nil {
			return evident.Act{}, err
		}
		if b.Checked, err = evident.CheckSubmission(c, sub, currentPolicy(m)); err != nil {
			return evident.Act{}, evident.Errorf(evident.EINVALID, "cannot accept evidence %s: %s", ev.ID, evident.ErrorMessage(err))
		}
	} else if strings.TrimSpace(in.Reason) == "" {
		return evident.Act{}, evident.ErrorAt(evident.EINVALID, "reason", "missing: say why the submission is rejected, so its owner can submit again")
	}
	w, err := tx.reviewWindow(ctx, m, c, ev)
	if err != nil {
		return evident.Act{}, err
	}
	b.WindowStart, b.WindowEnd = w.Start, w.End
	detail, err := json.Marshal(b)
	if err != nil {
		return evident.Act{}, err
	}
	a := evident.Act{Verb: in.Verb, Subject: EvidenceSubject(ev.ID), SHA256: ev.Digest, Actor: u.Name, Comment: in.Reason, Detail: detail}
	return a, tx.InsertAct(ctx, &a)
}

// reviewedControl picks the control a review is for: the one asked for,
// or the evidence's only control whose method needs review.
func reviewedControl(m *evident.Model, ev evident.Evidence, want string) (evident.Control, error) {
	var found []evident.Control
	for _, id := range ev.Controls {
		if c := m.ControlByID(id); c != nil && c.NeedsReview() && (want == "" || want == id) {
			found = append(found, *c)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case want != "":
		return evident.Control{}, evident.ErrorAt(evident.EINVALID, "control", "evidence %s is not a submission for control %s (its controls: %s)", ev.ID, want, strings.Join(ev.Controls, ", "))
	case len(found) == 0:
		return evident.Control{}, evident.ErrorAt(evident.EINVALID, "evidence", "evidence %s is for import controls only: its verdict comes from the importer, not from a review", ev.ID)
	}
	return evident.Control{}, evident.ErrorAt(evident.EINVALID, "control", "evidence %s is a submission for several controls; name one with --control", ev.ID)
}

// undecided refuses a review of a submission already decided: rejected,
// fully accepted, accepted by this reviewer before, or superseded.
func (tx *Tx) undecided(ctx context.Context, ev evident.Evidence, c evident.Control, reviewer string) error {
	ok, err := tx.exists(ctx, `SELECT 1 FROM evidence WHERE supersedes = ?`, ev.ID)
	if err != nil {
		return err
	}
	if ok {
		return evident.Errorf(evident.ECONFLICT, "evidence %s was superseded by a correction; review the correction", ev.ID)
	}
	acts, err := tx.ActsAbout(ctx, []string{EvidenceSubject(ev.ID)}, time.Time{})
	if err != nil {
		return err
	}
	prior := acts[EvidenceSubject(ev.ID)]
	for _, a := range prior {
		if a.Actor == reviewer {
			return evident.Errorf(evident.ECONFLICT, "%s already %sed evidence %s at %s", reviewer, a.Verb, ev.ID, evident.UTC(a.At))
		}
	}
	switch st, _ := evident.Outcome(prior, c.AcceptancesNeeded()); st {
	case evident.ReviewRejected:
		return evident.Errorf(evident.ECONFLICT, "evidence %s was rejected; its owner submits again", ev.ID)
	case evident.ReviewAccepted:
		return evident.Errorf(evident.ECONFLICT, "evidence %s is already accepted", ev.ID)
	}
	return nil
}

// reviewSystems returns the systems an acceptance is for: those asked,
// each in the control's scope, or by default the evidence's systems in
// scope, or the whole scope when the evidence names none.
func reviewSystems(c evident.Control, ev evident.Evidence, asked []string) ([]string, error) {
	if asked != nil {
		for i, s := range asked {
			if !slices.Contains(c.Systems, s) {
				return nil, evident.ErrorAt(evident.EINVALID, fmt.Sprintf("systems[%d]", i), "%q is not in control %s's scope (%s)", s, c.ID, strings.Join(c.Systems, ", "))
			}
		}
		return asked, nil
	}
	var out []string
	for _, s := range ev.Systems {
		if slices.Contains(c.Systems, s.Name) && !slices.Contains(out, s.Name) {
			out = append(out, s.Name)
		}
	}
	if len(out) == 0 {
		out = slices.Clone(c.Systems)
	}
	return out, nil
}

// currentPolicy returns the SHA-256 of each policy's current version.
func currentPolicy(m *evident.Model) func(string) (string, bool) { return evident.CurrentPolicy(m) }

// reviewWindow is the window of c that evidence ev counts for: the one its
// effective time falls in, on the control's cadence anchored where
// readiness anchors it (the program's start, or older first evidence).
func (tx *Tx) reviewWindow(ctx context.Context, m *evident.Model, c evident.Control, ev evident.Evidence) (evident.Window, error) {
	anchor := m.Program.CreatedAt
	firsts, err := tx.FirstEvidenceFor(ctx, tx.Now)
	if err != nil {
		return evident.Window{}, err
	}
	if f, ok := firsts[c.ID]; ok && f.Before(anchor) {
		anchor = f
	}
	cad := c.Cadence
	if cad.IsZero() {
		cad = evident.Cadence{Kind: evident.CadencePeriodic, Every: 1, Unit: evident.UnitYear}
	}
	return cad.Window(anchor, ev.Effective.From), nil
}

// Reviewed sets the review state of the occurrences of each control whose
// method needs review, from the acts recorded at or before at: pending,
// accepted (with the systems accepted for), rejected, or stale for a
// document review of a policy version that is no longer current.
func (tx *Tx) Reviewed(ctx context.Context, m *evident.Model, occ map[string][]evident.Occurrence, at time.Time) error {
	var subjects []string
	for id, os := range occ {
		if c := m.ControlByID(id); c != nil && c.NeedsReview() {
			for _, o := range os {
				subjects = append(subjects, EvidenceSubject(o.ID))
			}
		}
	}
	acts, err := tx.ActsAbout(ctx, subjects, at)
	if err != nil {
		return err
	}
	current := currentPolicy(m)
	for id, os := range occ {
		c := m.ControlByID(id)
		if c == nil || !c.NeedsReview() {
			continue
		}
		for i := range os {
			var mine []evident.Act
			for _, a := range acts[EvidenceSubject(os[i].ID)] {
				if b, err := a.Binding(); err == nil && b.Control == id {
					mine = append(mine, a)
				}
			}
			os[i].Review, os[i].AcceptedFor = evident.Outcome(mine, c.AcceptancesNeeded())
			if os[i].Review == evident.ReviewAccepted && c.Method.Kind == evident.MethodDocumentReview {
				if os[i].Review, err = tx.stillCurrent(ctx, os[i].ID, current); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// stillCurrent reports an accepted document review as stale once the
// policy version it reviewed is no longer the current one.
func (tx *Tx) stillCurrent(ctx context.Context, id string, current func(string) (string, bool)) (evident.ReviewState, error) {
	ev, err := tx.Evidence(ctx, id)
	if err != nil {
		return "", err
	}
	return evident.DocumentReviewState(ev.Detail, current), nil
}

// checkSubmission refuses, at submission, content that could never be
// accepted: when a submission for a reviewed control carries the method's
// content, it must be complete, and an attestation is signed by the
// submitter's own login. A file without content is still stored, awaiting
// review; accepting it is refused until it is resubmitted with content.
func (tx *Tx) checkSubmission(ctx context.Context, e evident.Evidence) error {
	if e.Kind != evident.RawEvidence || len(e.Detail) == 0 {
		return nil
	}
	sub, err := evident.ParseSubmission(e.Detail)
	if err != nil || sub == nil || sub.Method == "" {
		return err
	}
	m, err := tx.Model(ctx)
	if err != nil {
		return err
	}
	if a := sub.Attestation; a != nil && a.By != evident.Submitter(e.Actor) {
		return evident.ErrorAt(evident.EINVALID, "submission.attestation.by", "%q: an attestation is signed by the submitter's own login (%s)", a.By, evident.Submitter(e.Actor))
	}
	for _, id := range e.Controls {
		c := m.ControlByID(id)
		if c == nil || !c.NeedsReview() {
			continue
		}
		if _, err := evident.CheckSubmission(*c, sub, currentPolicy(m)); err != nil {
			return err
		}
	}
	return nil
}
