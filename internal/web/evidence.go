package web

import (
	"context"
	"errors"
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/api"
	"github.com/evidenthq/evident/internal/collect"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// evidencePageSize is how many records one page of the evidence list shows.
const evidencePageSize = 50

// maxUpload bounds one upload form: several files of tool output or
// reports. Larger evidence goes through the CLI or the API, which stream.
const maxUpload = 512 << 20

type evidenceList struct {
	Control  string
	Controls []evident.Control
	Records  []evident.Evidence
	Older    int64 // ledger index for the next (older) page, or 0
	// Kind, Verdict, Actor, From and To are the other filters, as typed;
	// OlderURL is the next page's link with every filter kept.
	Kind, Verdict, Actor, From, To string
	OlderURL                       template.URL
	Filtered                       bool
}

// EvidenceList lists evidence newest first, optionally for one control,
// paging back by ledger index.
func (w *Web) EvidenceList() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		f := sqlstore.EvidenceFilter{Control: q.Get("control"), Newest: true, Limit: evidencePageSize + 1,
			Kind: q.Get("kind"), Verdict: q.Get("verdict"), Actor: q.Get("actor")}
		switch f.Kind {
		case "", string(evident.RawEvidence), string(evident.DerivedEvidence):
		default:
			return evident.ErrorAt(evident.EINVALID, "kind", "want raw or derived")
		}
		switch f.Verdict {
		case "", "none", string(evident.VerdictPass), string(evident.VerdictFail):
		default:
			return evident.ErrorAt(evident.EINVALID, "verdict", "want pass, fail or none")
		}
		for _, d := range []struct {
			name string
			t    *time.Time
		}{{"from", &f.From}, {"to", &f.To}} {
			if s := q.Get(d.name); s != "" {
				t, err := evident.ParseTime(s)
				if err != nil {
					return evident.ErrorAt(evident.EINVALID, d.name, "%q is not a date such as 2026-01-31", s)
				}
				*d.t = t
			}
		}
		if s := q.Get("before"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 1 {
				return evident.ErrorAt(evident.EINVALID, "before", "%q is not a ledger index", s)
			}
			f.BeforeIndex = n
		}
		m, size, err := w.sizedModel(r.Context())
		if err != nil {
			return err
		}
		if f.Control != "" && m.ControlByID(f.Control) == nil {
			return evident.ErrorAt(evident.ENOTFOUND, "control", "no control %q", f.Control)
		}
		kept, err := w.ledgerContents(r.Context(), size)
		if err != nil {
			return err
		}
		body, err := kept.content("evidence_list.html?"+r.URL.RawQuery, func() (template.HTML, error) {
			data, err := w.evidenceListOf(r.Context(), m, f, q)
			if err != nil {
				return "", err
			}
			return w.renderContent("evidence_list.html", data)
		})
		if err != nil {
			return err
		}
		w.render(rw, r, http.StatusOK, "evidence_list.html", page{Title: "Evidence", Nav: "evidence", Program: m.Program.Name, Body: body.html, kept: body})
		return nil
	})
}

// evidenceListOf is a page of the evidence f selects, newest first, with
// the link to the next older page; q is the query the filters came from.
func (w *Web) evidenceListOf(ctx context.Context, m *evident.Model, f sqlstore.EvidenceFilter, q url.Values) (evidenceList, error) {
	recs, err := w.cfg.Store.ListEvidence(ctx, f)
	if err != nil {
		return evidenceList{}, err
	}
	data := evidenceList{Control: f.Control, Controls: m.Controls, Records: recs,
		Kind: f.Kind, Verdict: f.Verdict, Actor: f.Actor, From: q.Get("from"), To: q.Get("to")}
	kept := url.Values{}
	for _, k := range []string{"control", "kind", "verdict", "actor", "from", "to"} {
		if v := q.Get(k); v != "" {
			kept.Set(k, v)
		}
	}
	data.Filtered = len(kept) > 0
	if len(recs) > evidencePageSize {
		data.Records = recs[:evidencePageSize]
		data.Older = recs[evidencePageSize-1].LedgerIndex
		kept.Set("before", strconv.FormatInt(data.Older, 10))
		data.OlderURL = template.URL("/evidence?" + kept.Encode())
	}
	return data, nil
}

