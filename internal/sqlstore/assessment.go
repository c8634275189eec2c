package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/evidenthq/evident"
)

// The assessment cycle's one home: every write of an engagement, a request
// or a finding goes through the methods below, which the CLI, the API and
// the web only call. Each checks who acts (a login, with the role the step
// needs), stores the object with its new step and appends a leaf carrying
// the object as it now stands, which is what verify re-derives the row
// from.

// Leaf kinds of the assessment cycle.
const (
	kindEngagementAdd = "engagement.add"
	kindRequest       = "request.step"
	kindFinding       = "finding.step"
)

// assessmentAudit is the body of a request.step or finding.step leaf: the
// step just made and the object after it.
type assessmentAudit[T any] struct {
	Step   evident.AssessmentStep `json:"step"`
	Object T                      `json:"object"`
}

// managerRoles may record engagements, answer requests and work findings:
// the TSP's side of the assessment.
var managerRoles = []evident.UserRole{evident.RoleAdmin, evident.RoleComplianceManager}

// actingLogin returns the login named actor, refusing a name that is not
// a login or one whose role may not make the step.
func (tx *Tx) actingLogin(ctx context.Context, actor, what string, roles ...evident.UserRole) (evident.User, error) {
	u, _, err := tx.UserByName(ctx, actor)
	if evident.ErrorCode(err) == evident.ENOTFOUND {
		return u, evident.Errorf(evident.EFORBIDDEN, "%s is not a login: %s is an act made by a person's own login", actor, what)
	}
	if err != nil {
		return u, err
	}
	if u.Disabled || !slices.Contains(roles, u.Role) {
		names := make([]string, len(roles))
		for i, r := range roles {
			names[i] = string(r)
		}
		return u, evident.Errorf(evident.EFORBIDDEN, "%s (%s) may not %s: that is for %s", u.Name, u.Role, what, strings.Join(names, " or "))
	}
	return u, nil
}

// assessorOf checks that u is an assessor tied to engagement e whose grant
// covers the engagement's period: an assessor acts only within their grant.
func assessorOf(u evident.User, e evident.Engagement, what string) error {
	if !e.HasAssessor(u.Name) {
		return evident.Errorf(evident.EFORBIDDEN, "%s is not an assessor of engagement %s and may not %s", u.Name, e.ID, what)
	}
	if u.PeriodFrom.After(e.From) || u.PeriodTo.Before(e.To) {
		return evident.Errorf(evident.EFORBIDDEN, "%s's grant (%s to %s) does not cover engagement %s", u.Name, evident.UTC(u.PeriodFrom), evident.UTC(u.PeriodTo), e.ID)
	}
	return nil
}

