package api

import (
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/collect"
	"github.com/evidenthq/evident/internal/ingest"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// MaxUpload bounds one evidence upload request. Scan reports and logs are
// megabytes; a gigabyte leaves room for disk images of a test without
// letting one request fill the disk.
const MaxUpload = 1 << 30

// evidenceRoutes need the ledger; without one they are not mounted (and
// so not documented either).
func (a *API) evidenceRoutes() []Route {
	if a.cfg.Ledger == nil {
		return nil
	}
	meta := []Param{
		{"control", "control id the evidence is for (repeatable)"},
		{"requirement", "requirement id or full reference (repeatable)"},
		{"period", "period covered: 2026, 2026-Q3, 2026-07, 2026-07-01 or FROM/TO"},
		{"effective", "instant the evidence speaks for (RFC 3339); default the upload time"},
		{"system", "system version NAME@VERSION (repeatable)"},
		{"service", "service id (repeatable)"},
		{"about", "other object KIND/ID, such as incident/INC-7 (repeatable)"},
		{"filename", "original file name (raw body uploads)"},
		{"supersedes", "id of the evidence record this one corrects"},
		{"submission", "for a control verified by a person: the method's content as JSON (population and items, attestation, document, exercise; docs/review.md)"},
	}
	return []Route{
		{Method: "GET", Path: "/api/v1/evidence", Perm: auth.Read, Tag: "evidence", List: true, Summary: "list evidence records in ledger order (an assessor sees their period)",
			Query:   []Param{{"control", "only for this control, in the order of the periods covered"}, {"requirement", "only for this full requirement reference"}, {"from", "effective at or after (RFC 3339)"}, {"to", "effective before (RFC 3339)"}},
			Handler: a.EvidenceList()},
		{Method: "GET", Path: "/api/v1/evidence/{id}", Perm: auth.Read, Tag: "evidence", Summary: "one evidence record", Handler: a.EvidenceShow()},
		{Method: "GET", Path: "/api/v1/evidence/{id}/proof", Produces: "text/plain", Perm: auth.Read, Tag: "evidence", Summary: "inclusion proof of the record against the latest signed checkpoint (text, as `evident evidence show` prints it)", Handler: a.EvidenceProof()},
		{Method: "GET", Path: "/api/v1/evidence/{id}/content", Produces: "application/octet-stream", Perm: auth.Read, Tag: "evidence", Summary: "the evidence file itself", Handler: a.EvidenceContent()},
		{Method: "POST", Path: "/api/v1/evidence", Perm: auth.WriteEvidence, Tag: "evidence", Status: 201, Query: meta,
			Body:    "multipart/form-data",
			Summary: "add evidence: multipart (one or more files in field \"file\", metadata as form fields) or a raw body with metadata in the query; a control owner only for their controls. Every name must exist in the program (422 otherwise); a file for a control verified by import is imported when it is the control's format, else refused with 422",
			Handler: a.EvidenceAdd()},
		{Method: "GET", Path: "/api/v1/checkpoint", Produces: "text/plain", Perm: auth.Read, Tag: "ledger", Summary: "the latest signed checkpoint (C2SP signed note)", Handler: a.Checkpoint()},
	}
}

func queryTime(q url.Values, name string) (time.Time, error) {
	s := q.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := evident.ParseTime(s)
	if err != nil {
		return t, evident.ErrorAt(evident.EINVALID, name, "%s", evident.ErrorMessage(err))
	}
	return t, nil
}

// EvidenceList lists evidence records, oldest first; the cursor is the
// last record's ledger index.
func (a *API) EvidenceList() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		pg, err := parsePage(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		f := sqlstore.EvidenceFilter{Control: q.Get("control"), Requirement: q.Get("requirement"), Limit: pg.limit + 1}
		if f.From, err = queryTime(q, "from"); err != nil {
			return err
		}
		if f.To, err = queryTime(q, "to"); err != nil {
			return err
		}
		if f.Control != "" && f.Requirement == "" {
			return a.controlEvidence(w, r, f, pg)
		}
		if pg.after != "" {
			if f.AfterIndex, err = strconv.ParseInt(pg.after, 10, 64); err != nil {
				return evident.ErrorAt(evident.EINVALID, "cursor", "cursor is not a ledger position")
			}
		}
		rows, err := a.cfg.Store.ListEvidenceRows(r.Context(), f)
		if err != nil {
			return err
		}
		var next string
		if len(rows) > pg.limit {
			rows = rows[:pg.limit]
			next = encodeCursor(strconv.FormatInt(rows[pg.limit-1].LedgerIndex, 10))
		}
		return a.writeEvidence(w, rows, next)
	})
}

