package api

import (
	"net/http"
	"strings"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/collect"
	"github.com/evidenthq/evident/internal/importer"
	"github.com/evidenthq/evident/internal/ingest"
)

// importRoutes need the ledger, like evidence uploads.
func (a *API) importRoutes() []Route {
	if a.cfg.Ledger == nil {
		return nil
	}
	return []Route{{Method: "POST", Path: "/api/v1/imports", Perm: auth.WriteEvidence, Tag: "evidence", Status: 201, Body: "application/octet-stream",
		Summary: "import one tool output (the body) as `evident import` does: the raw file and a derived verdict against the control's criteria, compared with the last import of the same check; formats: " + strings.Join(importer.Formats(), ", "),
		Query: []Param{
			{"control", "control id the output is evidence for (required)"},
			{"format", "tool format; default the control's, else detected from the content"},
			{"target", "what was checked: a system id or name, or a host; default the tool's own"},
			{"period", "period covered: 2026, 2026-Q3, 2026-07, 2026-07-01 or FROM/TO"},
			{"effective", "instant the output speaks for (RFC 3339); default the tool's time"},
			{"system", "system version NAME@VERSION (repeatable)"},
			{"filename", "the file's original name"},
		},
		Handler: a.Import()}}
}

// Import parses and stores one tool output.
func (a *API) Import() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		control := q.Get("control")
		if control == "" {
			return evident.ErrorAt(evident.EINVALID, "control", "missing: name the control the output is evidence for")
		}
		if err := p.CheckEvidenceControls([]string{control}); err != nil {
			return err
		}
		// The same metadata rules as evidence uploads.
		in, err := a.evidenceMeta(r, q, p.Actor())
		if err != nil {
			return err
		}
		if fmt := q.Get("format"); fmt != "" && !containsString(importer.Formats(), fmt) {
			return evident.ErrorAt(evident.EINVALID, "format", "unknown format %q: want one of %s", fmt, strings.Join(importer.Formats(), ", "))
		}
		opt := ingest.Options{Control: control, Format: q.Get("format"), Filename: in.Filename, Target: q.Get("target"),
			Effective: in.Effective, Systems: in.Systems, Actor: p.Actor(), Now: a.cfg.Store.Now()}
		if opt.Filename == "" {
			opt.Filename = "upload"
		}
		if err := collect.ResolveImport(r.Context(), a.cfg.Store, &opt, nil); err != nil {
			return err
		}
		out, err := ingest.Import(r.Context(), a.cfg.Ledger, http.MaxBytesReader(w, r.Body, MaxUpload), opt)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, out)
	})
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