type evidenceDetail struct {
	evident.Evidence
	Proof      string // the inclusion proof in c2sp.org/tlog-proof form
	ProofError string // why there is no proof, or why it does not check
	Verified   bool   // the proof checks against the ledger's public key
	// Reviews is the record's review for each reviewed control it is for.
	Reviews []sqlstore.Submission
}

// Evidence shows one record: what it is, who collected it, what it speaks
// for, its SHA-256 and its inclusion proof against the latest signed
// checkpoint, checked here with the ledger's public key.
func (w *Web) Evidence() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		e, err := w.evidence(r)
		if err != nil {
			return err
		}
		data := evidenceDetail{Evidence: e}
		if data.Reviews, err = w.cfg.Store.Submissions(r.Context(), sqlstore.ReviewFilter{Evidence: e.ID}); err != nil {
			return err
		}
		p, err := w.cfg.Ledger.Proof(r.Context(), e.LedgerIndex)
		if err != nil {
			data.ProofError = evident.ErrorMessage(err)
		} else {
			data.Proof = string(p.Text())
			if v := w.cfg.Ledger.Verifier(); v == nil {
				data.ProofError = "the ledger's public key is not configured, so the proof is not checked here"
			} else if err := p.Check(v); err != nil {
				data.ProofError = evident.ErrorMessage(err)
			} else {
				data.Verified = true
			}
		}
		w.render(rw, r, http.StatusOK, "evidence.html", page{Title: "Evidence " + e.ID, Nav: "evidence", Data: data})
		return nil
	})
}

// EvidenceContent sends the evidence file itself. It is always a download
// in a sandbox: an uploaded HTML file must never run as this site.
func (w *Web) EvidenceContent() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		e, err := w.evidence(r)
		if err != nil {
			return err
		}
		body, err := w.cfg.Ledger.Blobs().Open(r.Context(), e.Digest)
		if err != nil {
			return err
		}
		defer body.Close()
		name := e.Filename
		if name == "" {
			name = e.Digest.String()
		}
		h := rw.Header()
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
		h.Set("Content-Length", strconv.FormatInt(e.Size, 10))
		h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Digest", "sha-256="+e.Digest.String())
		_, err = io.Copy(rw, body)
		if err != nil {
			w.cfg.Logger.Warn("evidence download cut", "id", e.ID, "err", err)
		}
		return nil
	})
}

// evidence reads the record the path names. The store narrows it to an
// assessor's grant: one outside their audit period is not found.
func (w *Web) evidence(r *http.Request) (evident.Evidence, error) {
	return w.cfg.Store.Evidence(r.Context(), r.PathValue("id"))
}

type uploadForm struct {
	Controls []evident.Control
	Systems  []string // NAME@VERSION choices
	Control  string
	Period   string
	System   []string        // the NAME@VERSION values chosen
	Chosen   map[string]bool // System as a set, for the form
	Error    string
}

// UploadForm shows the evidence upload form. It is a plain multipart form
// (several files at once); the script adds drag and drop on top.
func (w *Web) UploadForm() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		f, err := w.uploadForm(r)
		if err != nil {
			return err
		}
		f.Control = r.URL.Query().Get("control")
		w.render(rw, r, http.StatusOK, "upload.html", page{Title: "Add evidence", Nav: "evidence", Data: f})
		return nil
	})
}