// controlEvidence pages one control's evidence in the order of the
// periods it covers, which its index serves directly.
func (a *API) controlEvidence(w http.ResponseWriter, r *http.Request, f sqlstore.EvidenceFilter, pg page) error {
	rows, keys, err := a.cfg.Store.ControlEvidenceRows(r.Context(), f.Control, f.From, f.To, pg.after, pg.limit+1)
	if err != nil {
		return err
	}
	var next string
	if len(rows) > pg.limit {
		rows = rows[:pg.limit]
		next = encodeCursor(keys[pg.limit-1])
	}
	return a.writeEvidence(w, rows, next)
}

// writeEvidence writes a page of evidence records as List[evident.Evidence]
// encodes it, from each record's kept JSON.
func (a *API) writeEvidence(w http.ResponseWriter, rows []sqlstore.StoredEvidence, next string) error {
	items, err := a.records.encode(rows)
	if err != nil {
		return err
	}
	return writeRawList(w, items, next)
}

// writeRawList writes List[json.RawMessage]{items, next} as writeJSON
// writes it, byte for byte, without encoding/json: it would scan every
// byte of every item again to compact it, which items from recordJSON
// (json.Marshal's output, compact and HTML-escaped already) never need.
// That scan was over a quarter of an evidence page's CPU.
func writeRawList(w http.ResponseWriter, items []json.RawMessage, next string) error {
	n := len(`{"items":[]}`) + 1
	for _, it := range items {
		n += len(it) + 1
	}
	b := make([]byte, 0, n+len(next)+len(`,"next_cursor":""`))
	b = append(b, `{"items":`...)
	if items == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, it := range items {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, it...)
		}
		b = append(b, ']')
	}
	if next != "" {
		q, err := json.Marshal(next)
		if err != nil {
			return err
		}
		b = append(b, `,"next_cursor":`...)
		b = append(b, q...)
	}
	b = append(b, "}\n"...)
	return writeEncoded(w, b)
}

// visibleEvidence reads a record the principal may see; the store
// narrows it to an assessor's grant, so one outside it is not found, as
// if it were not there.
func (a *API) visibleEvidence(r *http.Request) (evident.Evidence, error) {
	return a.cfg.Store.Evidence(r.Context(), r.PathValue("id"))
}

// EvidenceShow returns one record.
func (a *API) EvidenceShow() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		e, err := a.visibleEvidence(r)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, e)
	})
}

// EvidenceProof returns the record's inclusion proof as text.
func (a *API) EvidenceProof() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		e, err := a.visibleEvidence(r)
		if err != nil {
			return err
		}
		pr, err := a.cfg.Ledger.Proof(r.Context(), e.LedgerIndex)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err = w.Write(pr.Text())
		return err
	})
}

// EvidenceContent streams the evidence file. It is served as an
// attachment with its stored media type and nosniff, so an uploaded HTML
// file cannot run as a page of this site.
func (a *API) EvidenceContent() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		e, err := a.visibleEvidence(r)
		if err != nil {
			return err
		}
		rc, err := a.cfg.Ledger.Blobs().Open(r.Context(), e.Digest)
		if err != nil {
			return err
		}
		defer rc.Close()
		name := e.Filename
		if name == "" {
			name = e.Digest.String()
		}
		w.Header().Set("Content-Type", e.MediaType)
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(name)}))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		// Should a browser render it anyway, it runs with no origin and
		// no script.
		w.Header().Set("Content-Security-Policy", "sandbox")
		w.Header().Set("Content-Length", strconv.FormatInt(e.Size, 10))
		_, err = io.Copy(w, rc)
		return err
	})
}

// Checkpoint returns the latest signed checkpoint.
func (a *API) Checkpoint() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		var c sqlstore.Checkpoint
		err := a.cfg.Store.Read(r.Context(), func(tx *sqlstore.Tx) error {
			var err error
			c, err = tx.LatestCheckpoint(r.Context())
			return err
		})
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err = w.Write(c.Note)
		return err
	})
}

