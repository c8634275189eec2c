package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/evidenthq/evident"
)

// ImportRun is one tool output imported for a control: the raw evidence
// record of the file, the derived record holding the verdict, and what the
// next import of the same control and target is compared with. Findings is
// the importer's JSON list of findings, kept as given so the store does not
// depend on any importer's types.
type ImportRun struct {
	ID          string             `json:"id"`
	Control     string             `json:"control"`
	Target      string             `json:"target"`
	Format      string             `json:"format"`
	Tool        string             `json:"tool"`
	ToolVersion string             `json:"tool_version,omitempty"`
	RawID       string             `json:"raw_id"`
	VerdictID   string             `json:"verdict_id"`
	Pass        bool               `json:"pass"`
	Defaulted   bool               `json:"defaulted,omitempty"`
	Metrics     map[string]float64 `json:"metrics"`
	Findings    json.RawMessage    `json:"findings"`
	Appeared    []string           `json:"appeared"`
	Gone        []string           `json:"gone"`
	PreviousID  string             `json:"previous_id,omitempty"`
	EffectiveAt time.Time          `json:"effective_at"`
	ReceivedAt  time.Time          `json:"received_at"`
	Actor       string             `json:"actor"`
}

const importRunCols = `id, control_id, target, format, tool, tool_version, raw_id, verdict_id, pass, defaulted,
	metrics, findings, appeared, gone, previous_id, effective_at, received_at, actor`

// InsertImportRun stores run in tx, which must also hold its two evidence
// records: the run and its evidence are one all-or-nothing write. The
// receipt time is the transaction's, like the evidence's.
func (tx *Tx) InsertImportRun(ctx context.Context, run *ImportRun) error {
	if err := run.check(); err != nil {
		return err
	}
	if len(run.Findings) > 0 && !json.Valid(run.Findings) {
		return evident.ErrorAt(evident.EINVALID, "import.findings", "not valid JSON")
	}
	return tx.InsertImportRunFrom(ctx, run, bytes.NewReader(run.Findings))
}

// InsertImportRunFrom is InsertImportRun with the run's findings read
// from findings in place of run.Findings, which is neither read nor set,
// and stored a part at a time as they are read: a large scan's list is
// then never held whole. The caller vouches that findings is a JSON list
// (an importer's encoding of its findings); it is not checked, since that
// would take a pass of its own over every byte. Nothing read is empty,
// stored as "[]". An error reading findings fails the write, and the
// caller's transaction stores none of it.
func (tx *Tx) InsertImportRunFrom(ctx context.Context, run *ImportRun, findings io.Reader) error {
	if err := run.check(); err != nil {
		return err
	}
	run.ReceivedAt = tx.Now.UTC().Truncate(time.Microsecond)
	if run.ID == "" {
		run.ID = evident.NewID(run.ReceivedAt)
	}
	if run.EffectiveAt.IsZero() {
		run.EffectiveAt = run.ReceivedAt
	}
	metrics, err := json.Marshal(orEmpty(run.Metrics))
	if err != nil {
		return fmt.Errorf("import run metrics: %w", err)
	}
	run.Appeared, run.Gone = nonNil(run.Appeared), nonNil(run.Gone)
	// Bound without a copy, as partText explains: nothing writes them.
	appeared, gone := marshalStrings(run.Appeared), marshalStrings(run.Gone)
	pr := partReader{r: findings}
	part, err := pr.next()
	if err != nil {
		return fmt.Errorf("import run findings: %w", err)
	}
	if part == nil {
		part = []byte("[]")
	}
	// The row names how many parts follow, which is known before the
	// parts are written only when the first is the last; else it is set
	// once they are (the row must come first: the parts refer to it).
	parts := 0
	if pr.eof && pr.cut == len(pr.buf) {
		parts = 1
	}
	// The verdict's leaf index is copied from its evidence row, written
	// earlier in this transaction, so PreviousImport finds the newest run
	// through an index.
	_, err = tx.Exec(ctx, `INSERT INTO import_runs (`+importRunCols+`, findings_parts, verdict_idx)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT ledger_idx FROM evidence WHERE id = ?))`,
		run.ID, run.Control, run.Target, run.Format, run.Tool, run.ToolVersion, run.RawID, run.VerdictID,
		boolInt(run.Pass), boolInt(run.Defaulted), string(metrics), "", partText(appeared), partText(gone),
		optText(run.PreviousID), TS(run.EffectiveAt), TS(run.ReceivedAt), run.Actor, parts, run.VerdictID)
	if err != nil {
		return fmt.Errorf("store import run: %w", err)
	}
	n := 0
	for ; part != nil; n++ {
		if _, err := tx.Exec(ctx, `INSERT INTO import_findings (run_id, seq, part) VALUES (?, ?, ?)`, run.ID, n, partText(part)); err != nil {
			return fmt.Errorf("store import run %s findings part %d: %w", run.ID, n, err)
		}
		if part, err = pr.next(); err != nil {
			return fmt.Errorf("import run %s findings: %w", run.ID, err)
		}
	}
	if n != parts {
		if _, err := tx.Exec(ctx, `UPDATE import_runs SET findings_parts = ? WHERE id = ?`, n, run.ID); err != nil {
			return fmt.Errorf("store import run %s: %w", run.ID, err)
		}
	}
	return nil
}

