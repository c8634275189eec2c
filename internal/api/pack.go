package api

import (
	"io"
	"net/http"
	"os"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/pack"
)

// MaxPackVerify bounds a pack uploaded for verification; larger packs
// are verified offline with `evident pack verify`, which reads from disk.
const MaxPackVerify = 4 << 30

// packRoutes need the pack source (the signing key); without it they are
// not mounted.
func (a *API) packRoutes() []Route {
	var rs []Route
	if a.cfg.Pack != nil {
		rs = append(rs, Route{Method: "POST", Path: "/api/v1/packs", Produces: "application/zip", Perm: auth.ExportPack, Tag: "packs", Body: "application/json", Status: 200,
			Summary: "export the evidence pack for a period as a zip: {\"from\", \"to\", \"services\"}; an assessor only for their period", Handler: a.ExportPack()})
	}
	rs = append(rs, Route{Method: "POST", Path: "/api/v1/packs/verify", Perm: auth.Read, Tag: "packs", Body: "application/zip",
		Summary: "verify a pack (the zip as the body) as `evident pack verify` does; problems are listed, ok is false if any", Handler: a.VerifyPack()})
	if a.cfg.Ledger != nil {
		rs = append(rs, Route{Method: "POST", Path: "/api/v1/verify", Perm: auth.ExportPack, Tag: "ledger",
			Summary: "verify the whole store as `evident verify` does: every leaf, hash, checkpoint, row and blob", Handler: a.Verify()})
	}
	return rs
}

// packRequest is the body of POST /packs.
type packRequest struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Services []string  `json:"services"`
}

// ExportPack streams a pack. It is written to a temporary file first so
// a failure half-way answers an error instead of a truncated zip.
func (a *API) ExportPack() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var q packRequest
		if err := decodeJSON(r, &q); err != nil {
			return err
		}
		if err := p.CheckPeriod(q.From, q.To); err != nil {
			return err
		}
		f, err := os.CreateTemp("", "evident-pack-*.zip")
		if err != nil {
			return err
		}
		defer os.Remove(f.Name())
		defer f.Close()
		opt := pack.Options{From: q.From.UTC(), To: q.To.UTC(), Services: q.Services, Actor: p.Actor(), Now: a.cfg.Store.Now().UTC()}
		if _, err := pack.Export(r.Context(), *a.cfg.Pack, opt, f); err != nil {
			return err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		name := "evidence-pack-" + opt.From.Format("20060102") + "-" + opt.To.Format("20060102") + ".zip"
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		http.ServeContent(w, r, name, time.Time{}, f)
		return nil
	})
}

// VerifyPack verifies an uploaded pack.
func (a *API) VerifyPack() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		f, err := os.CreateTemp("", "evident-verify-*.zip")
		if err != nil {
			return err
		}
		defer os.Remove(f.Name())
		defer f.Close()
		n, err := io.Copy(f, http.MaxBytesReader(w, r.Body, MaxPackVerify))
		if err != nil {
			return evident.ErrorAt(evident.EINVALID, "body", "reading the pack: %v", err)
		}
		rep, err := pack.Verify(r.Context(), f, n, pack.VerifyOptions{Key: r.URL.Query().Get("key"), Limits: pack.DefaultLimits})
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, rep)
	})
}

// Verify verifies the whole store.
func (a *API) Verify() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		rep, err := a.cfg.Ledger.Verify(r.Context(), nil)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, struct {
			OK bool `json:"ok"`
			ledger.Report
		}{rep.OK(), rep})
	})
}