// AddEngagement records an engagement and ties its assessors to it: each
// must be an assessor login, and is given the engagement's period as the
// grant that narrows every read they make (a user.role leaf each, as a
// role change by an admin would write). The actor is a manager's login.
func (s *Store) AddEngagement(ctx context.Context, e evident.Engagement) (evident.Engagement, error) {
	err := s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.actingLogin(ctx, e.Actor, "record an engagement", managerRoles...); err != nil {
			return err
		}
		now := tx.Now.UTC().Truncate(time.Microsecond)
		e.ID, e.RecordedAt = evident.NewID(now), now
		e.From, e.To, e.Ends = e.From.UTC().Truncate(time.Microsecond), e.To.UTC().Truncate(time.Microsecond), e.Ends.UTC().Truncate(time.Microsecond)
		if e.Assessors == nil {
			e.Assessors = []string{}
		}
		if err := e.Validate(); err != nil {
			return err
		}
		m, err := tx.Model(ctx)
		if err != nil {
			return err
		}
		for _, sv := range e.Services {
			if m.ServiceByID(sv) == nil {
				return evident.ErrorAt(evident.EINVALID, "services", "no service %q in the program (see `evident list services`)", sv)
			}
		}
		for _, name := range e.Assessors {
			u, _, err := tx.UserByName(ctx, name)
			if evident.ErrorCode(err) == evident.ENOTFOUND {
				return evident.ErrorAt(evident.EINVALID, "assessors", "no login %q (add it with `evident user add --role assessor`)", name)
			}
			if err != nil {
				return err
			}
			if u.Role != evident.RoleAssessor {
				return evident.ErrorAt(evident.EINVALID, "assessors", "%s is a %s, not an assessor", name, u.Role)
			}
			u.PeriodFrom, u.PeriodTo = e.From, e.To
			if err := tx.setUserRole(ctx, u, e.Actor); err != nil {
				return err
			}
		}
		body, _ := json.Marshal(e)
		if _, err := tx.Exec(ctx, `INSERT INTO engagements (id, kind, period_from, period_to, recorded_at, actor, body) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			e.ID, string(e.Kind), TS(e.From), TS(e.To), TS(e.RecordedAt), e.Actor, string(body)); err != nil {
			return fmt.Errorf("record engagement: %w", err)
		}
		_, err = tx.Audit(ctx, kindEngagementAdd, e.ID, e.Actor, e)
		return err
	})
	return e, err
}

// Engagements returns the engagements recorded at or before at (zero:
// all), newest period first. A reader with a grant sees those whose
// period falls in it.
func (tx *Tx) Engagements(ctx context.Context, at time.Time) ([]evident.Engagement, error) {
	out := []evident.Engagement{}
	err := scanBodies(ctx, tx, `SELECT body FROM engagements WHERE recorded_at <= ? ORDER BY period_to DESC, id`, []any{asOf(at)}, func(e evident.Engagement) {
		if g, ok := GrantOf(ctx); !ok || g.Overlaps(e.From, e.To) {
			out = append(out, e)
		}
	})
	return out, err
}

// Engagements returns every engagement the reader may see, newest period first.
func (s *Store) Engagements(ctx context.Context) ([]evident.Engagement, error) {
	var out []evident.Engagement
	err := s.Read(ctx, func(tx *Tx) (err error) {
		out, err = tx.Engagements(ctx, time.Time{})
		return err
	})
	return out, err
}

// Engagement returns one engagement by id; outside a reader's grant it is
// not there.
func (tx *Tx) Engagement(ctx context.Context, id string) (evident.Engagement, error) {
	var out []evident.Engagement
	err := scanBodies(ctx, tx, `SELECT body FROM engagements WHERE id = ?`, []any{id}, func(e evident.Engagement) { out = append(out, e) })
	if err != nil {
		return evident.Engagement{}, err
	}
	if g, ok := GrantOf(ctx); len(out) == 0 || ok && !g.Overlaps(out[0].From, out[0].To) {
		return evident.Engagement{}, evident.Errorf(evident.ENOTFOUND, "no engagement %q (see `evident engagement list`)", id)
	}
	return out[0], nil
}

// EngagementView is an engagement with its requests and findings.
type EngagementView struct {
	Engagement evident.Engagement `json:"engagement"`
	Requests   []evident.Request  `json:"requests"`
	Findings   []evident.Finding  `json:"findings"`
}

// EngagementView returns engagement id with its requests and findings,
// oldest first.
func (s *Store) EngagementView(ctx context.Context, id string) (EngagementView, error) {
	var v EngagementView
	err := s.Read(ctx, func(tx *Tx) (err error) {
		if v.Engagement, err = tx.Engagement(ctx, id); err != nil {
			return err
		}
		v.Requests = []evident.Request{}
		if err := scanBodies(ctx, tx, `SELECT body FROM assessment_requests WHERE engagement_id = ? ORDER BY raised_at, id`, []any{id},
			func(r evident.Request) { v.Requests = append(v.Requests, r) }); err != nil {
			return err
		}
		v.Findings = []evident.Finding{}
		return scanBodies(ctx, tx, `SELECT body FROM findings WHERE engagement_id = ? ORDER BY raised_at, ref, id`, []any{id},
			func(f evident.Finding) { v.Findings = append(v.Findings, f) })
	})
	return v, err
}

// scanBodies decodes the JSON body column of each row into a T.
func scanBodies[T any](ctx context.Context, tx *Tx, q string, args []any, fn func(T)) error {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return err
		}
		var v T
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			return fmt.Errorf("stored %T: %w", v, err)
		}
		fn(v)
	}
	return rows.Err()
}

// AddRequest records an assessor's request for evidence. The actor
// (RaisedBy) is an assessor of the engagement; what the request is
// against must exist, and a period asked about must lie in the
// engagement's.
func (s *Store) AddRequest(ctx context.Context, r evident.Request) (evident.Request, error) {
	err := s.Write(ctx, func(tx *Tx) error {
		e, err := tx.Engagement(ctx, r.Engagement)
		if err != nil {
			return err
		}
		u, err := tx.actingLogin(ctx, r.RaisedBy, "raise a request", evident.RoleAssessor)
		if err != nil {
			return err
		}
		if err := assessorOf(u, e, "raise a request"); err != nil {
			return err
		}
		if err := r.Validate(); err != nil {
			return err
		}
		if err := tx.checkAgainst(ctx, r.Requirement, r.Control); err != nil {
			return err
		}
		if !r.From.IsZero() && (r.From.Before(e.From) || r.To.After(e.To)) {
			return evident.ErrorAt(evident.EINVALID, "from", "the period asked about (%s to %s) is outside the engagement's (%s to %s)",
				evident.UTC(r.From), evident.UTC(r.To), evident.UTC(e.From), evident.UTC(e.To))
		}
		now := tx.Now.UTC().Truncate(time.Microsecond)
		r.ID, r.RaisedAt = evident.NewID(now), now
		r.Due = r.Due.UTC().Truncate(time.Microsecond)
		step := evident.AssessmentStep{Kind: evident.StepAsk, At: now, Actor: u.Name, Text: r.Text}
		r.Steps = []evident.AssessmentStep{step}
		return tx.saveRequest(ctx, r, step, true)
	})
	return r, err
}

// checkAgainst checks that a requirement and a control named exist in the
// program; a bare requirement id takes the program's version.
func (tx *Tx) checkAgainst(ctx context.Context, req *evident.RequirementRef, control string) error {
	m, err := tx.Model(ctx)
	if err != nil {
		return err
	}
	if control != "" && m.ControlByID(control) == nil {
		return evident.ErrorAt(evident.EINVALID, "control", "no control %q in the program (see `evident list controls`)", control)
	}
	if req != nil {
		ok, err := tx.exists(ctx, `SELECT 1 FROM catalog_requirements WHERE standard = ? AND version = ? AND id = ?`, string(req.Standard), req.Version, string(req.ID))
		if err != nil {
			return err
		}
		if !ok {
			return evident.ErrorAt(evident.EINVALID, "requirement", "no requirement %s in the catalog", req)
		}
	}
	return nil
}

// RequestStep makes one step on request id: a manager answers (with
// evidence or a comment), either side comments, the assessor accepts the
// answer or reopens the request. The step's Actor is the login acting.
func (s *Store) RequestStep(ctx context.Context, id string, step evident.AssessmentStep) (evident.Request, error) {
	var r evident.Request
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		if r, err = tx.request(ctx, id); err != nil {
			return err
		}
		e, err := tx.Engagement(ctx, r.Engagement)
		if err != nil {
			return err
		}
		if err := evident.CheckText("text", step.Text); err != nil {
			return err
		}
		state := r.State()
		switch step.Kind {
		case evident.StepAnswer:
			if _, err := tx.actingLogin(ctx, step.Actor, "answer a request", managerRoles...); err != nil {
				return err
			}
			if state == evident.RequestAccepted {
				return evident.Errorf(evident.ECONFLICT, "request %s was accepted; the assessor reopens it before another answer", id)
			}
			if len(step.Evidence) == 0 && strings.TrimSpace(step.Text) == "" {
				return evident.ErrorAt(evident.EINVALID, "evidence", "an answer gives evidence or a comment")
			}
		case evident.StepComment:
			if strings.TrimSpace(step.Text) == "" {
				return evident.ErrorAt(evident.EINVALID, "text", "a comment needs its text")
			}
			u, err := tx.actingLogin(ctx, step.Actor, "comment on a request", append(slices.Clone(managerRoles), evident.RoleAssessor)...)
			if err != nil {
				return err
			}
			if u.Role == evident.RoleAssessor {
				if err := assessorOf(u, e, "comment on its requests"); err != nil {
					return err
				}
			}
		case evident.StepAccept, evident.StepReopen:
			u, err := tx.actingLogin(ctx, step.Actor, step.Kind+" a request", evident.RoleAssessor)
			if err != nil {
				return err
			}
			if err := assessorOf(u, e, step.Kind+" its requests"); err != nil {
				return err
			}
			if step.Kind == evident.StepAccept && state != evident.RequestAnswered {
				return evident.Errorf(evident.ECONFLICT, "request %s is %s: only an answered request is accepted", id, state)
			}
			if step.Kind == evident.StepReopen && state == evident.RequestOpen {
				return evident.Errorf(evident.ECONFLICT, "request %s is already open", id)
			}
		default:
			return evident.ErrorAt(evident.EINVALID, "step", "%q: want answer, comment, accept or reopen", step.Kind)
		}
		if err := tx.checkEvidenceIDs(ctx, step.Evidence); err != nil {
			return err
		}
		step.At = tx.Now.UTC().Truncate(time.Microsecond)
		r.Steps = append(r.Steps, step)
		return tx.saveRequest(ctx, r, step, false)
	})
	return r, err
}

// checkEvidenceIDs refuses evidence ids that name no record.
func (tx *Tx) checkEvidenceIDs(ctx context.Context, ids []string) error {
	for _, id := range ids {
		ok, err := tx.exists(ctx, `SELECT 1 FROM evidence WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if !ok {
			return evident.ErrorAt(evident.EINVALID, "evidence", "no evidence record %q", id)
		}
	}
	return nil
}

