package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/evidenthq/evident"
)

// InsertEvidence stores evidence records and appends them to the ledger in
// tx, in order, setting each LedgerIndex. It checks what only the store
// can see: that the controls exist in the program, the requirements in the
// catalog, and that superseded, source and competence records exist. The
// caller (internal/ledger) has already stored the blobs durably.
func (tx *Tx) InsertEvidence(ctx context.Context, evs []evident.Evidence) error {
	recs := make([]evident.Record, len(evs))
	// batch holds the ids of records earlier in this call (which later
	// ones may supersede or derive from) and the controls and
	// requirements already found, keyed apart by a NUL-separated prefix.
	batch := map[string]bool{}
	for i := range evs {
		e := &evs[i]
		// The server, not the uploader, says when evidence arrived; the
		// store keeps microseconds, so the leaf carries exactly that.
		e.ReceivedAt = tx.Now.UTC().Truncate(time.Microsecond)
		if e.ID == "" {
			e.ID = evident.NewID(e.ReceivedAt)
		}
		if e.Effective.From.IsZero() {
			e.Effective.From = e.ReceivedAt
		}
		if err := e.Validate(); err != nil {
			return err
		}
		if err := tx.checkEvidenceRefs(ctx, *e, batch); err != nil {
			return err
		}
		batch[e.ID] = true
		rec, err := e.Record()
		if err != nil {
			return err
		}
		recs[i] = rec
	}
	idx, err := tx.AppendRecords(ctx, recs)
	if err != nil {
		return err
	}
	rows := newInserter(tx, `INSERT INTO evidence (id, ledger_idx, kind, digest, size, media_type, filename, actor, received_at, effective_from, effective_to, supersedes, verdict, body) VALUES `, 14)
	ctl := newInserter(tx, `INSERT INTO evidence_controls (control_id, effective_from, effective_end, evidence_id, received_at, effective_to, verdict, ledger_idx) VALUES `, 8)
	req := newInserter(tx, `INSERT INTO evidence_requirements (requirement, effective_from, effective_end, evidence_id, received_at) VALUES `, 5)
	for i := range evs {
		e := &evs[i]
		e.LedgerIndex = idx[i]
		// An instant is stored as the period [t, t+1µs) so that every
		// overlap test is the same half-open one: from < T AND end > F.
		endT := e.Effective.To
		if e.Effective.IsInstant() {
			endT = e.Effective.From.Add(time.Microsecond)
		}
		from, end, at := TS(e.Effective.From), TS(endT), TS(e.ReceivedAt)
		err := rows.add(ctx, e.ID, e.LedgerIndex, string(e.Kind), e.Digest.String(), e.Size, e.MediaType, e.Filename,
			e.Actor, at, from, NullTS(e.Effective.To), optText(e.Supersedes), optText(string(e.Verdict)), string(recs[i].Body))
		if err != nil {
			return fmt.Errorf("evidence %s: %w", e.ID, err)
		}
		for _, c := range uniqueIDs(e.Controls) {
			if err := ctl.add(ctx, c, from, end, e.ID, at, NullTS(e.Effective.To), optText(string(e.Verdict)), e.LedgerIndex); err != nil {
				return err
			}
		}
		var refs []string
		for _, r := range e.Requirements {
			refs = append(refs, r.String())
		}
		for _, r := range uniqueIDs(refs) {
			if err := req.add(ctx, r, from, end, e.ID, at); err != nil {
				return err
			}
		}
	}
	for _, in := range []*inserter{rows, ctl, req} {
		if err := in.flush(ctx); err != nil {
			if IsUniqueViolation(err) {
				return evident.Errorf(evident.ECONFLICT, "evidence id already stored: %v", err)
			}
			return fmt.Errorf("store evidence: %w", err)
		}
	}
	return tx.cutForEvidence(ctx, evs)
}

// cutForEvidence cuts back the window facts of the controls evs speak
// for, and of those the records they supersede spoke for, to the windows
// that end by the earliest effective time concerned, in the transaction
// that stores them.
func (tx *Tx) cutForEvidence(ctx context.Context, evs []evident.Evidence) error {
	earliest := map[string]time.Time{}
	at := func(c string, t time.Time) {
		if e, ok := earliest[c]; !ok || t.Before(e) {
			earliest[c] = t
		}
	}
	for _, e := range evs {
		for _, c := range e.Controls {
			at(c, e.Effective.From)
		}
		if e.Supersedes != "" {
			if err := tx.evidenceControls(ctx, e.Supersedes, at); err != nil {
				return err
			}
		}
	}
	return tx.cutWindowFacts(ctx, earliest)
}

