package web

import (
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/api"
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
}

// EvidenceList lists evidence newest first, optionally for one control,
// paging back by ledger index.
func (w *Web) EvidenceList() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		f := sqlstore.EvidenceFilter{Control: q.Get("control"), Newest: true, Limit: evidencePageSize + 1}
		if s := q.Get("before"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 1 {
				return evident.ErrorAt(evident.EINVALID, "before", "%q is not a ledger index", s)
			}
			f.BeforeIndex = n
		}
		m, err := w.model(r.Context())
		if err != nil {
			return err
		}
		if f.Control != "" && m.ControlByID(f.Control) == nil {
			return evident.ErrorAt(evident.ENOTFOUND, "control", "no control %q", f.Control)
		}
		recs, err := w.cfg.Store.ListEvidence(r.Context(), f)
		if err != nil {
			return err
		}
		data := evidenceList{Control: f.Control, Controls: m.Controls, Records: recs}
		if len(recs) > evidencePageSize {
			data.Records = recs[:evidencePageSize]
			data.Older = recs[evidencePageSize-1].LedgerIndex
		}
		w.render(rw, r, http.StatusOK, "evidence_list.html", page{Title: "Evidence", Nav: "evidence", Data: data})
		return nil
	})
}

type evidenceDetail struct {
	evident.Evidence
	Proof      string // the inclusion proof in c2sp.org/tlog-proof form
	ProofError string // why there is no proof, or why it does not check
	Verified   bool   // the proof checks against the ledger's public key
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
	System   string
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
	f := uploadForm{Controls: m.Controls}
	for _, s := range m.Systems {
		if s.Version != "" {
			f.Systems = append(f.Systems, s.ID+"@"+s.Version)
		}
	}
	return f, nil
}

// Upload stores the files of the upload form as evidence for one control,
// all or nothing: one batch, one durable commit, one checkpoint. On bad
// input the form comes back with the error and nothing is stored.
func (w *Web) Upload() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		r.Body = http.MaxBytesReader(rw, r.Body, maxUpload)
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return evident.Errorf(evident.EINVALID, "the upload could not be read (at most %d MiB per form): %v", maxUpload>>20, err)
		}
		defer r.MultipartForm.RemoveAll()
		form, err := w.uploadForm(r)
		if err != nil {
			return err
		}
		form.Control = r.FormValue("control")
		form.Period = strings.TrimSpace(r.FormValue("period"))
		form.System = r.FormValue("system")
		n, err := w.storeUpload(r, form, r.MultipartForm.File["files"])
		if err != nil {
			if code := evident.ErrorCode(err); code == evident.EINTERNAL || code == evident.EUNAUTHORIZED {
				return err
			}
			form.Error = evident.ErrorMessage(err)
			status := api.Status(err)
			w.render(rw, r, status, "upload.html", page{Title: "Add evidence", Nav: "evidence", Data: form})
			return nil
		}
		http.Redirect(rw, r, "/controls/"+url.PathEscape(form.Control)+"?added="+strconv.Itoa(n)+"#periods", http.StatusSeeOther)
		return nil
	})
}

// storeUpload checks the form and adds its files as one batch.
func (w *Web) storeUpload(r *http.Request, form uploadForm, files []*multipart.FileHeader) (int, error) {
	actor, err := w.actor(r)
	if err != nil {
		return 0, err
	}
	if form.Control == "" {
		return 0, evident.ErrorAt(evident.EINVALID, "control", "choose the control this evidence is for")
	}
	if err := w.canWriteEvidence(r, form.Control); err != nil {
		return 0, err
	}
	if len(files) == 0 {
		return 0, evident.ErrorAt(evident.EINVALID, "files", "choose at least one file")
	}
	in := ledger.EvidenceInput{Actor: actor, Controls: []string{form.Control}, Source: evident.EvidenceSource{Tool: "web upload"}}
	if form.Period != "" {
		eff, err := parseEffective(form.Period)
		if err != nil {
			return 0, err
		}
		in.Effective = eff
	}
	if form.System != "" {
		sv, err := evident.ParseSystemVersion(form.System)
		if err != nil {
			return 0, evident.ErrorAt(evident.EINVALID, "system", "%s", evident.ErrorMessage(err))
		}
		in.Systems = []evident.SystemVersion{sv}
	}
	items := make([]ledger.Item, 0, len(files))
	for _, fh := range files {
		item := in
		item.Filename = fh.Filename
		fh := fh
		items = append(items, ledger.Item{Input: item, Open: func() (io.ReadCloser, error) { return fh.Open() }})
	}
	evs, err := w.cfg.Ledger.AddBatch(r.Context(), items)
	return len(evs), err
}

// parseEffective reads the period field: a period (2026-Q3, 2026-07,
// 2026-07-01, FROM/TO) or one instant.
func parseEffective(s string) (evident.Effective, error) {
	if eff, err := evident.ParseEffectivePeriod(s); err == nil {
		return eff, nil
	}
	t, err := evident.ParseTime(s)
	if err != nil {
		return evident.Effective{}, evident.ErrorAt(evident.EINVALID, "period", "%q is neither a period (2026-Q3, 2026-07, 2026-07-01, FROM/TO) nor a UTC time", s)
	}
	return evident.Effective{From: t.UTC().Truncate(time.Second)}, nil
}