func (tx *Tx) request(ctx context.Context, id string) (evident.Request, error) {
	var out []evident.Request
	if err := scanBodies(ctx, tx, `SELECT body FROM assessment_requests WHERE id = ?`, []any{id}, func(r evident.Request) { out = append(out, r) }); err != nil {
		return evident.Request{}, err
	}
	if len(out) == 0 {
		return evident.Request{}, evident.Errorf(evident.ENOTFOUND, "no request %q", id)
	}
	return out[0], nil
}

func (tx *Tx) saveRequest(ctx context.Context, r evident.Request, step evident.AssessmentStep, insert bool) error {
	body, _ := json.Marshal(r)
	q := `UPDATE assessment_requests SET engagement_id = ?, due = ?, raised_at = ?, updated_at = ?, body = ? WHERE id = ?`
	if insert {
		q = `INSERT INTO assessment_requests (engagement_id, due, raised_at, updated_at, body, id) VALUES (?, ?, ?, ?, ?, ?)`
	}
	if _, err := tx.Exec(ctx, q, r.Engagement, TS(r.Due), TS(r.RaisedAt), TS(step.At), string(body), r.ID); err != nil {
		return fmt.Errorf("record request: %w", err)
	}
	_, err := tx.Audit(ctx, kindRequest, r.ID, step.Actor, assessmentAudit[evident.Request]{Step: step, Object: r})
	return err
}

