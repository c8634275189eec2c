package ledger

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// projectedFixture fills every projected table through the store's own
// write paths: evidence filed under a control and a requirement, a
// control owner and an assessor with a period, a significant change with
// its tasks and an exception.
func projectedFixture(t *testing.T, st *sqlstore.Store) fixture {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t, st)
	if err := st.CreateProgram(ctx, evident.Program{Name: "Example", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "alice"}); err != nil {
		t.Fatal(err)
	}
	putObjects(t, st, programObject{sqlstore.Systems, "ca-issuing", evident.System{ID: "ca-issuing", Name: "Issuing CA", Version: "4.2"}},
		programObject{sqlstore.People, "ceo", evident.Person{ID: "ceo", Name: "Chief"}},
		programObject{sqlstore.Risks, "r1", evident.Risk{ID: "r1", Title: "key compromise"}},
		programObject{sqlstore.Treatments, "t1", evident.Treatment{ID: "t1", Risk: "r1"}},
		programObject{sqlstore.Services, "qc", evident.Service{ID: "qc", Name: "Qualified certificates", Qualification: evident.Qualified}},
		programObject{sqlstore.Zones, "dmz", evident.Zone{ID: "dmz", Name: "DMZ"}},
		programObject{sqlstore.Suppliers, "cloudco", evident.Supplier{ID: "cloudco", Name: "CloudCo"}},
		programObject{sqlstore.Roles, "ca-admin", evident.Role{ID: "ca-admin", Name: "CA administrator"}},
		programObject{sqlstore.Acceptances, "a1", evident.Acceptance{ID: "a1", Risk: "r1"}},
		programObject{sqlstore.Policies, "isp", evident.Policy{ID: "isp", Title: "Information security policy"}},
		programObject{"soa", "EN319401@3.2.1:REQ-7.8-18", evident.Applicability{Requirement: evident.RequirementRef{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.8-18"},
			Applicable: false, Justification: "no changes to test"}})
	in := input("scan.txt")
	in.Effective = evident.Effective{From: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	ev, err := f.l.AddEvidence(ctx, in, strings.NewReader("nmap output\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, evident.User{Name: "bob", Role: evident.RoleControlOwner, Controls: []string{"vuln-scan"}}, "", "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateToken(ctx, sqlstore.APIToken{User: "bob", Name: "ci"}, []byte("0123456789abcdef0123456789abcdef"), "alice"); err != nil {
		t.Fatal(err)
	}
	old, err := st.CreateToken(ctx, sqlstore.APIToken{User: "bob", Name: "old"}, []byte("fedcba9876543210fedcba9876543210"), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RevokeToken(ctx, old.ID, "alice"); err != nil {
		t.Fatal(err)
	}
	period := evident.User{Name: "carol", Role: evident.RoleAssessor,
		PeriodFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), PeriodTo: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := st.CreateUser(ctx, period, "", "alice"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.AddChange(ctx, evident.Change{System: "ca-issuing", Version: "5.0", Significant: true, Summary: "new CA", Actor: "alice"}); err != nil {
		t.Fatal(err)
	}
	ex := evident.Exception{Control: "vuln-scan", Reason: "migration", Approver: "ceo", ApprovedAt: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC),
		Expires: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), Actor: "alice"}
	if _, err := st.AddException(ctx, ex); err != nil {
		t.Fatal(err)
	}
	missed := evident.Period{Window: evident.Window{Start: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}, State: evident.PeriodMissed}
	if _, err := st.RecordOutcome(ctx, "vuln-scan", missed, "system:scheduler"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddRevocationRequest(ctx, evident.RevocationRequest{Service: "qc", Serial: "1000", Reason: "keyCompromise", Actor: "alice"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddIssuanceStop(ctx, evident.IssuanceStop{From: time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC), Reason: "clock 1.4 s off", Actor: "alice"}); err != nil {
		t.Fatal(err)
	}
	hold, err := st.PlaceHold(ctx, evident.Hold{Evidence: ev.ID, Reason: "dispute D-7", PlacedBy: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ReleaseHold(ctx, hold.ID, "alice", "dispute settled"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PlaceHold(ctx, evident.Hold{Evidence: ev.ID, Reason: "incident INC-1", PlacedBy: "alice"}); err != nil {
		t.Fatal(err)
	}
	// A deletion record whose blob is still stored: verify accepts it
	// (the next apply deletes the blob), and its row is projected.
	if err := st.Write(ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.RecordRetentionDeletion(ctx, evident.RetentionDeletion{Digest: ev.Digest, Evidence: []string{ev.ID}, Actor: "alice", Reason: "retention ended"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	mfaHistory(t, st)
	incidentHistory(t, st)
	assessmentHistory(t, st, ev.ID)
	return f
}

// assessmentHistory records an engagement with carol as its assessor, a
// request answered and accepted, and a finding closed and accepted.
func assessmentHistory(t *testing.T, st *sqlstore.Store, evidenceID string) {
	t.Helper()
	ctx := context.Background()
	if err := st.CreateUser(ctx, evident.User{Name: "mia", Role: evident.RoleComplianceManager}, "", "alice"); err != nil {
		t.Fatal(err)
	}
	e, err := st.AddEngagement(ctx, evident.Engagement{Kind: evident.EngagementSurveillance, CAB: "CAB GmbH", Lead: "Carol", Services: []string{"qc"},
		Assessors: []string{"carol"}, From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Actor: "mia"})
	if err != nil {
		t.Fatal(err)
	}
	ref := evident.RequirementRef{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.8-14"}
	r, err := st.AddRequest(ctx, evident.Request{Engagement: e.ID, Requirement: &ref, Text: "scan reports", Due: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), RaisedBy: "carol"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RequestStep(ctx, r.ID, evident.AssessmentStep{Kind: evident.StepAnswer, Actor: "mia", Evidence: []string{evidenceID}}); err != nil {
		t.Fatal(err)
	}
	fd, err := st.AddFinding(ctx, evident.Finding{Engagement: e.ID, Ref: "NC-1", Kind: evident.FindingMajor, Requirements: []evident.RequirementRef{ref}, Text: "no scans", RaisedBy: "carol"})
	if err != nil {
		t.Fatal(err)
	}
	plan := sqlstore.FindingPlan{RootCause: "no owner", CorrectiveAction: "name one", Due: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := st.FindingStep(ctx, fd.ID, evident.AssessmentStep{Kind: evident.StepUpdate, Actor: "mia"}, plan); err != nil {
		t.Fatal(err)
	}
}

// mfaHistory enrols carol in a second factor with two recovery codes,
// spends one in a sign-in, and makes a role's rule explicit.
func mfaHistory(t *testing.T, st *sqlstore.Store) {
	t.Helper()
	ctx := context.Background()
	if err := st.BeginMFA(ctx, "carol", "JBSWY3DPEHPK3PXP"); err != nil {
		t.Fatal(err)
	}
	if err := st.ConfirmMFA(ctx, "carol", "JBSWY3DPEHPK3PXP", 7, [][]byte{[]byte("code-one"), []byte("code-two")}); err != nil {
		t.Fatal(err)
	}
	se := sqlstore.Session{IDHash: []byte("session-carol"), User: "carol", Method: "password", ExpiresAt: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		Proof: &sqlstore.MFAProof{RecoveryHash: []byte("code-two")}}
	if err := st.CreateSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	if err := st.SetMFARequired(ctx, evident.RoleAssessor, true, "alice"); err != nil {
		t.Fatal(err)
	}
	// Two passkeys, one removed again: the table holds the other.
	for _, id := range []string{"cred-one", "cred-two"} {
		if err := st.AddPasskey(ctx, sqlstore.Passkey{ID: id, User: "carol", UserHandle: "aGFuZGxl", Label: "laptop " + id,
			PublicKey: "cHVibGljIGtleQ", AAGUID: "00112233445566778899aabbccddeeff"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RemovePasskey(ctx, "carol", "cred-one", "alice"); err != nil {
		t.Fatal(err)
	}
}

// incidentHistory opens an incident and takes it through every kind of
// leaf: update, two classifications, a step, a notification, closure.
func incidentHistory(t *testing.T, st *sqlstore.Store) {
	t.Helper()
	ctx := context.Background()
	inc, err := st.OpenIncident(ctx, evident.Incident{Kind: evident.KindIncident, Title: "OCSP down", Reporter: "noc",
		AwareAt: time.Date(2026, 6, 30, 22, 0, 0, 0, time.UTC), EstimatedStartAt: time.Date(2026, 6, 30, 20, 0, 0, 0, time.UTC)}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	title := "OCSP responder down"
	if _, err := st.UpdateIncident(ctx, inc.ID, evident.IncidentUpdate{Title: &title}, "alice"); err != nil {
		t.Fatal(err)
	}
	// Naming the affected service records its qualification in the leaf;
	// a revised estimate moves the qualified clock.
	start, services := time.Date(2026, 6, 30, 19, 0, 0, 0, time.UTC), []string{"qc"}
	if _, err := st.UpdateIncident(ctx, inc.ID, evident.IncidentUpdate{Services: &services, EstimatedStartAt: &start}, "alice"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []evident.Classification{
		{Severity: "medium", Category: "availability", Impact: evident.Impact{FullOutageMinutes: 10}},
		{Severity: "high", Category: "availability", Impact: evident.Impact{FullOutageMinutes: 45}, Note: "longer"},
	} {
		if _, err := st.ClassifyIncident(ctx, inc.ID, c, "signer cert expired", "bob"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.AddIncidentStep(ctx, inc.ID, evident.Step{Kind: "containment", Note: "failover"}, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.NotifyIncident(ctx, inc.ID, evident.Notification{To: []evident.Recipient{evident.ToSupervisoryBody},
		Kind: evident.NoticeNotification}, nil, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddIncidentStep(ctx, inc.ID, evident.Step{Kind: "closure"}, "bob"); err != nil {
		t.Fatal(err)
	}
}

// columnTamper says how to change one projected column of every row of
// its table, or, for a column other rows reference, that the row-level
// cases cover it.
type columnTamper struct {
	set     string // SQL expression for SET col = ...
	covered string // why no edit: the case that covers the column
}

const ts = `'2020-01-01T00:00:00.000000Z'`

var columnTampers = map[string]map[string]columnTamper{
	"evidence": {
		"id":         {covered: "referenced by its filings; deleting the row is a case of its own"},
		"ledger_idx": {set: "ledger_idx + 100"}, "kind": {set: "'derived'"}, "digest": {set: "'00'"}, "size": {set: "size + 1"},
		"media_type": {set: "'text/html'"}, "filename": {set: "'other.txt'"}, "actor": {set: "'mallory'"},
		"received_at": {set: ts}, "effective_from": {set: ts}, "effective_to": {set: ts}, "supersedes": {set: "'other'"},
		"verdict": {set: "'pass'"}, "body": {set: "'{}'"},
	},
	"evidence_controls": {
		"control_id": {set: "'time-sync'"}, "effective_from": {set: ts},
		"evidence_id":   {covered: "references evidence; deleting the filing is a case of its own"},
		"effective_end": {set: ts}, "received_at": {set: ts},
		"effective_to": {set: ts}, "verdict": {set: "'pass'"}, "ledger_idx": {set: "ledger_idx + 100"},
	},
	"evidence_requirements": {
		"requirement": {set: "'EN319401@3.2.1:REQ-7.10-06'"}, "effective_from": {set: ts},
		"evidence_id":   {covered: "references evidence; deleting the filing is a case of its own"},
		"effective_end": {set: ts}, "received_at": {set: ts},
	},
	"users": {
		"name": {covered: "referenced by owned controls; adding a user row is a case of its own"},
		"role": {set: "'admin'"}, "period_from": {set: ts}, "period_to": {set: `'2030-01-01T00:00:00.000000Z'`},
		"disabled": {set: "1 - disabled"}, "created_at": {set: ts}, "created_by": {set: "'mallory'"},
		"oidc_subject": {set: "'https://idp.example ' || name"}, "mfa_enrolled_at": {set: ts},
	},
	"mfa_recovery_codes": {
		"user_name": {covered: "references users; a deleted code is a case of its own"},
		"n":         {set: "n + 10"}, "used_at": {set: ts},
	},
	"mfa_roles": {
		"role": {set: "'control-owner'"}, "required": {set: "1 - required"}, "updated_at": {set: ts}, "updated_by": {set: "'mallory'"},
	},
	"passkeys": {
		"id":          {set: "id || '-x'"},
		"user_name":   {covered: "references users; a passkey added is a case of its own"},
		"user_handle": {set: "'b3RoZXI'"}, "label": {set: "'mallory'"}, "public_key": {set: "'bWFsbG9yeQ'"},
		"aaguid": {set: "'ff'"}, "backup_eligible": {set: "1 - backup_eligible"}, "created_at": {set: ts},
	},
	"user_controls": {
		"user_name":  {covered: "references users; adding an owned control is a case of its own"},
		"control_id": {set: "'time-sync'"},
	},
	"changes": {
		"id":     {covered: "referenced by its tasks; deleting a task is a case of its own"},
		"system": {set: "'other'"}, "service": {set: "'other'"}, "supplier": {set: "'other'"}, "version": {set: "'9'"},
		"significant": {set: "1 - significant"}, "at": {set: ts}, "recorded_at": {set: ts}, "actor": {set: "'mallory'"},
		"body": {set: "'{}'"},
	},
	"revocation_requests": {
		"id": {set: "id || '-x'"}, "service": {set: "'other'"}, "serial": {set: "'ABC'"}, "reason": {set: "'superseded'"},
		"received_at": {set: ts}, "recorded_at": {set: ts}, "actor": {set: "'mallory'"}, "body": {set: "'{}'"},
	},
	"issuance_stops": {
		"id": {set: "id || '-x'"}, "service": {set: "'other'"}, "from_at": {set: ts}, "to_at": {set: ts},
		"recorded_at": {set: ts}, "actor": {set: "'mallory'"}, "body": {set: "'{}'"},
	},
	"legal_holds": {
		"id": {set: "id || '-x'"}, "evidence": {set: "'other'"}, "incident": {set: "'INC-9'"}, "reason": {set: "'none'"},
		"placed_at": {set: ts}, "placed_by": {set: "'mallory'"}, "released_at": {set: ts}, "released_by": {set: "'mallory'"}, "body": {set: "'{}'"},
	},
	"retention_deletions": {
		"id": {set: "id || '-x'"}, "sha256": {set: "'00'"}, "deleted_at": {set: ts}, "actor": {set: "'mallory'"}, "body": {set: "'{}'"},
	},
	"change_tasks": {
		"id":        {set: "id || '-x'"},
		"change_id": {covered: "references changes; deleting a task is a case of its own"},
		"kind":      {set: "'other'"}, "requirement": {set: "'other'"}, "title": {set: "'other'"}, "due": {set: `'2099-01-01T00:00:00.000000Z'`},
		"opened_at": {set: ts}, "opens_at": {set: ts},
	},
	"incidents": {
		"id":   {covered: "referenced by its history; deleting a notification is a case of its own"},
		"kind": {set: "'vulnerability'"}, "title": {set: "'minor glitch'"}, "reporter": {set: "'mallory'"},
		"aware_at": {set: `'2026-07-01T08:00:00.000000Z'`}, "detected_at": {set: ts}, "opened_at": {set: ts},
		"opened_by": {set: "'mallory'"}, "closed_at": {set: ts}, "severity": {set: "'low'"}, "significant": {set: "1 - significant"},
		"root_cause": {set: "'other'"}, "finding_key": {set: "'other'"}, "body": {set: "'{}'"}, "updated_at": {set: ts},
	},
	"engagements": {
		"id":   {covered: "referenced by requests and findings; an added engagement row is named like any added row"},
		"kind": {set: "'initial'"}, "period_from": {set: ts}, "period_to": {set: ts}, "recorded_at": {set: ts}, "actor": {set: "'mallory'"},
		"body": {set: "'{}'"},
	},
	"assessment_requests": {
		"id":            {set: "id || '-x'"},
		"engagement_id": {covered: "references engagements, which the database enforces"}, "due": {set: ts}, "raised_at": {set: ts}, "updated_at": {set: ts}, "body": {set: "'{}'"},
	},
	"findings": {
		"id":            {set: "id || '-x'"},
		"engagement_id": {covered: "references engagements, which the database enforces"}, "ref": {set: "'NC-9'"}, "kind": {set: "'observation'"}, "due": {set: "NULL"},
		"raised_at": {set: ts}, "updated_at": {set: ts}, "body": {set: "'{}'"},
	},
	"incident_classifications": {
		"incident_id": {covered: "references incidents; deleting a classification is a case of its own"},
		"seq":         {set: "seq + 10"}, "at": {set: ts}, "actor": {set: "'mallory'"}, "body": {set: "'{}'"}, "ledger_idx": {set: "ledger_idx + 100"},
	},
	"incident_steps": {
		"id":          {set: "id || '-x'"},
		"incident_id": {covered: "references incidents; deleting a step is a case of its own"},
		"kind":        {set: "'review'"}, "at": {set: ts}, "recorded_at": {set: ts}, "actor": {set: "'mallory'"}, "note": {set: "'other'"},
		"ledger_idx": {set: "ledger_idx + 100"},
	},
	"incident_notifications": {
		"id":          {set: "id || '-x'"},
		"incident_id": {covered: "references incidents; deleting a notification is a case of its own"},
		"kind":        {set: "'other'"}, "recipients": {set: "'[]'"}, "sent_at": {set: `'2026-07-10T00:00:00.000000Z'`},
		"recorded_at": {set: ts}, "actor": {set: "'mallory'"}, "note": {set: "'other'"}, "file": {set: "'other'"},
		"sha256": {set: "'other'"}, "size": {set: "size + 1"}, "evidence_id": {set: "'other'"}, "ledger_idx": {set: "ledger_idx + 100"},
	},
	"exceptions": {
		"id": {set: "id || '-x'"}, "control_id": {set: "'time-sync'"}, "valid_from": {set: ts}, "expires": {set: `'2099-01-01T00:00:00.000000Z'`},
		"recorded_at": {set: ts}, "actor": {set: "'mallory'"}, "body": {set: "'{}'"},
	},
}

func init() {
	// Every program section table is tampered with the same way; a
	// control's cadence lives in its body.
	for _, sec := range sqlstore.Sections {
		m := map[string]columnTamper{"id": {set: "id || '-x'"}, "body": {set: "'{}'"}, "updated_at": {set: ts}, "updated_by": {set: "'mallory'"}}
		if sec == sqlstore.Controls || sec == sqlstore.Treatments {
			m["id"] = columnTamper{covered: "referenced by its link rows; deleting a control is a case of its own"}
		}
		columnTampers[string(sec)] = m
	}
	columnTampers["control_requirements"] = map[string]columnTamper{
		"control_id":     {covered: "references controls; an added link is a case of its own"},
		"standard":       {covered: "references the catalog; an added link is a case of its own"},
		"version":        {covered: "references the catalog; an added link is a case of its own"},
		"requirement_id": {set: "'REQ-7.10-06'"},
	}
	columnTampers["program"] = map[string]columnTamper{
		"id":   {covered: "the one program row; a CHECK keeps it 1"},
		"name": {set: "'Other'"}, "standard": {set: "'other'"}, "version": {set: "'3.1.1'"}, "overlays": {set: `'["eidas-ia-2025"]'`},
		"created_at": {set: ts}, "created_by": {set: "'mallory'"}, "legal_name": {set: "'Other GmbH'"},
		"supervisory_body": {set: "'other'"}, "country": {set: "'XX'"}, "risk_scale": {set: `'{"levels":9}'`}, "risk_appetite": {set: "25"}, "next_audit": {set: "'2030-01-01T00:00:00.000000Z'"}, "anchor_every": {set: "'1h'"}, "retention": {set: "'1d'"}, "requirement_retention": {set: `'{"x":{"days":1}}'`},
		"updated_at": {set: ts}, "updated_by": {set: "'mallory'"},
	}
	columnTampers["soa"] = map[string]columnTamper{
		"standard":       {covered: "references the catalog; an added decision is a case of its own"},
		"version":        {covered: "references the catalog; an added decision is a case of its own"},
		"requirement_id": {set: "'REQ-7.10-06'"}, "applicable": {set: "1 - applicable"}, "body": {set: "'{}'"},
		"updated_at": {set: ts}, "updated_by": {set: "'mallory'"},
	}
	columnTampers["api_tokens"] = map[string]columnTamper{
		"id": {set: "id || '-x'"}, "user_name": {set: "'carol'"}, "name": {set: "'other'"}, "created_at": {set: ts}, "created_by": {set: "'mallory'"},
		"expires_at": {set: `'2099-01-01T00:00:00.000000Z'`}, "revoked_at": {set: ts},
	}
	columnTampers["period_outcomes"] = map[string]columnTamper{
		"control_id": {set: "'time-sync'"}, "period_start": {set: ts}, "period_end": {set: ts},
		"state": {set: "'satisfied'"}, "recorded_at": {set: ts}, "ledger_idx": {set: "ledger_idx + 100"},
	}
	columnTampers["treatment_risks"] = map[string]columnTamper{
		"treatment_id": {covered: "references treatments; deleting a treatment is a case of its own"},
		"risk_id":      {set: "'other'"},
	}
}

// TestTamperedProjectionsAreNamed edits every column of every projected
// table, deletes and adds rows, and checks that verify names the table,
// the column and the value the log implies, on SQLite and PostgreSQL.
func TestTamperedProjectionsAreNamed(t *testing.T) {
	type tc struct {
		name string
		qs   []string
		want []string
	}
	var cases []tc
	for table, cols := range sqlstore.ProjectedTables() {
		for _, col := range cols {
			ct, ok := columnTampers[table][col]
			if !ok {
				t.Errorf("projected column %s.%s has no tamper case", table, col)
				continue
			}
			if ct.set == "" {
				continue
			}
			want := []string{"edited row: " + table + " row ", " column " + col + ": the ledger implies "}
			if slices.Contains(keyColumns(table), col) {
				want = []string{"added row: " + table + " row ", "deleted record: " + table + " row "}
			}
			c := tc{name: table + "." + col, qs: []string{`UPDATE ` + table + ` SET ` + col + ` = ` + ct.set}, want: want}
			cases = append(cases, c)
		}
	}
	slices.SortFunc(cases, func(a, b tc) int { return strings.Compare(a.name, b.name) })
	cases = append(cases,
		tc{"deleted evidence", []string{`DELETE FROM evidence_controls`, `DELETE FROM evidence_requirements`, `DELETE FROM evidence`},
			[]string{"deleted record: evidence row ", "deleted record: evidence_controls row vuln-scan/", "deleted record: evidence_requirements row EN319401@3.2.1:REQ-7.8-14/"}},
		tc{"owned control added", []string{`INSERT INTO user_controls (user_name, control_id) VALUES ('bob', 'time-sync')`},
			[]string{"added row: user_controls row bob/time-sync is in no ledger leaf"}},
		tc{"user added", []string{`INSERT INTO users (name, role, disabled, created_at, created_by, updated_at) VALUES ('mallory', 'admin', 0, ` + ts + `, 'mallory', ` + ts + `)`},
			[]string{"added row: users row mallory is in no ledger leaf"}},
		tc{"change task deleted", []string{`DELETE FROM change_tasks`}, []string{"deleted record: change_tasks row "}},
		tc{"exception deleted", []string{`DELETE FROM exceptions`}, []string{"deleted record: exceptions row "}},
		tc{"notification deleted", []string{`DELETE FROM incident_notifications`}, []string{"deleted record: incident_notifications row "}},
		tc{"classification deleted", []string{`DELETE FROM incident_classifications WHERE seq = 2`}, []string{"deleted record: incident_classifications row "}},
		tc{"step deleted", []string{`DELETE FROM incident_steps`}, []string{"deleted record: incident_steps row "}},
		tc{"control cadence changed", []string{`UPDATE controls SET body = REPLACE(body, '"id":"vuln-scan"', '"id":"vuln-scan","cadence":"annual"') WHERE id = 'vuln-scan'`},
			[]string{`edited row: controls row vuln-scan (leaf 0) column body: the ledger implies "sha256:`}},
		tc{"control deleted", []string{`DELETE FROM control_requirements WHERE control_id = 'time-sync'`, `DELETE FROM controls WHERE id = 'time-sync'`},
			[]string{"deleted record: controls row time-sync (leaf 0)", "deleted record: control_requirements row time-sync/EN319401/3.2.1/REQ-7.8-14"}},
		tc{"link added", []string{`INSERT INTO control_requirements (control_id, standard, version, requirement_id) VALUES ('vuln-scan', 'EN319401', '3.2.1', 'REQ-7.10-06')`},
			[]string{"added row: control_requirements row vuln-scan/EN319401/3.2.1/REQ-7.10-06"}},
		tc{"missed window erased", []string{`DELETE FROM period_outcomes`}, []string{"deleted record: period_outcomes row vuln-scan/2026-04-01T00:00:00.000000Z"}},
		tc{"revocation undone", []string{`UPDATE api_tokens SET revoked_at = NULL`},
			[]string{"edited row: api_tokens row ", ` column revoked_at: the ledger implies "2026-`, `the database holds NULL`}},
		tc{"applicability added", []string{`INSERT INTO soa (standard, version, requirement_id, applicable, body, updated_at, updated_by) VALUES ('EN319401', '3.2.1', 'REQ-7.8-14', 0, '{}', ` + ts + `, 'mallory')`},
			[]string{"added row: soa row EN319401/3.2.1/REQ-7.8-14 is in no ledger leaf"}},
		tc{"second factor dropped", []string{`UPDATE users SET mfa_enrolled_at = NULL`},
			[]string{"edited row: users row carol ", " column mfa_enrolled_at: the ledger implies \"2026-", "the database holds NULL"}},
		tc{"spent recovery code restored", []string{`UPDATE mfa_recovery_codes SET used_at = NULL`},
			[]string{"edited row: mfa_recovery_codes row carol/2 ", " column used_at: the ledger implies \"2026-"}},
		tc{"recovery code added", []string{`INSERT INTO mfa_recovery_codes (user_name, n, code_hash) VALUES ('carol', 3, 'x')`},
			[]string{"added row: mfa_recovery_codes row carol/3 is in no ledger leaf"}},
		tc{"passkey added", []string{`INSERT INTO passkeys (id, user_name, user_handle, label, public_key, created_at) VALUES ('cred-evil', 'carol', 'aGFuZGxl', 'x', 'a2V5', ` + ts + `)`},
			[]string{"added row: passkeys row cred-evil is in no ledger leaf"}},
		tc{"passkey removal undone", []string{`INSERT INTO passkeys (id, user_name, user_handle, label, public_key, created_at) VALUES ('cred-one', 'carol', 'aGFuZGxl', 'laptop cred-one', 'cHVibGljIGtleQ', ` + ts + `)`},
			[]string{"added row: passkeys row cred-one is in no ledger leaf"}},
		tc{"legal hold deleted", []string{`DELETE FROM legal_holds`}, []string{"deleted record: legal_holds row "}},
		tc{"hold release undone", []string{`UPDATE legal_holds SET released_at = '', released_by = ''`},
			[]string{"edited row: legal_holds row ", " column released_at: the ledger implies \"2026-"}},
		tc{"retention deletion erased", []string{`DELETE FROM retention_deletions`}, []string{"deleted record: retention_deletions row "}},
		tc{"treatment deleted", []string{`DELETE FROM treatment_risks`, `DELETE FROM treatments`}, []string{"deleted record: treatments row t1", "deleted record: treatment_risks row t1"}},
	)
	storetest.Each(t, clock(), func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		f := projectedFixture(t, st)
		if r, err := f.l.Verify(ctx, nil); err != nil || !r.OK() {
			t.Fatalf("verify before tampering: %v %v", err, r.Problems)
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				// Each case tampers and verifies in one transaction that
				// is then rolled back, so the next starts from the
				// untouched store.
				var r Report
				qs := c.qs
				err := st.Write(ctx, func(tx *sqlstore.Tx) error {
					for _, q := range qs {
						if _, err := tx.Exec(ctx, q); err != nil {
							return err
						}
					}
					var err error
					if r, err = f.l.verifyIn(ctx, tx, nil); err != nil {
						return err
					}
					return errRollback
				})
				if err != errRollback {
					t.Fatal(err)
				}
				checkProblems(t, r, nil, c.want)
			})
		}
	})
}

var errRollback = errors.New("rolled back on purpose")

func keyColumns(table string) []string {
	switch table {
	case "evidence", "changes", "change_tasks", "revocation_requests", "issuance_stops", "legal_holds", "retention_deletions", "exceptions", "incidents", "api_tokens", "passkeys", "incident_steps", "incident_notifications",
		"services", "systems", "zones", "suppliers", "roles", "people", "risks", "treatments", "acceptances", "controls", "policies",
		"engagements", "assessment_requests", "findings":
		return []string{"id"}
	case "control_requirements":
		return []string{"control_id", "standard", "version", "requirement_id"}
	case "period_outcomes":
		return []string{"control_id", "period_start"}
	case "soa":
		return []string{"standard", "version", "requirement_id"}
	case "program":
		return []string{"id"}
	case "treatment_risks":
		return []string{"treatment_id"}
	case "users":
		return []string{"name"}
	case "incident_classifications":
		return []string{"incident_id", "seq"}
	case "user_controls":
		return []string{"user_name", "control_id"}
	case "mfa_recovery_codes":
		return []string{"user_name", "n"}
	case "mfa_roles":
		return []string{"role"}
	case "evidence_controls":
		return []string{"control_id", "effective_from", "evidence_id"}
	case "evidence_requirements":
		return []string{"requirement", "effective_from", "evidence_id"}
	}
	return nil
}

// TestRekeyedStoreFailsWithThePinnedKey checks every checkpoint with a
// key other than the one that signed them, as verify does when the
// pinned key and the store's disagree.
func TestRekeyedStoreFailsWithThePinnedKey(t *testing.T) {
	storetest.Each(t, clock(), func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		if _, err := f.l.AddBatch(ctx, items(2, "scan")); err != nil {
			t.Fatal(err)
		}
		_, other, err := note.GenerateKey(nil, "evident.ledger/test")
		if err != nil {
			t.Fatal(err)
		}
		v, err := note.NewVerifier(other)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Open(st, f.blobs, nil, v).Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkProblems(t, r, nil, []string{"bad signature: checkpoint at size 3: checkpoint signature does not verify with key evident.ledger/test"})
	})
}

// TestVersionOneUserLeavesStillVerify writes a user the way earlier
// versions did, with a user.add leaf that does not carry the linked
// identity: verify cannot re-derive oidc_subject for it and does not
// blame the row, while every column the leaf does carry is still checked.
func TestVersionOneUserLeavesStillVerify(t *testing.T) {
	storetest.Each(t, clock(), func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		err := st.Write(ctx, func(tx *sqlstore.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO users (name, role, oidc_subject, disabled, created_at, created_by, updated_at) VALUES ('dave', 'assessor', 'https://idp.example dave', 0, ?, 'alice', ?)`,
				sqlstore.TS(tx.Now), sqlstore.TS(tx.Now)); err != nil {
				return err
			}
			_, err := tx.Audit(ctx, "user.add", "dave", "alice", map[string]string{"name": "dave", "role": "assessor"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if r, err := f.l.Verify(ctx, nil); err != nil || !r.OK() {
			t.Fatalf("verify of a version 1 user leaf: %v %v", err, r.Problems)
		}
		tamper(t, st, `UPDATE users SET role = 'admin' WHERE name = 'dave'`)
		r, err := f.l.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkProblems(t, r, nil, []string{`users row dave (leaf 1) column role: the ledger implies "assessor", the database holds "admin"`})
	})
}