// evidenceControls calls fn with each control record id speaks for and
// the record's effective time.
func (tx *Tx) evidenceControls(ctx context.Context, id string, fn func(control string, from time.Time)) error {
	rows, err := tx.Query(ctx, `SELECT control_id, effective_from FROM evidence_controls WHERE evidence_id = ?`, id)
	if err != nil {
		return fmt.Errorf("read the controls of evidence %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var c, from string
		if err := rows.Scan(&c, &from); err != nil {
			return err
		}
		t, err := ParseTS(from)
		if err != nil {
			return err
		}
		fn(c, t)
	}
	return rows.Err()
}

// checkEvidenceRefs refuses references to objects that do not exist, naming
// the field, so a typo in a control id is an error and not orphan evidence.
func (tx *Tx) checkEvidenceRefs(ctx context.Context, e evident.Evidence, batch map[string]bool) error {
	for i, c := range e.Controls {
		if batch["control\x00"+c] {
			continue // a batch usually names one control thousands of times
		}
		ok, err := tx.exists(ctx, `SELECT 1 FROM controls WHERE id = ?`, c)
		if err != nil {
			return fmt.Errorf("look up control %q: %w", c, err)
		}
		if !ok {
			return evident.ErrorAt(evident.ENOTFOUND, fmt.Sprintf("evidence.controls[%d]", i), "no control %q in the program", c)
		}
		batch["control\x00"+c] = true
	}
	for i, r := range e.Requirements {
		if batch["req\x00"+r.String()] {
			continue
		}
		ok, err := tx.exists(ctx, `SELECT 1 FROM catalog_requirements WHERE standard = ? AND version = ? AND id = ?`, string(r.Standard), r.Version, string(r.ID))
		if err != nil {
			return err
		}
		if !ok {
			return evident.ErrorAt(evident.ENOTFOUND, fmt.Sprintf("evidence.requirements[%d]", i), "no requirement %s in the catalog", r)
		}
		batch["req\x00"+r.String()] = true
	}
	refs := map[string][]string{"supersedes": nil, "derived_from": e.DerivedFrom}
	if e.Supersedes != "" {
		refs["supersedes"] = []string{e.Supersedes}
	}
	if e.Performer != nil && e.Performer.Competence != "" {
		refs["performer.competence"] = []string{e.Performer.Competence}
	}
	for field, ids := range refs {
		for _, id := range ids {
			if batch[id] {
				continue
			}
			ok, err := tx.exists(ctx, `SELECT 1 FROM evidence WHERE id = ?`, id)
			if err != nil {
				return err
			}
			if !ok {
				return evident.ErrorAt(evident.ENOTFOUND, "evidence."+field, "no evidence record %q", id)
			}
		}
	}
	return tx.checkSubmission(ctx, e)
}

func (tx *Tx) exists(ctx context.Context, q string, args ...any) (bool, error) {
	var one int
	err := tx.QueryRow(ctx, q, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// EvidenceFilter selects evidence records. Zero fields do not filter.
type EvidenceFilter struct {
	Control     string
	Requirement string    // a full reference, EN319401@3.2.1:REQ-7.8-14
	From, To    time.Time // effective time overlaps [From, To); an instant overlaps if From <= t < To
	Since       time.Time // received at or after
	Before      time.Time // received before (status "as of" a past instant)
	AfterIndex  int64     // ledger index greater than this (paging); -1 or 0 from the start
	BeforeIndex int64     // ledger index less than this (paging newest first); 0: no bound
	Newest      bool      // newest first (descending ledger index), for lists people read
	Limit       int       // 0: no limit
	// Kind (raw, derived), Verdict (pass, fail, or "none" for records
	// without one) and Actor select records by those columns exactly.
	Kind, Verdict, Actor string
}

// ListEvidence returns matching records in ledger order.
func (s *Store) ListEvidence(ctx context.Context, f EvidenceFilter) ([]evident.Evidence, error) {
	var out []evident.Evidence
	err := s.Read(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.ListEvidence(ctx, f)
		return err
	})
	return out, err
}

// ListEvidence is Store.ListEvidence inside a transaction.
func (tx *Tx) ListEvidence(ctx context.Context, f EvidenceFilter) ([]evident.Evidence, error) {
	q, args := evidenceQuery(ctx, f)
	return tx.scanEvidence(ctx, q, args...)
}

// StoredEvidence is an evidence record as stored, before its body is
// decoded: a list that keeps each record's JSON once written (records
// never change) decodes only the records it has not seen.
type StoredEvidence struct {
	LedgerIndex int64
	ID          string
	actor, at   string
	body        string
}

// Decode reads the record exactly as its leaf reads.
func (r StoredEvidence) Decode() (evident.Evidence, error) {
	t, err := ParseTS(r.at)
	if err != nil {
		return evident.Evidence{}, err
	}
	e, err := evident.EvidenceFromRecord(evident.Record{Kind: evident.EvidenceRecordKind, ID: r.ID, Actor: r.actor, At: t, Body: json.RawMessage(r.body)})
	if err != nil {
		return e, err
	}
	e.LedgerIndex = r.LedgerIndex
	return e, nil
}

// ListEvidenceRows is ListEvidence without decoding the records.
func (s *Store) ListEvidenceRows(ctx context.Context, f EvidenceFilter) ([]StoredEvidence, error) {
	var out []StoredEvidence
	err := s.Read(ctx, func(tx *Tx) error {
		q, args := evidenceQuery(ctx, f)
		q = strings.Replace(q, `SELECT e.ledger_idx, e.actor, e.received_at, e.body FROM`, `SELECT e.ledger_idx, e.actor, e.received_at, e.body, e.id FROM`, 1)
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("read evidence: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r StoredEvidence
			if err := rows.Scan(&r.LedgerIndex, &r.actor, &r.at, &r.body, &r.ID); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

// evidenceQuery is the statement ListEvidence runs for f, narrowed to the
// reader's grant.
func evidenceQuery(ctx context.Context, f EvidenceFilter) (string, []any) {
	if g, ok := GrantOf(ctx); ok {
		f.From, f.To = g.Clamp(f.From, f.To)
	}
	q := `SELECT e.ledger_idx, e.actor, e.received_at, e.body FROM evidence e`
	var where []string
	var args []any
	span := func(table string) {
		if !f.To.IsZero() {
			where = append(where, table+".effective_from < ?")
			args = append(args, TS(f.To))
		}
		if !f.From.IsZero() {
			// Half-open: a period ending exactly at From does not
			// overlap; an instant (stored with its end equal to its
			// start) does when it is at or after From.
			where = append(where, "("+table+".effective_end > ? OR "+table+".effective_from >= ?)")
			args = append(args, TS(f.From), TS(f.From))
		}
	}
	switch {
	case f.Control != "":
		q += ` JOIN evidence_controls c ON c.evidence_id = e.id`
		where = append(where, "c.control_id = ?")
		args = append(args, f.Control)
		span("c")
		if f.Requirement != "" {
			where = append(where, "e.id IN (SELECT evidence_id FROM evidence_requirements WHERE requirement = ?)")
			args = append(args, f.Requirement)
		}
	case f.Requirement != "":
		q += ` JOIN evidence_requirements r ON r.evidence_id = e.id`
		where = append(where, "r.requirement = ?")
		args = append(args, f.Requirement)
		span("r")
	default:
		if !f.To.IsZero() {
			where = append(where, "e.effective_from < ?")
			args = append(args, TS(f.To))
		}
		if !f.From.IsZero() {
			where = append(where, "(e.effective_to > ? OR (e.effective_to IS NULL AND e.effective_from >= ?))")
			args = append(args, TS(f.From), TS(f.From))
		}
	}
	if f.Kind != "" {
		where = append(where, "e.kind = ?")
		args = append(args, f.Kind)
	}
	switch f.Verdict {
	case "":
	case "none":
		where = append(where, "e.verdict IS NULL")
	default:
		where = append(where, "e.verdict = ?")
		args = append(args, f.Verdict)
	}
	if f.Actor != "" {
		where = append(where, "e.actor = ?")
		args = append(args, f.Actor)
	}
	if !f.Since.IsZero() {
		where = append(where, "e.received_at >= ?")
		args = append(args, TS(f.Since))
	}
	if !f.Before.IsZero() {
		where = append(where, "e.received_at < ?")
		args = append(args, TS(f.Before))
	}
	if f.AfterIndex > 0 {
		where = append(where, "e.ledger_idx > ?")
		args = append(args, f.AfterIndex)
	}
	if f.BeforeIndex > 0 {
		where = append(where, "e.ledger_idx < ?")
		args = append(args, f.BeforeIndex)
	}
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY e.ledger_idx"
	if f.Newest {
		q += " DESC"
	}
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return q, args
}

// Evidence returns one record by id, or ENOTFOUND.
func (s *Store) Evidence(ctx context.Context, id string) (evident.Evidence, error) {
	var e evident.Evidence
	err := s.Read(ctx, func(tx *Tx) error {
		var err error
		e, err = tx.Evidence(ctx, id)
		return err
	})
	return e, err
}

// Evidence is Store.Evidence inside a transaction.
func (tx *Tx) Evidence(ctx context.Context, id string) (evident.Evidence, error) {
	es, err := tx.scanEvidence(ctx, `SELECT ledger_idx, actor, received_at, body FROM evidence WHERE id = ?`, id)
	if err != nil {
		return evident.Evidence{}, err
	}
	if len(es) == 0 {
		return evident.Evidence{}, evident.Errorf(evident.ENOTFOUND, "no evidence record %q", id)
	}
	if g, ok := GrantOf(ctx); ok && !g.Overlaps(es[0].Effective.From, es[0].Effective.End()) {
		// Outside the reader's grant a record is not there at all, so
		// its id confirms nothing.
		return evident.Evidence{}, evident.Errorf(evident.ENOTFOUND, "no evidence record %q", id)
	}
	return es[0], nil
}

// LatestEvidence returns, for each control that has evidence received
// before asOf (zero: now), the record with the latest effective time. A
// superseded record still counts until its correction arrives; readiness
// decides what a correction means. One indexed top-1 query per control
// keeps this fast at a million records, where a grouped scan is not.
func (s *Store) LatestEvidence(ctx context.Context, asOf time.Time) (map[string]evident.Evidence, error) {
	out := map[string]evident.Evidence{}
	err := s.Read(ctx, func(tx *Tx) error {
		before := "9999"
		if !asOf.IsZero() {
			before = TS(asOf)
		}
		var controls []string
		rows, err := tx.Query(ctx, `SELECT id FROM controls ORDER BY id`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			controls = append(controls, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, c := range controls {
			es, err := tx.scanEvidence(ctx, `SELECT e.ledger_idx, e.actor, e.received_at, e.body
				FROM evidence_controls c JOIN evidence e ON e.id = c.evidence_id
				WHERE c.control_id = ? AND c.received_at < ?
				ORDER BY c.effective_from DESC, e.ledger_idx DESC LIMIT 1`, c, before)
			if err != nil {
				return err
			}
			if len(es) == 1 {
				out[c] = es[0]
			}
		}
		return nil
	})
	return out, err
}

func (tx *Tx) scanEvidence(ctx context.Context, q string, args ...any) ([]evident.Evidence, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read evidence: %w", err)
	}
	defer rows.Close()
	var out []evident.Evidence
	for rows.Next() {
		e, err := scanEvidenceRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// scanEvidenceRow reads (ledger_idx, actor, received_at, body).
// The body is the leaf body, so a row decodes exactly as its leaf does.
func scanEvidenceRow(rows *sql.Rows) (evident.Evidence, error) {
	var idx int64
	var actor, at, body string
	if err := rows.Scan(&idx, &actor, &at, &body); err != nil {
		return evident.Evidence{}, err
	}
	t, err := ParseTS(at)
	if err != nil {
		return evident.Evidence{}, err
	}
	var probe struct {
		ID string `json:"id"`
	}
	json.Unmarshal([]byte(body), &probe)
	e, err := evident.EvidenceFromRecord(evident.Record{Kind: evident.EvidenceRecordKind, ID: probe.ID, Actor: actor, At: t, Body: json.RawMessage(body)})
	if err != nil {
		return e, err
	}
	e.LedgerIndex = idx
	return e, nil
}

// EvidenceRow is an evidence table row as stored, for verify to compare
// with the ledger leaf it claims to be.
type EvidenceRow struct {
	ID          string
	LedgerIndex int64
	Digest      string
	Size        int64
	Actor       string
	ReceivedAt  string
	Body        string
}

// EvidenceRows calls fn for every evidence row in ledger order.
func (tx *Tx) EvidenceRows(ctx context.Context, fn func(EvidenceRow) error) error {
	rows, err := tx.Query(ctx, `SELECT id, ledger_idx, digest, size, actor, received_at, body FROM evidence ORDER BY ledger_idx`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r EvidenceRow
		if err := rows.Scan(&r.ID, &r.LedgerIndex, &r.Digest, &r.Size, &r.Actor, &r.ReceivedAt, &r.Body); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

func optText(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func uniqueIDs(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// EvidenceNames names records for lists that would otherwise show bare
// ids: each id's file name and the day it was received, as
// "scan.xml, 2026-07-01". Unknown ids are left out.
func (s *Store) EvidenceNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	err := s.Read(ctx, func(tx *Tx) error {
		for len(ids) > 0 {
			n := min(len(ids), 500) // well under either dialect's bound on parameters
			args := make([]any, n)
			for i, id := range ids[:n] {
				args[i] = id
			}
			rows, err := tx.Query(ctx, `SELECT id, filename, received_at FROM evidence WHERE id IN (?`+strings.Repeat(", ?", n-1)+`)`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id, name, at string
				if err := rows.Scan(&id, &name, &at); err != nil {
					rows.Close()
					return err
				}
				if name == "" {
					name = "record"
				}
				if t, err := ParseTS(at); err == nil {
					name += ", " + t.Format("2006-01-02")
				}
				out[id] = name
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			ids = ids[n:]
		}
		return nil
	})
	return out, err
}
