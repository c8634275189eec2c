package web

import (
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/api"
	"github.com/evidenthq/evident/internal/pack"
)

type packsPage struct {
	From, To string // the form's dates, YYYY-MM-DD
	Services []evident.Service
	Limited  string // the assessor's period, when limited
	Error    string
}

// Packs shows the evidence pack export form. An assessor's dates default
// to, and are held to, their audit period.
func (w *Web) Packs() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		return w.packs(rw, r, http.StatusOK, packsPage{})
	})
}

func (w *Web) packs(rw http.ResponseWriter, r *http.Request, status int, data packsPage) error {
	m, err := w.model(r.Context())
	if err != nil {
		return err
	}
	data.Services = m.Services
	now := w.cfg.Store.Now().UTC()
	if data.From == "" {
		data.From, data.To = now.AddDate(-1, 0, 0).Format(time.DateOnly), now.AddDate(0, 0, 1).Format(time.DateOnly)
	}
	if p, err := principal(r); err == nil {
		if from, to := p.Period(); !from.IsZero() {
			data.Limited = evident.UTC(from) + " to " + evident.UTC(to)
			if status == http.StatusOK {
				data.From, data.To = from.Format(time.DateOnly), to.Format(time.DateOnly)
			}
		}
	}
	w.render(rw, r, status, "packs.html", page{Title: "Evidence packs", Nav: "packs", Data: data})
	return nil
}

// ExportPack builds the pack for the form's period (and services) and
// sends it as a download. It is written to a temporary file first, so a
// failure half-way shows the form with the error, not a truncated zip.
func (w *Web) ExportPack() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		data := packsPage{From: r.PostFormValue("from"), To: r.PostFormValue("to")}
		fail := func(err error) error {
			if evident.ErrorCode(err) == evident.EINTERNAL {
				return err
			}
			data.Error = evident.ErrorMessage(err)
			return w.packs(rw, r, api.Status(err), data)
		}
		opt := pack.Options{Services: r.PostForm["services"], Actor: p.Actor(), Now: w.cfg.Store.Now().UTC()}
		if opt.From, err = parseDay("from", data.From); err != nil {
			return fail(err)
		}
		if opt.To, err = parseDay("to", data.To); err != nil {
			return fail(err)
		}
		if err := p.CheckPeriod(opt.From, opt.To); err != nil {
			return fail(err)
		}
		f, err := os.CreateTemp("", "evident-pack-*.zip")
		if err != nil {
			return err
		}
		defer os.Remove(f.Name())
		defer f.Close()
		if _, err := pack.Export(r.Context(), *w.cfg.Pack, opt, f); err != nil {
			return fail(err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		name := "evidence-pack-" + opt.From.Format("20060102") + "-" + opt.To.Format("20060102") + ".zip"
		rw.Header().Set("Content-Type", "application/zip")
		rw.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		http.ServeContent(rw, r, name, time.Time{}, f)
		return nil
	})
}

// parseDay reads a date field (YYYY-MM-DD, or an RFC 3339 instant) as UTC.
func parseDay(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation(time.DateOnly, s, time.UTC); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, evident.ErrorAt(evident.EINVALID, field, "%q is not a date such as 2026-01-01", s)
}