func (w *Web) uploadForm(r *http.Request) (uploadForm, error) {
	m, err := w.model(r.Context())
	if err != nil {
		return uploadForm{}, err
	}
	// The list holds only the controls the upload would be accepted for,
	// by the very check the upload makes (canWriteEvidence), so a control
	// owner never fills the form in for a control they cannot feed.
	f := uploadForm{}
	for _, c := range m.Controls {
		if w.canWriteEvidence(r, c.ID) == nil {
			f.Controls = append(f.Controls, c)
		}
	}
	for _, s := range m.Systems {
		if s.Version != "" {
			f.Systems = append(f.Systems, s.ID+"@"+s.Version)
		}
	}
	return f, nil
}

// Upload stores the files of the upload form as evidence for one control,
// all or nothing: one batch, one durable commit, one checkpoint. On bad
// input the form comes back with the error and nothing is stored. Files
// stream from the request into the blob store's staging area, never to
// a temporary file, so no outcome leaves anything behind; a form over
// maxUpload is refused with 413.
func (w *Web) Upload() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		form, err := w.uploadForm(r)
		if err != nil {
			return err
		}
		var n int
		if r.ContentLength > maxUpload {
			err = tooLarge()
		} else {
			r.Body = http.MaxBytesReader(rw, r.Body, maxUpload)
			n, err = w.storeUpload(r, &form)
		}
		if err != nil {
			status := api.Status(err)
			form.Error = evident.ErrorMessage(err)
			switch code := evident.ErrorCode(err); {
			case status == http.StatusRequestEntityTooLarge:
				form.Error = evident.ErrorMessage(tooLarge())
				// The rest of the body is not read: close the
				// connection rather than drain it.
				rw.Header().Set("Connection", "close")
			case code == evident.EINTERNAL || code == evident.EUNAUTHORIZED:
				return err
			}
			w.render(rw, r, status, "upload.html", page{Title: "Add evidence", Nav: "evidence", Data: form})
			return nil
		}
		http.Redirect(rw, r, "/controls/"+url.PathEscape(form.Control)+"?added="+strconv.Itoa(n)+"#periods", http.StatusSeeOther)
		return nil
	})
}

// tooLarge is the refusal of a form over maxUpload, which wraps
// http.MaxBytesError so the one status table answers 413.
func tooLarge() error {
	e := evident.ErrorAt(evident.EINVALID, "files", "the upload is larger than %d MiB: send larger evidence with the CLI or the API", maxUpload>>20)
	e.Err = &http.MaxBytesError{Limit: maxUpload}
	return e
}

// Bounds of the upload form's fields, which come before its files: a
// submission's population or sample list may be a file of its own.
const (
	maxUploadFields    = 100
	maxUploadFieldSize = 8 << 20
)

