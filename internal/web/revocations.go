package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/api"
	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/importer/crl"
	"github.com/evidenthq/evident/internal/profile"
)

type revocationsPage struct {
	Requests []profile.RequestStatus
	Stops    []evident.IssuanceStop
	Services []evident.Service
	Reasons  []string
	// CRLs is how many signed CRLs the requests were judged against.
	CRLs     int
	Form     revocationForm
	StopForm stopForm
}

// revocationForm is the "record a revocation request" form as submitted.
type revocationForm struct {
	Serial, Reason, Service, Received string
	SubordinateCA                     bool
	Error                             string
}

// stopForm is the "record an issuance stop" form as submitted.
type stopForm struct {
	Service, From, To, Reason string
	Error                     string
}

// Revocations lists revocation requests with the verdict of each clock
// (published within its deadline on a CRL imported with a verified
// signature, or not) and issuance stops, with a form for each.
func (w *Web) Revocations() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		return w.revocations(rw, r, http.StatusOK, revocationForm{}, stopForm{})
	})
}

func (w *Web) revocations(rw http.ResponseWriter, r *http.Request, status int, f revocationForm, sf stopForm) error {
	ctx := r.Context()
	m, err := w.model(ctx)
	if err != nil {
		return err
	}
	reqs, err := w.cfg.Store.RevocationRequests(ctx)
	if err != nil {
		return err
	}
	var blobs blob.Store
	if w.cfg.Ledger != nil {
		blobs = w.cfg.Ledger.Blobs()
	}
	var s *crl.Series
	if blobs != nil {
		if s, err = profile.StoredCRLs(ctx, w.cfg.Store, blobs); err != nil {
			return err
		}
	}
	stops, err := w.cfg.Store.IssuanceStops(ctx)
	if err != nil {
		return err
	}
	if f.Reason == "" {
		f.Reason = "unspecified"
	}
	data := revocationsPage{Requests: profile.RequestStatuses(m, reqs, s, false), Stops: stops, Services: m.Services,
		Reasons: evident.RevocationReasons, Form: f, StopForm: sf}
	if s != nil {
		data.CRLs = len(s.CRLs)
	}
	w.render(rw, r, status, "revocations.html", page{Title: "Revocations", Nav: "revocations", Data: data})
	return nil
}

// AddRevocation records a revocation request through the store method
// `evident revocation request` and the API use.
func (w *Web) AddRevocation() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		actor, err := w.actor(r)
		if err != nil {
			return err
		}
		f := revocationForm{Serial: strings.TrimSpace(r.PostFormValue("serial")), Reason: r.PostFormValue("reason"),
			Service: r.PostFormValue("service"), Received: r.PostFormValue("received"), SubordinateCA: r.PostFormValue("subordinate_ca") == "on"}
		q := evident.RevocationRequest{Serial: f.Serial, Reason: f.Reason, Service: f.Service, SubordinateCA: f.SubordinateCA, Actor: actor}
		if f.Received != "" {
			q.ReceivedAt, err = parseFormTime("received", f.Received)
		}
		if err == nil {
			_, err = w.cfg.Store.AddRevocationRequest(r.Context(), q)
		}
		if err != nil {
			if evident.ErrorCode(err) == evident.EINTERNAL {
				return err
			}
			f.Error = evident.ErrorMessage(err)
			return w.revocations(rw, r, api.Status(err), f, stopForm{})
		}
		http.Redirect(rw, r, "/revocations#requests", http.StatusSeeOther)
		return nil
	})
}

// AddIssuanceStop records an issuance stop through the store method
// `evident issuance stop` and the API use.
func (w *Web) AddIssuanceStop() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		actor, err := w.actor(r)
		if err != nil {
			return err
		}
		f := stopForm{Service: r.PostFormValue("service"), From: r.PostFormValue("from"), To: r.PostFormValue("to"), Reason: r.PostFormValue("reason")}
		st := evident.IssuanceStop{Service: f.Service, Reason: f.Reason, Actor: actor}
		st.From, err = parseFormTime("from", f.From)
		if err == nil && strings.TrimSpace(f.To) != "" {
			var to time.Time
			to, err = parseFormTime("to", f.To)
			st.To = to
		}
		if err == nil {
			_, err = w.cfg.Store.AddIssuanceStop(r.Context(), st)
		}
		if err != nil {
			if evident.ErrorCode(err) == evident.EINTERNAL {
				return err
			}
			f.Error = evident.ErrorMessage(err)
			return w.revocations(rw, r, api.Status(err), revocationForm{}, f)
		}
		http.Redirect(rw, r, "/revocations#stops", http.StatusSeeOther)
		return nil
	})
}
