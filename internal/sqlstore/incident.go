package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/evidenthq/evident"
)

// incidentBody is the JSON in incidents.body: the descriptive fields that
// no query filters on.
type incidentBody struct {
	Summary           string                `json:"summary,omitempty"`
	Services          []string              `json:"services"`
	Systems           []string              `json:"systems"`
	PersonalData      bool                  `json:"personal_data"`
	CustomersAffected bool                  `json:"customers_affected"`
	RootCause         string                `json:"root_cause,omitempty"` // as typed
	Assignee          string                `json:"assignee,omitempty"`
	Rules             evident.IncidentRules `json:"rules"`
	// EstimatedStartAt and Qualifications set the eIDAS clock's start
	// and regime (evident.Incident.Regimes); older rows lack them.
	EstimatedStartAt time.Time                        `json:"estimated_start_at,omitzero"`
	Qualifications   map[string]evident.Qualification `json:"qualifications,omitempty"`
}

// incidentFigures are the requirements whose figures make the rules.
var incidentFigures = []string{"REQ-7.9.3-01", "REQ-7.9.3-07", "REQ-7.9.3-10", "REQ-7.9.2-09"}

// IncidentRules builds the incident rules from the stored catalog: the
// program's version when it carries the figures, else the newest version
// that does (V3.1.1 lists no clause 7.9.3 identifiers, but its incidents
// still run on the same law).
func (tx *Tx) IncidentRules(ctx context.Context) (evident.IncidentRules, error) {
	prefer := ""
	if p, err := tx.Program(ctx); err == nil {
		prefer = p.Version
	}
	q := `SELECT version, id, figures FROM catalog_requirements WHERE standard = ? AND id IN (?, ?, ?, ?)`
	rows, err := tx.Query(ctx, q, string(evident.EN319401), incidentFigures[0], incidentFigures[1], incidentFigures[2], incidentFigures[3])
	if err != nil {
		return evident.IncidentRules{}, fmt.Errorf("read incident figures: %w", err)
	}
	defer rows.Close()
	byVersion := map[string][]evident.Requirement{}
	for rows.Next() {
		var r evident.Requirement
		var figs string
		if err := rows.Scan(&r.Version, &r.ID, &figs); err != nil {
			return evident.IncidentRules{}, err
		}
		if err := json.Unmarshal([]byte(figs), &r.Figures); err != nil {
			return evident.IncidentRules{}, fmt.Errorf("catalog figures of %s: %w", r.ID, err)
		}
		r.Standard = evident.EN319401
		byVersion[r.Version] = append(byVersion[r.Version], r)
	}
	if err := rows.Err(); err != nil {
		return evident.IncidentRules{}, err
	}
	versions := make([]string, 0, len(byVersion))
	for v := range byVersion {
		versions = append(versions, v)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(versions)))
	if _, ok := byVersion[prefer]; ok {
		versions = append([]string{prefer}, versions...)
	}
	for _, v := range versions {
		if r, err := evident.IncidentRulesFrom(byVersion[v]); err == nil {
			return r, nil
		}
	}
	return evident.IncidentRules{}, evident.Errorf(evident.EINVALID, "the stored catalog has no incident figures (%s): run `evident init` with this build", strings.Join(incidentFigures, ", "))
}

// OpenIncident records a new register entry and returns it with its id.
// The rules snapshot comes from the catalog; a positive CustomerNotice or
// Review in inc.Rules overrides the program default. Affected services and
// systems must exist in the program.
func (s *Store) OpenIncident(ctx context.Context, inc evident.Incident, actor string) (evident.Incident, error) {
	err := s.Write(ctx, func(tx *Tx) error { return tx.openIncident(ctx, &inc, actor) })
	return inc, err
}