// check refuses a run that names too little to be stored.
func (run *ImportRun) check() error {
	switch {
	case run.Control == "":
		return evident.ErrorAt(evident.EINVALID, "import.control", "missing")
	case run.Format == "" || run.Tool == "":
		return evident.ErrorAt(evident.EINVALID, "import.format", "missing format or tool")
	case run.RawID == "" || run.VerdictID == "":
		return evident.ErrorAt(evident.EINVALID, "import.evidence", "an import run names its raw and verdict evidence")
	}
	return nil
}

// partText is a part as the TEXT value bound for it, without copying it
// into a string of its own: that copy was a mebibyte of garbage a part,
// 16 MB for the bench's scan, and the Go heap grew by about as much (13
// MiB of the import's peak). The string lives only for the Exec it is
// bound in: both drivers copy a bound value (modernc into SQLite's
// memory, pgx into its message) before Exec returns, and the bytes
// under it change only after that, when the next part is read into the
// buffer. TestImportFindingsFromReader and TestImportFindingsInParts read
// every part back, on both dialects; a driver that kept the string would
// fail them.
func partText(part []byte) string {
	return unsafe.String(unsafe.SliceData(part), len(part))
}

// findingPart is the size a run's findings are stored in parts of: a
// large scan's list bound as one value is copied whole by the driver and
// again by the database while it builds the row; a mebibyte at a time,
// the copies are a mebibyte.
const findingPart = 1 << 20

// partReader cuts findings, JSON text read from r, into parts of at most
// findingPart bytes, each ending on a character boundary: a part is a
// TEXT value of its own, which PostgreSQL refuses unless it is valid
// UTF-8. Where a part ends depends only on the bytes, never on how r
// returns them, so a list read in pieces is stored in the same parts as
// the same list read whole.
type partReader struct {
	r   io.Reader
	buf []byte // up to findingPart+1 bytes: a part and the byte after it
	cut int    // where the last part returned ended in buf
	eof bool
}

// next returns the next part, valid until the next call, or nil after
// the last.
func (p *partReader) next() ([]byte, error) {
	p.buf = p.buf[:copy(p.buf[:cap(p.buf)], p.buf[p.cut:])]
	p.cut = 0
	for !p.eof && len(p.buf) <= findingPart {
		if len(p.buf) == cap(p.buf) {
			// Grown as it fills, so the findings of a small run (most
			// runs) take a small buffer.
			p.buf = slices.Grow(p.buf, min(max(2*cap(p.buf), 4<<10), findingPart+1)-len(p.buf))
			p.buf = p.buf[:len(p.buf):min(cap(p.buf), findingPart+1)]
		}
		n, err := io.ReadFull(p.r, p.buf[len(p.buf):cap(p.buf)])
		p.buf = p.buf[:len(p.buf)+n]
		switch err {
		case nil:
		case io.EOF, io.ErrUnexpectedEOF:
			p.eof = true
		default:
			return nil, err
		}
	}
	if len(p.buf) == 0 {
		return nil, nil
	}
	n := min(len(p.buf), findingPart)
	// Back off from the middle of a multi-byte character: its
	// continuation bytes are 10xxxxxx, and the byte after a part is in
	// buf to tell. A character is at most four bytes, so in valid UTF-8
	// this moves at most three; text that is nothing but continuation
	// bytes is cut where it is, rather than into an empty part.
	for n < len(p.buf) && n > 0 && p.buf[n]&0xC0 == 0x80 {
		n--
	}
	if n == 0 {
		n = min(len(p.buf), findingPart)
	}
	p.cut = n
	return p.buf[:n], nil
}