// evidenceMeta reads upload metadata from form or query values.
func (a *API) evidenceMeta(r *http.Request, v url.Values, actor string) (ledger.EvidenceInput, error) {
	for k, vs := range v {
		for _, s := range vs {
			if err := evident.CheckName(k, s); err != nil {
				return ledger.EvidenceInput{}, err
			}
		}
	}
	in := ledger.EvidenceInput{Actor: actor, Filename: evident.BaseName(v.Get("filename")), Supersedes: v.Get("supersedes")}
	in.Controls = multi(v, "control")
	in.Services = multi(v, "service")
	in.About = multi(v, "about")
	prog, err := a.cfg.Store.Program(r.Context())
	if err != nil {
		return in, err
	}
	for _, s := range multi(v, "requirement") {
		ref, err := evident.ParseRequirementRef(s, prog.Standard, prog.Version)
		if err != nil {
			return in, evident.ErrorAt(evident.EINVALID, "requirement", "%s", evident.ErrorMessage(err))
		}
		in.Requirements = append(in.Requirements, ref)
	}
	for _, s := range multi(v, "system") {
		sv, err := evident.ParseSystemVersion(s)
		if err != nil {
			return in, evident.ErrorAt(evident.EINVALID, "system", "%s", evident.ErrorMessage(err))
		}
		in.Systems = append(in.Systems, sv)
	}
	switch per, eff := v.Get("period"), v.Get("effective"); {
	case per != "" && eff != "":
		return in, evident.ErrorAt(evident.EINVALID, "period", "give period or effective, not both")
	case per != "":
		if in.Effective, err = evident.ParseEffectivePeriod(per); err != nil {
			return in, evident.ErrorAt(evident.EINVALID, "period", "%s", evident.ErrorMessage(err))
		}
	case eff != "":
		t, err := evident.ParseTime(eff)
		if err != nil {
			return in, evident.ErrorAt(evident.EINVALID, "effective", "%s", evident.ErrorMessage(err))
		}
		in.Effective = evident.Effective{From: t}
	}
	if s := v.Get("submission"); s != "" {
		if in.Detail, err = a.submission(r, s, in); err != nil {
			return in, err
		}
	}
	return in, nil
}

// checkWrite refuses evidence the principal may not add: for a control
// they do not own, or correcting a record of one. It runs before any byte
// is stored, so a refused upload leaves nothing behind.
func (a *API) checkWrite(r *http.Request, p auth.Principal, in ledger.EvidenceInput) error {
	// Names first, as collect resolves them: an unknown control, system,
	// service, object or superseded record is refused (422) naming it.
	if _, err := collect.Resolve(r.Context(), a.cfg.Store, nil, &in); err != nil {
		return err
	}
	if err := p.CheckEvidenceControls(in.Controls); err != nil {
		return err
	}
	probe := evident.Evidence{Controls: in.Controls, Requirements: in.Requirements, DerivedFrom: in.DerivedFrom, Performer: in.Performer}
	if err := a.cfg.Store.CheckEvidenceRefs(r.Context(), probe); err != nil {
		return err
	}
	if in.Supersedes == "" {
		return nil
	}
	old, err := a.cfg.Store.Evidence(r.Context(), in.Supersedes)
	if evident.ErrorCode(err) == evident.ENOTFOUND {
		return evident.ErrorAt(evident.ENOTFOUND, "supersedes", "no evidence record %q", in.Supersedes)
	}
	if err != nil {
		return err
	}
	return p.CheckSupersede(old)
}

// multi reads a repeatable field, also accepting comma-separated values.
func multi(v url.Values, name string) []string {
	var out []string
	for _, s := range v[name] {
		for _, x := range strings.Split(s, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
	}
	return out
}

// EvidenceAdd stores uploaded evidence. All files of one request are one
// batch: either every file is in the ledger when it answers 201, or none.
// Files stream from the request into the blob store's staging area:
// nothing is written to a temporary file, so a refused or cut upload
// leaves nothing behind.
func (a *API) EvidenceAdd() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxUpload)
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		var items func() (ledger.Item, error)
		if ct == "multipart/form-data" {
			items, err = a.multipartItems(r, p)
		} else {
			items, err = a.rawItem(r, p, ct)
		}
		if err != nil {
			return err
		}
		res, err := collect.AddStream(r.Context(), a.cfg.Ledger, collect.Stream{Next: items, Now: a.cfg.Store.Now()})
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, evidenceAdded{Items: res.Evidence, Imports: res.Imports})
	})
}