// AddFinding records a finding raised by an assessor of its engagement.
// Requirement references must be in the catalog.
func (s *Store) AddFinding(ctx context.Context, f evident.Finding) (evident.Finding, error) {
	err := s.Write(ctx, func(tx *Tx) (err error) {
		f, err = tx.addFinding(ctx, f)
		return err
	})
	return f, err
}

func (tx *Tx) addFinding(ctx context.Context, f evident.Finding) (evident.Finding, error) {
	e, err := tx.Engagement(ctx, f.Engagement)
	if err != nil {
		return f, err
	}
	u, err := tx.actingLogin(ctx, f.RaisedBy, "raise a finding", evident.RoleAssessor)
	if err != nil {
		return f, err
	}
	if err := assessorOf(u, e, "raise a finding"); err != nil {
		return f, err
	}
	if err := f.Validate(); err != nil {
		return f, err
	}
	for i := range f.Requirements {
		if err := tx.checkAgainst(ctx, &f.Requirements[i], ""); err != nil {
			return f, err
		}
	}
	if f.Ref != "" {
		dup, err := tx.exists(ctx, `SELECT 1 FROM findings WHERE engagement_id = ? AND ref = ?`, f.Engagement, f.Ref)
		if err != nil {
			return f, err
		}
		if dup {
			return f, evident.ErrorAt(evident.ECONFLICT, "ref", "engagement %s already has finding %s", f.Engagement, f.Ref)
		}
	}
	now := tx.Now.UTC().Truncate(time.Microsecond)
	f.ID, f.RaisedAt = evident.NewID(now), now
	f.Due = f.Due.UTC().Truncate(time.Microsecond)
	if f.Requirements == nil {
		f.Requirements = []evident.RequirementRef{}
	}
	step := evident.AssessmentStep{Kind: evident.StepAsk, At: now, Actor: u.Name, Text: f.Text}
	f.Steps = []evident.AssessmentStep{step}
	return f, tx.saveFinding(ctx, f, step, true)
}