// PreviousImport returns the newest import run of control and target, the
// baseline a new import is compared with, or ENOTFOUND when there is none.
// Two imports of the same check must not both compare with one baseline:
// SQLite's single writer already orders them, and on PostgreSQL the read
// first takes the ledger's append lock, which the import's evidence needs
// anyway, so the second import reads the first one's committed run.
func (tx *Tx) PreviousImport(ctx context.Context, control, target string) (ImportRun, error) {
	run, _, err := tx.previousImport(ctx, allFindings, control, target)
	return run, err
}

// PreviousImportStream is PreviousImport leaving the run's findings where
// they are stored: Findings is nil, and each call of open reads them from
// their start, a part at a time as they are read, in ctx and tx. A
// compare that walks them as they come holds a part (a mebibyte), not a
// scan's tens of megabytes. The readers must be done with before tx is.
// The run's Appeared and Gone are not read either (nil): a baseline is
// compared by its findings, and a first scan's Appeared lists every one
// of their keys again, a megabyte of JSON decoded into tens of thousands
// of strings that no compare looks at.
func (tx *Tx) PreviousImportStream(ctx context.Context, control, target string) (run ImportRun, open func() io.Reader, err error) {
	run, parts, err := tx.previousImport(ctx, baselineFindings, control, target)
	if err != nil {
		return ImportRun{}, nil, err
	}
	inRow := run.Findings // a run stored before the parts: all of them
	run.Findings = nil
	open = func() io.Reader {
		if parts == 0 {
			return bytes.NewReader(inRow)
		}
		return &partsReader{ctx: ctx, tx: tx, run: run.ID, parts: parts}
	}
	return run, open, nil
}

// previousImport is PreviousImport reading as much of the findings as
// with says, and the number of parts they are stored in (0: in the row).
func (tx *Tx) previousImport(ctx context.Context, with findingsRead, control, target string) (ImportRun, int, error) {
	if err := tx.lockLedger(ctx); err != nil {
		return ImportRun{}, 0, err
	}
	// Newest by ledger index, not by receipt time: receipt time is when a
	// transaction began, and a transaction that began earlier can take the
	// lock later. The verdict's leaf index is handed out under the lock, so
	// it is the order in which imports really happened.
	// The run keeps its verdict's leaf index (verdict_idx), indexed with
	// the control and target, so this reads one index entry however many
	// imports came before.
	runs, parts, err := tx.readImportRuns(ctx, with, `WHERE control_id = ? AND target = ? ORDER BY verdict_idx DESC LIMIT 1`, control, target)
	if err != nil {
		return ImportRun{}, 0, err
	}
	if len(runs) == 0 {
		return ImportRun{}, 0, evident.Errorf(evident.ENOTFOUND, "no earlier import for control %q and target %q", control, target)
	}
	return runs[0], parts[0], nil
}

// ImportFilter selects import runs; zero fields do not filter.
type ImportFilter struct {
	Control string
	Target  string
	Format  string // only runs of this importer format
	Limit   int
	// NoFindings leaves each run's findings out, for readers of its
	// metrics alone: a large scan's findings are megabytes.
	NoFindings bool
}