// evidenceAdded is the answer to an upload: the records stored and, for
// a control verified by import, what each file's import found.
type evidenceAdded struct {
	Items   []evident.Evidence `json:"items"`
	Imports []ingest.Outcome   `json:"imports,omitempty"`
}

// one yields it once, then io.EOF.
func one(it ledger.Item) func() (ledger.Item, error) {
	done := false
	return func() (ledger.Item, error) {
		if done {
			return ledger.Item{}, io.EOF
		}
		done = true
		return it, nil
	}
}

func (a *API) rawItem(r *http.Request, p auth.Principal, ct string) (func() (ledger.Item, error), error) {
	in, err := a.evidenceMeta(r, r.URL.Query(), p.Actor())
	if err != nil {
		return nil, err
	}
	if err := a.checkWrite(r, p, in); err != nil {
		return nil, err
	}
	if ct != "" && ct != "application/octet-stream" {
		in.MediaType = ct
	}
	if in.Filename == "" {
		if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
			if err := evident.CheckName("filename", params["filename"]); err != nil {
				return nil, err
			}
			in.Filename = evident.BaseName(params["filename"])
		}
	}
	return one(ledger.Item{Input: in, Open: func() (io.ReadCloser, error) { return UploadPart(r.Body, "body", MaxUpload), nil }}), nil
}

// Multipart bounds: metadata fields are short, and there are few.
const (
	maxFieldBytes = 64 << 10
	maxFields     = 1000
)

// multipartItems reads the form's metadata fields, which must come
// before its files, checks them, and returns the files as they arrive:
// each part is read straight from the request into the blob store.
func (a *API) multipartItems(r *http.Request, p auth.Principal) (func() (ledger.Item, error), error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, evident.ErrorAt(evident.EINVALID, "body", "multipart form: %v", err)
	}
	vals := url.Values{}
	var first *multipart.Part
	for n := 0; first == nil; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, evident.ErrorAt(evident.EINVALID, "file", "no file in the form: send one or more parts named \"file\"")
		}
		if err != nil {
			return nil, bodyError(err, MaxUpload)
		}
		if part.FileName() != "" || part.FormName() == "file" {
			first = part
			break
		}
		if n >= maxFields {
			return nil, evident.ErrorAt(evident.EINVALID, "body", "more than %d form fields", maxFields)
		}
		v, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
		if err != nil {
			return nil, bodyError(err, MaxUpload)
		}
		if len(v) > maxFieldBytes {
			return nil, evident.ErrorAt(evident.EINVALID, part.FormName(), "longer than %d bytes", maxFieldBytes)
		}
		vals.Add(part.FormName(), string(v))
	}
	for k, v := range r.URL.Query() {
		vals[k] = append(vals[k], v...)
	}
	base, err := a.evidenceMeta(r, vals, p.Actor())
	if err != nil {
		return nil, err
	}
	if err := a.checkWrite(r, p, base); err != nil {
		return nil, err
	}
	return func() (ledger.Item, error) {
		part := first
		first = nil
		if part == nil {
			if part, err = mr.NextPart(); err == io.EOF {
				return ledger.Item{}, io.EOF
			} else if err != nil {
				return ledger.Item{}, bodyError(err, MaxUpload)
			}
		}
		if part.FormName() != "file" {
			return ledger.Item{}, evident.ErrorAt(evident.EINVALID, part.FormName(), "form fields come before the files, and files are parts named \"file\"")
		}
		if err := evident.CheckName("file", part.FileName()); err != nil {
			return ledger.Item{}, err
		}
		in := base
		in.Filename = evident.BaseName(part.FileName())
		if t := part.Header.Get("Content-Type"); t != "" && t != "application/octet-stream" {
			in.MediaType = t
		}
		return ledger.Item{Input: in, Open: func() (io.ReadCloser, error) { return UploadPart(part, "file", MaxUpload), nil }}, nil
	}, nil
}