// storeUpload reads the form's fields, checks them, and adds its files
// through collect, the one home of adding evidence, as they stream in:
// one batch, or imports for a control verified by import.
func (w *Web) storeUpload(r *http.Request, form *uploadForm) (int, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return 0, evident.ErrorAt(evident.EINVALID, "form", "the upload could not be read: %v", err)
	}
	var first *multipart.Part
	vals := url.Values{}
	done := false // the form ended before any file
	for n := 0; first == nil && !done; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			done = true
			break
		}
		if err != nil {
			return 0, readError(err)
		}
		if part.FormName() == "files" {
			first = part
			break
		}
		if n >= maxUploadFields {
			return 0, evident.ErrorAt(evident.EINVALID, "form", "more than %d fields", maxUploadFields)
		}
		v, err := io.ReadAll(io.LimitReader(part, maxUploadFieldSize+1))
		if err != nil {
			return 0, readError(err)
		}
		if len(v) > maxUploadFieldSize {
			return 0, evident.ErrorAt(evident.EINVALID, part.FormName(), "longer than %d MiB", maxUploadFieldSize>>20)
		}
		if part.FileName() == "" {
			if err := evident.CheckText(part.FormName(), string(v)); err != nil {
				return 0, err
			}
		}
		vals.Add(part.FormName(), string(v))
	}
	form.Control = vals.Get("control")
	form.Period = strings.TrimSpace(vals.Get("period"))
	form.System = vals["system"]
	form.Chosen = map[string]bool{}
	for _, sv := range form.System {
		form.Chosen[sv] = true
	}
	in, err := w.uploadInput(r, *form, vals)
	if err != nil {
		return 0, err
	}
	res, err := collect.AddStream(r.Context(), w.cfg.Ledger, collect.Stream{Now: w.cfg.Store.Now(), Next: func() (ledger.Item, error) {
		for !done {
			part := first
			first = nil
			if part == nil {
				if part, err = mr.NextPart(); err == io.EOF {
					return ledger.Item{}, io.EOF
				} else if err != nil {
					return ledger.Item{}, readError(err)
				}
			}
			if part.FormName() != "files" {
				return ledger.Item{}, evident.ErrorAt(evident.EINVALID, part.FormName(), "fields come before the files")
			}
			if part.FileName() == "" {
				continue // an empty file input
			}
			if err := evident.CheckName("files", part.FileName()); err != nil {
				return ledger.Item{}, err
			}
			item := in
			item.Filename = evident.BaseName(part.FileName())
			return ledger.Item{Input: item, Open: func() (io.ReadCloser, error) { return api.UploadPart(part, "files", maxUpload), nil }}, nil
		}
		return ledger.Item{}, io.EOF
	}})
	if evident.ErrorCode(err) == evident.EINVALID && strings.Contains(evident.ErrorMessage(err), "no file to add") {
		err = evident.ErrorAt(evident.EINVALID, "files", "choose at least one file")
	}
	evs := res.Evidence
	if err == nil && len(evs) == 0 {
		err = evident.ErrorAt(evident.EINVALID, "files", "choose at least one file")
	}
	return len(evs), err
}

// readError names a form that could not be read: over its limit (413) or
// cut short.
func readError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return tooLarge()
	}
	return evident.ErrorAt(evident.EINVALID, "form", "the upload could not be read: %v", err)
}

// uploadInput checks the form's fields and returns the record every file
// of the upload gets, before any file is read.
func (w *Web) uploadInput(r *http.Request, form uploadForm, vals url.Values) (ledger.EvidenceInput, error) {
	actor, err := w.actor(r)
	if err != nil {
		return ledger.EvidenceInput{}, err
	}
	if form.Control == "" {
		return ledger.EvidenceInput{}, evident.ErrorAt(evident.EINVALID, "control", "choose the control this evidence is for")
	}
	if err := w.canWriteEvidence(r, form.Control); err != nil {
		return ledger.EvidenceInput{}, err
	}
	in := ledger.EvidenceInput{Actor: actor, Controls: []string{form.Control}, Source: evident.EvidenceSource{Tool: "web upload"}}
	if form.Period != "" {
		eff, err := parseEffective(form.Period)
		if err != nil {
			return in, err
		}
		in.Effective = eff
	}
	for _, s := range form.System {
		if s == "" {
			continue
		}
		sv, err := evident.ParseSystemVersion(s)
		if err != nil {
			return in, evident.ErrorAt(evident.EINVALID, "system", "%s", evident.ErrorMessage(err))
		}
		in.Systems = append(in.Systems, sv)
	}
	if in.Detail, err = w.submission(r, vals, form.Control, in.Systems, actor); err != nil {
		return in, err
	}
	return in, nil
}

// parseEffective reads the period field: a period (2026-Q3, 2026-07,
// 2026-07-01, FROM/TO) or one instant.
func parseEffective(s string) (evident.Effective, error) {
	if eff, err := evident.ParseEffectivePeriod(s); err == nil {
		return eff, nil
	}
	t, err := evident.ParseTime(s)
	if err != nil {
		return evident.Effective{}, evident.ErrorAt(evident.EINVALID, "period", "%q is neither a period (2026-Q3, 2026-07, 2026-W49, 2026-07-01, FROM/TO) nor a UTC time", s)
	}
	return evident.Effective{From: t.UTC().Truncate(time.Second)}, nil
}