// ImportRuns lists import runs, newest first.
func (s *Store) ImportRuns(ctx context.Context, f ImportFilter) ([]ImportRun, error) {
	var where []string
	var args []any
	if f.Control != "" {
		where, args = append(where, "control_id = ?"), append(args, f.Control)
	}
	if f.Target != "" {
		where, args = append(where, "target = ?"), append(args, f.Target)
	}
	if f.Format != "" {
		where, args = append(where, "format = ?"), append(args, f.Format)
	}
	q := ""
	if len(where) > 0 {
		q = "WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY received_at DESC, id DESC"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	var out []ImportRun
	err := s.Read(ctx, func(tx *Tx) error {
		var err error
		with := allFindings
		if f.NoFindings {
			with = noFindings
		}
		out, _, err = tx.readImportRuns(ctx, with, q, args...)
		return err
	})
	return out, err
}

// findingsRead is how much of its findings readImportRuns reads with a
// run.
type findingsRead int

const (
	noFindings  findingsRead = iota // none: Findings is nil
	rowFindings                     // those of a run stored with them in its row, not its parts
	allFindings
	// baselineFindings is rowFindings without the run's Appeared and
	// Gone (nil), for PreviousImportStream.
	baselineFindings
)

// readImportRuns reads the runs where selects, with as much of their
// findings as with says, and the number of parts each run's findings are
// stored in (0: in its row).
func (tx *Tx) readImportRuns(ctx context.Context, with findingsRead, where string, args ...any) ([]ImportRun, []int, error) {
	cols := importRunCols
	if with == noFindings {
		cols = strings.Replace(cols, "metrics, findings,", "metrics, '',", 1)
	}
	if with == baselineFindings {
		cols = strings.Replace(cols, "appeared, gone,", "'null', 'null',", 1)
	}
	rows, err := tx.Query(ctx, `SELECT `+cols+`, findings_parts FROM import_runs `+where, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("read import runs: %w", err)
	}
	defer rows.Close()
	var out []ImportRun
	var parted []int
	for rows.Next() {
		var r ImportRun
		var pass, defaulted, parts int
		var metrics, appeared, gone, eff, rec string
		// Scanned into bytes, the findings (a large scan's are megabytes)
		// are copied once out of the driver, not again into Findings.
		var findings []byte
		var prev sql.NullString
		if err := rows.Scan(&r.ID, &r.Control, &r.Target, &r.Format, &r.Tool, &r.ToolVersion, &r.RawID, &r.VerdictID,
			&pass, &defaulted, &metrics, &findings, &appeared, &gone, &prev, &eff, &rec, &r.Actor, &parts); err != nil {
			return nil, nil, err
		}
		r.Pass, r.Defaulted, r.PreviousID, r.Findings = pass == 1, defaulted == 1, prev.String, findings
		if with == noFindings || (with == rowFindings || with == baselineFindings) && parts > 0 {
			r.Findings = nil
		}
		parted = append(parted, parts)
		for _, js := range []struct {
			s string
			v any
		}{{metrics, &r.Metrics}, {appeared, &r.Appeared}, {gone, &r.Gone}} {
			if err := json.Unmarshal([]byte(js.s), js.v); err != nil {
				return nil, nil, fmt.Errorf("import run %s: %w", r.ID, err)
			}
		}
		if r.EffectiveAt, err = ParseTS(eff); err != nil {
			return nil, nil, err
		}
		if r.ReceivedAt, err = ParseTS(rec); err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows.Close()
	for i, parts := range parted {
		if with != allFindings || parts == 0 {
			continue
		}
		if out[i].Findings, err = tx.importFindings(ctx, out[i].ID, parts); err != nil {
			return nil, nil, err
		}
	}
	return out, parted, nil
}

// importFindings reads back a run's findings stored in parts parts.
func (tx *Tx) importFindings(ctx context.Context, run string, parts int) (json.RawMessage, error) {
	rows, err := tx.Query(ctx, `SELECT seq, part FROM import_findings WHERE run_id = ? ORDER BY seq`, run)
	if err != nil {
		return nil, fmt.Errorf("read import run %s findings: %w", run, err)
	}
	defer rows.Close()
	var out []byte
	n := 0
	for rows.Next() {
		var seq int
		var part []byte
		if err := rows.Scan(&seq, &part); err != nil {
			return nil, fmt.Errorf("read import run %s findings: %w", run, err)
		}
		if seq != n {
			return nil, fmt.Errorf("import run %s: findings part %d missing", run, n)
		}
		if out == nil && parts > 1 {
			// Every part but the last is close to findingPart bytes:
			// one allocation instead of doubling through a large list.
			out = make([]byte, 0, parts*findingPart)
		}
		out = append(out, part...)
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read import run %s findings: %w", run, err)
	}
	if n != parts {
		return nil, fmt.Errorf("import run %s: %d findings parts stored, want %d", run, n, parts)
	}
	return out, nil
}

// partsReader reads a run's findings stored in parts, one query a part,
// holding one part at a time. It keeps the context of the call that made
// it (PreviousImportStream) because its reader, a json.Decoder, pulls
// through Read, which takes none.
type partsReader struct {
	ctx   context.Context
	tx    *Tx
	run   string
	parts int
	seq   int    // the part to read next
	part  string // the unread rest of the part read last
	ended bool   // the count of parts stored was checked
}

func (r *partsReader) Read(p []byte) (int, error) {
	for r.part == "" {
		if r.seq == r.parts {
			return 0, r.end()
		}
		if err := r.load(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.part)
	r.part = r.part[n:]
	return n, nil
}

// load reads part seq. It is scanned into a string, which takes the
// driver's own (a TEXT value is one already) without a copy.
func (r *partsReader) load() error {
	rows, err := r.tx.Query(r.ctx, `SELECT part FROM import_findings WHERE run_id = ? AND seq = ?`, r.run, r.seq)
	if err != nil {
		return fmt.Errorf("read import run %s findings: %w", r.run, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read import run %s findings: %w", r.run, err)
		}
		return fmt.Errorf("import run %s: findings part %d missing", r.run, r.seq)
	}
	if err := rows.Scan(&r.part); err != nil {
		return fmt.Errorf("read import run %s findings: %w", r.run, err)
	}
	r.seq++
	return rows.Close()
}

// end checks, once every part named was read, that no more are stored,
// as importFindings does, and returns io.EOF.
func (r *partsReader) end() error {
	if !r.ended {
		var n int
		if err := r.tx.QueryRow(r.ctx, `SELECT COUNT(*) FROM import_findings WHERE run_id = ?`, r.run).Scan(&n); err != nil {
			return fmt.Errorf("read import run %s findings: %w", r.run, err)
		}
		if n != r.parts {
			return fmt.Errorf("import run %s: %d findings parts stored, want %d", r.run, n, r.parts)
		}
		r.ended = true
	}
	return io.EOF
}

// OpenVulnerability is Store.OpenVulnerability inside a caller's
// transaction, so an import's evidence, verdict and the vulnerabilities its
// critical findings open commit together or not at all. A finding already
// in the register returns that entry and created false.
func (tx *Tx) OpenVulnerability(ctx context.Context, f evident.VulnerabilityFinding, actor string) (evident.Incident, bool, error) {
	f.Key = strings.TrimSpace(f.Key)
	if f.Key == "" {
		return evident.Incident{}, false, evident.ErrorAt(evident.EINVALID, "finding.key", "a finding needs a key so re-imports find it")
	}
	sev, err := evident.ParseSeverity(string(f.Severity))
	if err != nil {
		return evident.Incident{}, false, err
	}
	id, err := tx.incidentByKey(ctx, f.Key)
	if err != nil {
		return evident.Incident{}, false, err
	}
	if id != "" {
		inc, err := tx.Incident(ctx, id)
		return inc, false, err
	}
	inc := evident.Incident{Kind: evident.KindVulnerability, Title: f.Title, Summary: f.Summary, Reporter: f.Reporter,
		AwareAt: f.DiscoveredAt, DetectedAt: f.DiscoveredAt, Services: f.Services, Systems: f.Systems, FindingKey: f.Key}
	if inc.Reporter == "" {
		inc.Reporter = actor
	}
	if inc.AwareAt.IsZero() {
		inc.AwareAt = tx.Now
	}
	if err := tx.openIncident(ctx, &inc, actor); err != nil {
		if IsUniqueViolation(err) {
			return evident.Incident{}, false, evident.Errorf(evident.ECONFLICT, "finding %s was registered by another import at the same moment; import again", f.Key)
		}
		return evident.Incident{}, false, err
	}
	c := evident.Classification{Severity: sev, Category: "vulnerability", Note: "from finding " + f.Key}
	if err := tx.classify(ctx, &inc, c, actor); err != nil {
		return evident.Incident{}, false, err
	}
	return inc, true, nil
}

func orEmpty(m map[string]float64) map[string]float64 {
	if m == nil {
		return map[string]float64{}
	}
	return m
}

// marshalStrings is json.Marshal(ss) for a list of strings, written in
// one buffer of its exact size when every string is printable ASCII with
// nothing encoding/json escapes, and by json.Marshal otherwise. A first
// scan's run lists every finding's key as appeared: 60 000 of them, 1.4
// MB of JSON for the bench's scan, which json.Marshal wrote through
// reflection into a buffer grown by doubling and then copied out.
func marshalStrings(ss []string) []byte {
	n := 2 + max(len(ss)-1, 0)
	for _, s := range ss {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				b, _ := json.Marshal(ss)
				return b
			}
		}
		n += len(s) + 2
	}
	if ss == nil {
		return []byte("null")
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(append(append(b, '"'), s...), '"')
	}
	return append(b, ']')
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