func (tx *Tx) openIncident(ctx context.Context, inc *evident.Incident, actor string) error {
	rules, err := tx.IncidentRules(ctx)
	if err != nil {
		return err
	}
	if inc.Rules.CustomerNotice.Amount > 0 {
		rules.CustomerNotice = inc.Rules.CustomerNotice
	}
	if inc.Rules.Review.Amount > 0 {
		rules.Review = inc.Rules.Review
	}
	inc.Rules = rules
	inc.ID = evident.NewID(tx.Now)
	inc.OpenedAt, inc.OpenedBy = stored(tx.Now), actor
	inc.ClosedAt = time.Time{}
	inc.Title, inc.Summary, inc.RootCause = strings.TrimSpace(inc.Title), strings.TrimSpace(inc.Summary), strings.TrimSpace(inc.RootCause)
	inc.Services, inc.Systems = names(inc.Services), names(inc.Systems)
	inc.AwareAt, inc.DetectedAt = stored(inc.AwareAt), stored(inc.DetectedAt)
	if inc.DetectedAt.IsZero() {
		inc.DetectedAt = inc.AwareAt
	}
	if !inc.EstimatedStartAt.IsZero() {
		inc.EstimatedStartAt = stored(inc.EstimatedStartAt)
	}
	inc.Classifications, inc.Steps, inc.Notifications = []evident.Classification{}, []evident.Step{}, []evident.Notification{}
	if err := inc.Validate(tx.Now); err != nil {
		return err
	}
	if err := tx.checkScope(ctx, inc.Services, inc.Systems); err != nil {
		return err
	}
	if inc.Qualifications, err = tx.qualifications(ctx, inc.Services); err != nil {
		return err
	}
	body, err := json.Marshal(bodyOf(*inc))
	if err != nil {
		return err
	}
	var key sql.NullString
	if inc.FindingKey != "" {
		key = sql.NullString{String: inc.FindingKey, Valid: true}
	}
	_, err = tx.Exec(ctx, `INSERT INTO incidents (id, kind, title, reporter, aware_at, detected_at, opened_at, opened_by, root_cause, finding_key, body, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		inc.ID, string(inc.Kind), inc.Title, inc.Reporter, TS(inc.AwareAt), NullTS(inc.DetectedAt), TS(tx.Now), actor,
		evident.RootCauseKey(inc.RootCause), key, string(body), TS(tx.Now))
	if err != nil {
		return fmt.Errorf("open incident: %w", err)
	}
	_, err = tx.Audit(ctx, "incident.open", inc.ID, actor, inc)
	return err
}

// stored returns t as the store keeps it (UTC, microseconds), so what a
// write returns equals what a later read gives, and a report "sent now" is
// never a few nanoseconds after the evidence record that receives it.
func stored(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func bodyOf(inc evident.Incident) incidentBody {
	return incidentBody{Summary: inc.Summary, Services: inc.Services, Systems: inc.Systems, PersonalData: inc.PersonalData,
		CustomersAffected: inc.CustomersAffected, RootCause: inc.RootCause, Assignee: inc.Assignee, Rules: inc.Rules,
		EstimatedStartAt: inc.EstimatedStartAt, Qualifications: inc.Qualifications}
}

// names trims, drops duplicates and never returns nil, so JSON shows [].
func names(in []string) []string {
	out := []string{}
	for _, n := range in {
		if n = strings.TrimSpace(n); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// checkScope refuses services and systems the program does not have.
func (tx *Tx) checkScope(ctx context.Context, services, systems []string) error {
	for _, l := range []struct {
		table, field string
		ids          []string
	}{{"services", "services", services}, {"systems", "systems", systems}} {
		for i, id := range l.ids {
			ok, err := tx.exists(ctx, `SELECT 1 FROM `+l.table+` WHERE id = ?`, id)
			if err != nil {
				return fmt.Errorf("look up %s %q: %w", l.table, id, err)
			}
			if !ok {
				return evident.ErrorAt(evident.EINVALID, fmt.Sprintf("%s[%d]", l.field, i), "no %s %q in the program", strings.TrimSuffix(l.table, "s"), id)
			}
		}
	}
	return nil
}

// qualifications reads the qualification of each named service from the
// program, for the incident's record of which eIDAS regime applies. A
// service with no qualification recorded is left out (Regimes then runs
// the stricter clock). Nil when no service has one.
func (tx *Tx) qualifications(ctx context.Context, services []string) (map[string]evident.Qualification, error) {
	var out map[string]evident.Qualification
	for _, id := range services {
		var body string
		if err := tx.QueryRow(ctx, `SELECT body FROM services WHERE id = ?`, id).Scan(&body); err != nil {
			return nil, fmt.Errorf("read service %q: %w", id, err)
		}
		var s evident.Service
		if err := json.Unmarshal([]byte(body), &s); err != nil {
			return nil, fmt.Errorf("service %q: %w", id, err)
		}
		if s.Qualification == "" {
			continue
		}
		if out == nil {
			out = map[string]evident.Qualification{}
		}
		out[id] = s.Qualification
	}
	return out, nil
}

// OpenVulnerability opens a vulnerability for an importer finding, once:
// a finding whose key is already in the register returns that entry and
// created false. The finding's severity is the first classification, so a
// critical finding starts its 48-hour clock (REQ-7.9.2-09) from discovery.
func (s *Store) OpenVulnerability(ctx context.Context, f evident.VulnerabilityFinding, actor string) (evident.Incident, bool, error) {
	f.Key = strings.TrimSpace(f.Key)
	if f.Key == "" {
		return evident.Incident{}, false, evident.ErrorAt(evident.EINVALID, "finding.key", "a finding needs a key so re-imports find it")
	}
	sev, err := evident.ParseSeverity(string(f.Severity))
	if err != nil {
		return evident.Incident{}, false, err
	}
	var inc evident.Incident
	created := false
	err = s.Write(ctx, func(tx *Tx) error {
		id, err := tx.incidentByKey(ctx, f.Key)
		if err != nil || id != "" {
			if id != "" {
				inc, err = tx.Incident(ctx, id)
			}
			return err
		}
		inc = evident.Incident{Kind: evident.KindVulnerability, Title: f.Title, Summary: f.Summary, Reporter: f.Reporter,
			AwareAt: f.DiscoveredAt, DetectedAt: f.DiscoveredAt, Services: f.Services, Systems: f.Systems, FindingKey: f.Key}
		if inc.Reporter == "" {
			inc.Reporter = actor
		}
		if inc.AwareAt.IsZero() {
			inc.AwareAt = tx.Now
		}
		if err := tx.openIncident(ctx, &inc, actor); err != nil {
			return err
		}
		c := evident.Classification{Severity: sev, Category: "vulnerability", Note: "from finding " + f.Key}
		created = true
		return tx.classify(ctx, &inc, c, actor)
	})
	if IsUniqueViolation(err) {
		// Another process imported the same finding first: it is the entry.
		err = s.Read(ctx, func(tx *Tx) error {
			id, err := tx.incidentByKey(ctx, f.Key)
			if err == nil {
				inc, err = tx.Incident(ctx, id)
			}
			return err
		})
		return inc, false, err
	}
	return inc, created, err
}

func (tx *Tx) incidentByKey(ctx context.Context, key string) (string, error) {
	var id string
	err := tx.QueryRow(ctx, `SELECT id FROM incidents WHERE finding_key = ?`, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// UpdateIncident changes descriptive fields and records the change.
func (s *Store) UpdateIncident(ctx context.Context, id string, u evident.IncidentUpdate, actor string) (evident.Incident, error) {
	var inc evident.Incident
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		if inc, err = tx.Incident(ctx, id); err != nil {
			return err
		}
		u.Qualifications = nil // the store's to set, below
		if u.IsZero() {
			return evident.Errorf(evident.EINVALID, "nothing to update: name a field to change")
		}
		if u.EstimatedStartAt != nil {
			t := stored(*u.EstimatedStartAt)
			u.EstimatedStartAt = &t
		}
		inc = u.Apply(inc)
		inc.Services, inc.Systems = names(inc.Services), names(inc.Systems)
		if inc.Title == "" {
			return evident.ErrorAt(evident.EINVALID, "title", "an incident needs a title")
		}
		if err := inc.Validate(tx.Now); err != nil {
			return err
		}
		if err := tx.checkScope(ctx, inc.Services, inc.Systems); err != nil {
			return err
		}
		if u.Services != nil {
			q, err := tx.qualifications(ctx, inc.Services)
			if err != nil {
				return err
			}
			if q == nil {
				q = map[string]evident.Qualification{}
			}
			u.Qualifications, inc.Qualifications = &q, q
		}
		if u.Assignee != nil && inc.Assignee != "" {
			// Work is assigned to a person who can sign in and act on it.
			a, _, err := tx.UserByName(ctx, inc.Assignee)
			switch {
			case evident.ErrorCode(err) == evident.ENOTFOUND:
				return evident.ErrorAt(evident.EREFUSED, "assignee", "no user %q", inc.Assignee)
			case err != nil:
				return err
			case a.Disabled || a.Role == evident.RoleAssessor:
				return evident.ErrorAt(evident.EREFUSED, "assignee", "%s cannot work an incident (disabled or an assessor)", inc.Assignee)
			}
		}
		if err := tx.saveIncidentRow(ctx, inc); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, "incident.update", inc.ID, actor, u)
		return err
	})
	return inc, err
}

// saveIncidentRow writes the current columns of an incident.
func (tx *Tx) saveIncidentRow(ctx context.Context, inc evident.Incident) error {
	body, err := json.Marshal(bodyOf(inc))
	if err != nil {
		return err
	}
	var sig sql.NullInt64
	sev := ""
	if c, ok := inc.Current(); ok {
		sig = sql.NullInt64{Int64: 0, Valid: true}
		if c.Significant() {
			sig.Int64 = 1
		}
		sev = string(c.Severity)
	}
	_, err = tx.Exec(ctx, `UPDATE incidents SET title = ?, severity = ?, significant = ?, root_cause = ?, closed_at = ?, body = ?, updated_at = ? WHERE id = ?`,
		inc.Title, sev, sig, evident.RootCauseKey(inc.RootCause), NullTS(inc.ClosedAt), string(body), TS(tx.Now), inc.ID)
	return err
}

// Classify assesses an incident (REQ-7.9.4-01) and keeps the assessment
// beside every earlier one (REQ-7.9.4-02). Significance is computed from
// the impact with the incident's thresholds and the recurrence rule over
// the register; a non-empty rootCause is recorded first so it takes part.
func (s *Store) ClassifyIncident(ctx context.Context, id string, c evident.Classification, rootCause string, actor string) (evident.Incident, error) {
	var inc evident.Incident
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		if inc, err = tx.Incident(ctx, id); err != nil {
			return err
		}
		if rc := strings.TrimSpace(rootCause); rc != "" {
			inc.RootCause = rc
		}
		return tx.classify(ctx, &inc, c, actor)
	})
	return inc, err
}

func (tx *Tx) classify(ctx context.Context, inc *evident.Incident, c evident.Classification, actor string) error {
	var err error
	// Refusals name their field, so a form can show each next to its input.
	if c.Severity, err = evident.ParseSeverity(string(c.Severity)); err != nil {
		return evident.ErrorAt(evident.EINVALID, "severity", "%s", evident.ErrorMessage(err))
	}
	if c.Category, err = evident.ParseCategory(c.Category); err != nil {
		return evident.ErrorAt(evident.EINVALID, "category", "%s", evident.ErrorMessage(err))
	}
	if err := c.Impact.Validate(); err != nil {
		return err
	}
	register, err := tx.loadIncidents(ctx, `root_cause = ? AND root_cause <> '' AND id <> ?`, evident.RootCauseKey(inc.RootCause), inc.ID)
	if err != nil {
		return err
	}
	c.At, c.Actor = stored(tx.Now), actor
	c.Reasons = inc.AssessImpact(c.Impact, register)
	if c.Declared {
		c.Reasons = append(c.Reasons, evident.Reason{Criterion: evident.CritDeclared,
			Detail: "declared significant by " + actor, Basis: inc.Rules.Source + ":REQ-7.9.4-03"})
	}
	seq := len(inc.Classifications) + 1
	audit := struct {
		Seq            int                    `json:"seq"`
		RootCause      string                 `json:"root_cause,omitempty"`
		Classification evident.Classification `json:"classification"`
	}{seq, inc.RootCause, c}
	if c.Ledger, err = tx.Audit(ctx, "incident.classify", inc.ID, actor, audit); err != nil {
		return err
	}
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO incident_classifications (incident_id, seq, at, actor, body, ledger_idx) VALUES (?, ?, ?, ?, ?, ?)`,
		inc.ID, seq, TS(c.At), actor, string(body), c.Ledger); err != nil {
		return fmt.Errorf("classify incident %s: %w", inc.ID, err)
	}
	inc.Classifications = append(inc.Classifications, c)
	return tx.saveIncidentRow(ctx, *inc)
}