// FindingPlan is what a manager's update of a finding sets; empty fields
// keep what the finding has.
type FindingPlan struct {
	RootCause        string
	CorrectiveAction string
	Due              time.Time
}

// FindingStep makes one step on finding id: a manager updates the root
// cause and corrective action plan, or proposes closure with its evidence;
// the finding's assessor accepts the closure (which closes it) or reopens
// it. The step's Actor is the login acting.
func (s *Store) FindingStep(ctx context.Context, id string, step evident.AssessmentStep, plan FindingPlan) (evident.Finding, error) {
	var f evident.Finding
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		if f, err = tx.finding(ctx, id); err != nil {
			return err
		}
		e, err := tx.Engagement(ctx, f.Engagement)
		if err != nil {
			return err
		}
		for _, c := range [][2]string{{"text", step.Text}, {"root_cause", plan.RootCause}, {"corrective_action", plan.CorrectiveAction}} {
			if err := evident.CheckText(c[0], c[1]); err != nil {
				return err
			}
		}
		state := f.State()
		switch step.Kind {
		case evident.StepUpdate:
			if _, err := tx.actingLogin(ctx, step.Actor, "update a finding", managerRoles...); err != nil {
				return err
			}
			if state == evident.FindingClosed {
				return evident.Errorf(evident.ECONFLICT, "finding %s is closed", id)
			}
			if plan == (FindingPlan{}) && step.Text == "" {
				return evident.ErrorAt(evident.EINVALID, "root_cause", "an update sets the root cause, the corrective action, the due date or a comment")
			}
			if plan.RootCause != "" {
				f.RootCause = plan.RootCause
			}
			if plan.CorrectiveAction != "" {
				f.CorrectiveAction = plan.CorrectiveAction
			}
			if !plan.Due.IsZero() {
				f.Due = plan.Due.UTC().Truncate(time.Microsecond)
			}
		case evident.StepClose:
			if _, err := tx.actingLogin(ctx, step.Actor, "propose closing a finding", managerRoles...); err != nil {
				return err
			}
			if state != evident.FindingOpen {
				return evident.Errorf(evident.ECONFLICT, "finding %s is %s: only an open finding is proposed for closure", id, state)
			}
			if len(step.Evidence) == 0 {
				return evident.ErrorAt(evident.EINVALID, "evidence", "closing a finding needs the evidence of its correction")
			}
			if f.Kind != evident.FindingObservation && (f.RootCause == "" && plan.RootCause == "" || f.CorrectiveAction == "" && plan.CorrectiveAction == "") {
				return evident.ErrorAt(evident.EINVALID, "root_cause", "a nonconformity is closed with its root cause and corrective action recorded")
			}
			if plan.RootCause != "" {
				f.RootCause = plan.RootCause
			}
			if plan.CorrectiveAction != "" {
				f.CorrectiveAction = plan.CorrectiveAction
			}
			f.ClosureEvidence = append(slices.Clone(f.ClosureEvidence), step.Evidence...)
		case evident.StepAccept, evident.StepReopen:
			u, err := tx.actingLogin(ctx, step.Actor, step.Kind+" a finding's closure", evident.RoleAssessor)
			if err != nil {
				return err
			}
			if err := assessorOf(u, e, step.Kind+" its findings"); err != nil {
				return err
			}
			if state != evident.FindingProposed {
				return evident.Errorf(evident.ECONFLICT, "finding %s is %s: the assessor decides on a proposed closure", id, state)
			}
		default:
			return evident.ErrorAt(evident.EINVALID, "step", "%q: want update, close, accept or reopen", step.Kind)
		}
		if err := tx.checkEvidenceIDs(ctx, step.Evidence); err != nil {
			return err
		}
		step.At = tx.Now.UTC().Truncate(time.Microsecond)
		f.Steps = append(f.Steps, step)
		return tx.saveFinding(ctx, f, step, false)
	})
	return f, err
}

