package sqlstore

import (
	"context"
	"slices"
	"time"

	"github.com/evidenthq/evident"
)

// ReviewFilter selects submissions for the review inbox. Zero fields do
// not filter.
type ReviewFilter struct {
	Control  string
	Evidence string              // one record's review
	State    evident.ReviewState // pending, accepted, rejected
	From, To time.Time           // effective time overlaps [From, To): the window
	// For keeps what this login may decide: submissions by others, for
	// controls they may review.
	For   string
	Limit int // 0: 200
}

// Submission is one evidence record awaiting or past review, with its
// acts and whether its content is complete enough to accept.
type Submission struct {
	Evidence    evident.Evidence    `json:"evidence"`
	Control     string              `json:"control"`
	State       evident.ReviewState `json:"state"`
	AcceptedFor []string            `json:"accepted_for,omitempty"`
	Acts        []evident.Act       `json:"acts"`
	// Incomplete says what the method's content lacks; such a submission
	// cannot be accepted and its owner must submit again.
	Incomplete string `json:"incomplete,omitempty"`
}

// Submissions lists submissions for reviewed controls, newest first.
func (s *Store) Submissions(ctx context.Context, f ReviewFilter) ([]Submission, error) {
	var out []Submission
	err := s.Read(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.Submissions(ctx, f)
		return err
	})
	return out, err
}

// Submissions is Store.Submissions inside a transaction.
func (tx *Tx) Submissions(ctx context.Context, f ReviewFilter) ([]Submission, error) {
	m, err := tx.Model(ctx)
	if err != nil {
		return nil, err
	}
	var reviewer *evident.User
	if f.For != "" {
		u, _, err := tx.UserByName(ctx, f.For)
		if err != nil {
			return nil, err
		}
		reviewer = &u
	}
	var ids []string
	for _, c := range m.Controls {
		if c.NeedsReview() && (f.Control == "" || f.Control == c.ID) {
			ids = append(ids, c.ID)
		}
	}
	if len(ids) == 0 {
		return []Submission{}, nil
	}
	q := `SELECT c.control_id, c.evidence_id FROM evidence_controls c WHERE c.control_id IN (` + marks(len(ids)) + `)
		AND NOT EXISTS (SELECT 1 FROM evidence s WHERE s.supersedes = c.evidence_id)`
	args := anys(ids)
	if f.Evidence != "" {
		q += ` AND c.evidence_id = ?`
		args = append(args, f.Evidence)
	}
	if !f.To.IsZero() {
		q += ` AND c.effective_from < ?`
		args = append(args, TS(f.To))
	}
	if !f.From.IsZero() {
		q += ` AND c.effective_end > ?`
		args = append(args, TS(f.From))
	}
	ps, err := tx.controlEvidence(ctx, q+` ORDER BY c.received_at DESC, c.evidence_id DESC`, args...)
	if err != nil {
		return nil, err
	}
	subjects := make([]string, len(ps))
	for i, p := range ps {
		subjects[i] = EvidenceSubject(p.id)
	}
	acts, err := tx.ActsAbout(ctx, subjects, time.Time{})
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 200
	}
	out := []Submission{}
	for _, p := range ps {
		if len(out) >= limit {
			break
		}
		sub, keep, err := tx.submission(ctx, m, p, acts[EvidenceSubject(p.id)], f, reviewer)
		if err != nil {
			return nil, err
		}
		if keep {
			out = append(out, sub)
		}
	}
	return out, nil
}

// submission builds one inbox row and reports whether the filter keeps it.
func (tx *Tx) submission(ctx context.Context, m *evident.Model, p pair, all []evident.Act, f ReviewFilter, reviewer *evident.User) (Submission, bool, error) {
	c := m.ControlByID(p.control)
	ev, err := tx.Evidence(ctx, p.id)
	if err != nil {
		return Submission{}, false, err
	}
	s := Submission{Evidence: ev, Control: c.ID, Acts: []evident.Act{}}
	for _, a := range all {
		if b, err := a.Binding(); err == nil && b.Control == c.ID {
			s.Acts = append(s.Acts, a)
		}
	}
	s.State, s.AcceptedFor = evident.Outcome(s.Acts, c.AcceptancesNeeded())
	if s.State == evident.ReviewPending {
		sub, err := evident.ParseSubmission(ev.Detail)
		if err == nil {
			_, err = evident.CheckSubmission(*c, sub, currentPolicy(m))
		}
		if err != nil {
			s.Incomplete = evident.ErrorMessage(err)
		}
	}
	if f.State != "" && s.State != f.State {
		return s, false, nil
	}
	if reviewer != nil {
		if _, err := evident.MayReview(*reviewer, ev.Actor, *c); err != nil {
			return s, false, nil
		}
		if slices.ContainsFunc(s.Acts, func(a evident.Act) bool { return a.Actor == reviewer.Name }) {
			return s, false, nil
		}
	}
	return s, true, nil
}

// FollowUp is a follow-up action of an accepted exercise: work the
// exercise found, listed as a task until a later exercise is accepted.
type FollowUp struct {
	Control  string
	Evidence string
	Date     time.Time
	Action   string
}

// FollowUps returns the follow-up actions of each exercise control's
// latest accepted exercise among occ (as Reviewed set them).
func (tx *Tx) FollowUps(ctx context.Context, m *evident.Model, occ map[string][]evident.Occurrence) ([]FollowUp, error) {
	var out []FollowUp
	for _, c := range m.Controls {
		if c.Method.Kind != evident.MethodExercise {
			continue
		}
		os := occ[c.ID]
		for i := len(os) - 1; i >= 0; i-- {
			if os[i].Review != evident.ReviewAccepted {
				continue
			}
			ev, err := tx.Evidence(ctx, os[i].ID)
			if err != nil {
				return nil, err
			}
			sub, err := evident.ParseSubmission(ev.Detail)
			if err == nil && sub != nil && sub.Exercise != nil {
				for _, a := range sub.Exercise.FollowUps {
					out = append(out, FollowUp{Control: c.ID, Evidence: ev.ID, Date: sub.Exercise.Date, Action: a})
				}
			}
			break
		}
	}
	return out, nil
}