// AddIncidentStep records a timeline step. A closure closes the incident;
// once closed only a review can be added, since a closed incident that
// still needs work should have stayed open.
func (s *Store) AddIncidentStep(ctx context.Context, id string, st evident.Step, actor string) (evident.Step, error) {
	err := s.Write(ctx, func(tx *Tx) error {
		inc, err := tx.Incident(ctx, id)
		if err != nil {
			return err
		}
		if st.Kind, err = evident.ParseStepKind(string(st.Kind)); err != nil {
			return err
		}
		if st.At.IsZero() {
			st.At = tx.Now
		}
		st.At = stored(st.At)
		if err := inc.CheckStepTime("at", st.At, tx.Now); err != nil {
			return err
		}
		if !inc.Open() && st.Kind != evident.StepReview {
			return evident.Errorf(evident.ECONFLICT, "incident %s was closed at %s; only a review can be added now", inc.ID, evident.UTC(inc.ClosedAt))
		}
		st.ID, st.RecordedAt, st.Actor, st.Note = evident.NewID(tx.Now), stored(tx.Now), actor, strings.TrimSpace(st.Note)
		if st.Ledger, err = tx.Audit(ctx, "incident.step", inc.ID, actor, st); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO incident_steps (id, incident_id, kind, at, recorded_at, actor, note, ledger_idx) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			st.ID, inc.ID, string(st.Kind), TS(st.At), TS(st.RecordedAt), actor, st.Note, st.Ledger); err != nil {
			return fmt.Errorf("incident step: %w", err)
		}
		if st.Kind == evident.StepClosure {
			inc.ClosedAt = st.At
			return tx.saveIncidentRow(ctx, inc)
		}
		return nil
	})
	return st, err
}