func (tx *Tx) finding(ctx context.Context, id string) (evident.Finding, error) {
	var out []evident.Finding
	if err := scanBodies(ctx, tx, `SELECT body FROM findings WHERE id = ?`, []any{id}, func(f evident.Finding) { out = append(out, f) }); err != nil {
		return evident.Finding{}, err
	}
	if len(out) == 0 {
		return evident.Finding{}, evident.Errorf(evident.ENOTFOUND, "no finding %q", id)
	}
	return out[0], nil
}

func (tx *Tx) saveFinding(ctx context.Context, f evident.Finding, step evident.AssessmentStep, insert bool) error {
	body, _ := json.Marshal(f)
	q := `UPDATE findings SET engagement_id = ?, ref = ?, kind = ?, due = ?, raised_at = ?, updated_at = ?, body = ? WHERE id = ?`
	if insert {
		q = `INSERT INTO findings (engagement_id, ref, kind, due, raised_at, updated_at, body, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	}
	if _, err := tx.Exec(ctx, q, f.Engagement, f.Ref, string(f.Kind), NullTS(f.Due), TS(f.RaisedAt), TS(step.At), string(body), f.ID); err != nil {
		return fmt.Errorf("record finding: %w", err)
	}
	_, err := tx.Audit(ctx, kindFinding, f.ID, step.Actor, assessmentAudit[evident.Finding]{Step: step, Object: f})
	return err
}

// Findings returns the findings raised at or before at (zero: all), oldest
// first, each with its whole history: readiness reads their state at at
// from the steps. A reader with a grant sees the findings of the
// engagements in it.
func (tx *Tx) Findings(ctx context.Context, at time.Time) ([]evident.Finding, error) {
	g, narrowed := GrantOf(ctx)
	var seen map[string]bool
	if narrowed {
		es, err := tx.Engagements(ctx, time.Time{})
		if err != nil {
			return nil, err
		}
		seen = map[string]bool{}
		for _, e := range es {
			if g.Overlaps(e.From, e.To) {
				seen[e.ID] = true
			}
		}
	}
	out := []evident.Finding{}
	err := scanBodies(ctx, tx, `SELECT body FROM findings WHERE raised_at <= ? ORDER BY raised_at, ref, id`, []any{asOf(at)}, func(f evident.Finding) {
		if !narrowed || seen[f.Engagement] {
			out = append(out, f)
		}
	})
	return out, err
}

// FindingsFor returns the findings that concern the period [from, to):
// those of the engagements whose period overlaps it, oldest first, as
// the register a pack or an export carries.
func (s *Store) FindingsFor(ctx context.Context, from, to time.Time) ([]evident.Finding, error) {
	var out []evident.Finding
	err := s.Read(ctx, func(tx *Tx) error {
		es, err := tx.Engagements(ctx, time.Time{})
		if err != nil {
			return err
		}
		in := map[string]bool{}
		for _, e := range es {
			if (Grant{From: from, To: to}).Overlaps(e.From, e.To) {
				in[e.ID] = true
			}
		}
		fs, err := tx.Findings(ctx, time.Time{})
		for _, f := range fs {
			if in[f.Engagement] {
				out = append(out, f)
			}
		}
		return err
	})
	return out, err
}

// EngagementsFor returns the engagements whose period overlaps [from, to).
func (s *Store) EngagementsFor(ctx context.Context, from, to time.Time) ([]evident.Engagement, error) {
	all, err := s.Engagements(ctx)
	out := []evident.Engagement{}
	for _, e := range all {
		if (Grant{From: from, To: to}).Overlaps(e.From, e.To) {
			out = append(out, e)
		}
	}
	return out, err
}

// ImportFindings records a CAB's list of findings for engagement, raised
// by the assessor login raisedBy, in one transaction: one refused finding
// refuses the list, naming its reference, and nothing is stored. name is
// the file, for messages.
func (s *Store) ImportFindings(ctx context.Context, engagement, raisedBy, name string, fs []evident.Finding) ([]evident.Finding, error) {
	out := make([]evident.Finding, 0, len(fs))
	err := s.Write(ctx, func(tx *Tx) error {
		for _, f := range fs {
			f.Engagement, f.RaisedBy = engagement, raisedBy
			got, err := tx.addFinding(ctx, f)
			if err != nil {
				var e *evident.Error
				if errors.As(err, &e) {
					return evident.Errorf(e.Code, "%s: finding %s: %s", name, f.Ref, evident.ErrorMessage(err))
				}
				return err
			}
			out = append(out, got)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