// NotifyIncident records a notification sent. When report is not nil it
// is the sent file's evidence record, prepared by the ledger (blob already
// stored): it is inserted in the same transaction, about the incident and
// for the requirements the recipients imply (Incident.ReportRefs), so the
// notification and its evidence exist together or not at all. Callers
// with a report go through ledger.NotifyIncident, which prepares it.
func (s *Store) NotifyIncident(ctx context.Context, id string, n evident.Notification, report *evident.Evidence, actor string) (evident.Notification, error) {
	err := s.Write(ctx, func(tx *Tx) error {
		inc, err := tx.Incident(ctx, id)
		if err != nil {
			return err
		}
		if len(n.To) == 0 {
			return evident.ErrorAt(evident.EINVALID, "to", "a notification needs a recipient")
		}
		if n.Kind, err = evident.ParseNoticeKind(string(n.Kind)); err != nil {
			return err
		}
		if n.SentAt.IsZero() {
			n.SentAt = tx.Now
		}
		n.SentAt = stored(n.SentAt)
		if err := inc.CheckStepTime("sent_at", n.SentAt, tx.Now); err != nil {
			return err
		}
		n.ID, n.RecordedAt, n.Actor, n.Note = evident.NewID(tx.Now), stored(tx.Now), actor, strings.TrimSpace(n.Note)
		if report != nil {
			ev := *report
			ev.Actor = actor
			// The report is filed about the incident and speaks for the
			// requirements its recipients imply, whoever the caller is.
			if about := "incident/" + inc.ID; !slices.Contains(ev.About, about) {
				ev.About = append(slices.Clone(ev.About), about)
			}
			for _, ref := range inc.ReportRefs(n.To) {
				if !slices.Contains(ev.Requirements, ref) {
					ev.Requirements = append(slices.Clone(ev.Requirements), ref)
				}
			}
			ev.Effective = evident.Effective{From: n.SentAt}
			evs := []evident.Evidence{ev}
			if err := tx.InsertEvidence(ctx, evs); err != nil {
				return err
			}
			*report = evs[0]
			n.EvidenceID, n.Digest, n.Size, n.File = evs[0].ID, evs[0].Digest.String(), evs[0].Size, evs[0].Filename
		}
		if n.Ledger, err = tx.Audit(ctx, "incident.notify", inc.ID, actor, n); err != nil {
			return err
		}
		to, _ := json.Marshal(n.To)
		var evID sql.NullString
		if n.EvidenceID != "" {
			evID = sql.NullString{String: n.EvidenceID, Valid: true}
		}
		_, err = tx.Exec(ctx, `INSERT INTO incident_notifications (id, incident_id, kind, recipients, sent_at, recorded_at, actor, note, file, sha256, size, evidence_id, ledger_idx)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			n.ID, inc.ID, string(n.Kind), string(to), TS(n.SentAt), TS(n.RecordedAt), actor, n.Note, n.File, n.Digest, n.Size, evID, n.Ledger)
		if err != nil {
			return fmt.Errorf("incident notification: %w", err)
		}
		return nil
	})
	return n, err
}

// Incident returns one register entry with its whole history. id may be
// the full id or a unique prefix of at least 8 characters, since people
// type them from a terminal.
func (s *Store) Incident(ctx context.Context, id string) (evident.Incident, error) {
	var inc evident.Incident
	err := s.Read(ctx, func(tx *Tx) error {
		var err error
		inc, err = tx.Incident(ctx, id)
		return err
	})
	return inc, err
}

// Incident reads one register entry inside a transaction.
func (tx *Tx) Incident(ctx context.Context, id string) (evident.Incident, error) {
	full, err := tx.resolveIncident(ctx, strings.TrimSpace(id))
	if err != nil {
		return evident.Incident{}, err
	}
	list, err := tx.loadIncidents(ctx, `id = ?`, full)
	if err != nil {
		return evident.Incident{}, err
	}
	if g, ok := GrantOf(ctx); ok && !g.Contains(list[0].AwareAt) {
		return evident.Incident{}, evident.Errorf(evident.ENOTFOUND, "no incident %q in the register", id)
	}
	return list[0], nil
}

func (tx *Tx) resolveIncident(ctx context.Context, id string) (string, error) {
	if ok, err := tx.exists(ctx, `SELECT 1 FROM incidents WHERE id = ?`, id); err != nil || ok {
		return id, err
	}
	if len(id) >= 8 && !strings.ContainsAny(id, "%_") {
		rows, err := tx.Query(ctx, `SELECT id FROM incidents WHERE id LIKE ? ORDER BY id LIMIT 2`, id+"%")
		if err != nil {
			return "", err
		}
		var ids []string
		for rows.Next() {
			var x string
			if err := rows.Scan(&x); err != nil {
				rows.Close()
				return "", err
			}
			ids = append(ids, x)
		}
		rows.Close()
		if len(ids) == 1 {
			return ids[0], nil
		}
		if len(ids) > 1 {
			return "", evident.Errorf(evident.EINVALID, "incident id %q is ambiguous: type more of it", id)
		}
	}
	return "", evident.Errorf(evident.ENOTFOUND, "no incident %q in the register", id)
}

// IncidentFilter selects register entries. Zero fields do not filter.
type IncidentFilter struct {
	OpenOnly bool
	Kind     evident.IncidentKind
}

// Incidents lists register entries, most recent awareness first.
func (s *Store) Incidents(ctx context.Context, f IncidentFilter) ([]evident.Incident, error) {
	var out []evident.Incident
	err := s.Read(ctx, func(tx *Tx) error {
		where, args := "1 = 1", []any{}
		if f.OpenOnly {
			where += " AND closed_at IS NULL"
		}
		if f.Kind != "" {
			where += " AND kind = ?"
			args = append(args, string(f.Kind))
		}
		if g, ok := GrantOf(ctx); ok {
			where += " AND aware_at >= ? AND aware_at < ?"
			args = append(args, TS(g.From), TS(g.To))
		}
		var err error
		out, err = tx.loadIncidents(ctx, where, args...)
		return err
	})
	slices.Reverse(out)
	return out, err
}

// IncidentClocks returns, as of now, every incident that is open or has a
// clock not met in time (running, missed or met late), with its clocks,
// most urgent first: the list status, tasks, the API and the dashboard
// show. An incident closed with every clock met drops out.
func (s *Store) IncidentClocks(ctx context.Context, now time.Time) ([]evident.IncidentClocks, error) {
	var all []evident.Incident
	err := s.Read(ctx, func(tx *Tx) error {
		var err error
		where, args := `aware_at <= ?`, []any{TS(now)}
		if g, ok := GrantOf(ctx); ok {
			where += ` AND aware_at >= ? AND aware_at < ?`
			args = append(args, TS(g.From), TS(g.To))
		}
		all, err = tx.loadIncidents(ctx, where, args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := []evident.IncidentClocks{}
	for _, inc := range all {
		cs := inc.Clocks(now)
		pending := inc.ClosedAt.IsZero() || inc.ClosedAt.After(now)
		for _, c := range cs {
			if c.State != evident.ClockMet {
				pending = true
			}
		}
		if pending {
			out = append(out, evident.IncidentClocks{Incident: inc, Clocks: cs})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return urgency(out[i].Clocks).Before(urgency(out[j].Clocks)) })
	return out, nil
}

// urgency is the earliest due time among clocks not met in time; an
// incident without one sorts last.
func urgency(cs []evident.Clock) time.Time {
	u := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range cs {
		if c.State != evident.ClockMet && c.Due.Before(u) {
			u = c.Due
		}
	}
	return u
}

// loadIncidents reads incidents matching where (a condition on the
// incidents table) with their classifications, steps and notifications,
// in four queries whatever the number of incidents. Ordered by awareness.
func (tx *Tx) loadIncidents(ctx context.Context, where string, args ...any) ([]evident.Incident, error) {
	rows, err := tx.Query(ctx, `SELECT id, kind, title, reporter, aware_at, detected_at, opened_at, opened_by, closed_at, finding_key, body
		FROM incidents WHERE `+where+` ORDER BY aware_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read incidents: %w", err)
	}
	var out []evident.Incident
	pos := map[string]int{}
	for rows.Next() {
		var inc evident.Incident
		var kind, aware, opened, body string
		var detected, closed, key sql.NullString
		if err := rows.Scan(&inc.ID, &kind, &inc.Title, &inc.Reporter, &aware, &detected, &opened, &inc.OpenedBy, &closed, &key, &body); err != nil {
			rows.Close()
			return nil, err
		}
		inc.Kind, inc.FindingKey = evident.IncidentKind(kind), key.String
		var b incidentBody
		err1 := json.Unmarshal([]byte(body), &b)
		inc.AwareAt, err = ParseTS(aware)
		inc.OpenedAt, _ = ParseTS(opened)
		inc.DetectedAt, _ = ParseNullTS(detected)
		inc.ClosedAt, _ = ParseNullTS(closed)
		if err := errors.Join(err, err1); err != nil {
			rows.Close()
			return nil, fmt.Errorf("incident %s: %w", inc.ID, err)
		}
		inc.Summary, inc.Services, inc.Systems = b.Summary, b.Services, b.Systems
		inc.PersonalData, inc.CustomersAffected, inc.RootCause, inc.Rules = b.PersonalData, b.CustomersAffected, b.RootCause, b.Rules
		inc.Assignee, inc.EstimatedStartAt, inc.Qualifications = b.Assignee, b.EstimatedStartAt, b.Qualifications
		inc.Classifications, inc.Steps, inc.Notifications = []evident.Classification{}, []evident.Step{}, []evident.Notification{}
		pos[inc.ID] = len(out)
		out = append(out, inc)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	sub := `(SELECT id FROM incidents WHERE ` + where + `)`
	if err := tx.loadClassifications(ctx, sub, args, out, pos); err != nil {
		return nil, err
	}
	if err := tx.loadSteps(ctx, sub, args, out, pos); err != nil {
		return nil, err
	}
	return out, tx.loadNotifications(ctx, sub, args, out, pos)
}

func (tx *Tx) loadClassifications(ctx context.Context, sub string, args []any, out []evident.Incident, pos map[string]int) error {
	rows, err := tx.Query(ctx, `SELECT incident_id, body, ledger_idx FROM incident_classifications WHERE incident_id IN `+sub+` ORDER BY incident_id, seq`, args...)
	if err != nil {
		return fmt.Errorf("read classifications: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, body string
		var idx int64
		if err := rows.Scan(&id, &body, &idx); err != nil {
			return err
		}
		var c evident.Classification
		if err := json.Unmarshal([]byte(body), &c); err != nil {
			return fmt.Errorf("classification of %s: %w", id, err)
		}
		c.Ledger = idx
		out[pos[id]].Classifications = append(out[pos[id]].Classifications, c)
	}
	return rows.Err()
}

func (tx *Tx) loadSteps(ctx context.Context, sub string, args []any, out []evident.Incident, pos map[string]int) error {
	rows, err := tx.Query(ctx, `SELECT incident_id, id, kind, at, recorded_at, actor, note, ledger_idx FROM incident_steps WHERE incident_id IN `+sub+` ORDER BY incident_id, at, recorded_at`, args...)
	if err != nil {
		return fmt.Errorf("read incident steps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind, at, rec string
		var s evident.Step
		if err := rows.Scan(&id, &s.ID, &kind, &at, &rec, &s.Actor, &s.Note, &s.Ledger); err != nil {
			return err
		}
		s.Kind = evident.StepKind(kind)
		var e1, e2 error
		s.At, e1 = ParseTS(at)
		s.RecordedAt, e2 = ParseTS(rec)
		if err := errors.Join(e1, e2); err != nil {
			return err
		}
		out[pos[id]].Steps = append(out[pos[id]].Steps, s)
	}
	return rows.Err()
}

func (tx *Tx) loadNotifications(ctx context.Context, sub string, args []any, out []evident.Incident, pos map[string]int) error {
	rows, err := tx.Query(ctx, `SELECT incident_id, id, kind, recipients, sent_at, recorded_at, actor, note, file, sha256, size, evidence_id, ledger_idx
		FROM incident_notifications WHERE incident_id IN `+sub+` ORDER BY incident_id, sent_at, recorded_at`, args...)
	if err != nil {
		return fmt.Errorf("read incident notifications: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind, to, sent, rec string
		var ev sql.NullString
		var n evident.Notification
		if err := rows.Scan(&id, &n.ID, &kind, &to, &sent, &rec, &n.Actor, &n.Note, &n.File, &n.Digest, &n.Size, &ev, &n.Ledger); err != nil {
			return err
		}
		n.Kind, n.EvidenceID = evident.NoticeKind(kind), ev.String
		var e1, e2 error
		n.SentAt, e1 = ParseTS(sent)
		n.RecordedAt, e2 = ParseTS(rec)
		if err := errors.Join(e1, e2, json.Unmarshal([]byte(to), &n.To)); err != nil {
			return fmt.Errorf("notification %s: %w", n.ID, err)
		}
		out[pos[id]].Notifications = append(out[pos[id]].Notifications, n)
	}
	return rows.Err()
}
