package api

import (
	"net/http"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/profile"
)

// revocationRoutes are the revocation requests and issuance stops, the
// records EN 319 411-1, EN 319 421 and the CA/B Forum clocks run from;
// they write through the same store methods as `evident revocation
// request` and `evident issuance stop`.
func (a *API) revocationRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/revocations", Perm: auth.Read, Tag: "revocations", List: true,
			Summary: "revocation requests by time received, each with its clocks judged against the CRLs imported with a verified signature", Handler: a.Revocations()},
		{Method: "POST", Path: "/api/v1/revocations", Perm: auth.Operate, Tag: "revocations", Body: "application/json", Status: 201,
			Summary: "record a revocation request as received (serial in hex, RFC 5280 reason, service, subordinate_ca, received_at)", Handler: a.AddRevocation()},
		{Method: "GET", Path: "/api/v1/issuance-stops", Perm: auth.Read, Tag: "revocations", List: true, Summary: "recorded issuance stops of time-stamping units, by start", Handler: a.IssuanceStops()},
		{Method: "POST", Path: "/api/v1/issuance-stops", Perm: auth.Operate, Tag: "revocations", Body: "application/json", Status: 201,
			Summary: "record that a time-stamping unit stopped issuing (service, from, to, reason)", Handler: a.AddIssuanceStop()},
	}
}

// revocationView is a request with its checks and their sum.
type revocationView struct {
	profile.RequestStatus
	Verdict string `json:"verdict"` // pass, pending or fail
}

// Revocations lists the requests with their checks now.
func (a *API) Revocations() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		pg, err := parsePage(r)
		if err != nil {
			return err
		}
		vs, err := a.revocationViews(r)
		if err != nil {
			return err
		}
		list, err := pageOf(vs, pg, func(v revocationView) string { return v.Request.ID })
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, list)
	})
}

func (a *API) revocationViews(r *http.Request) ([]revocationView, error) {
	ctx := r.Context()
	m, err := a.cfg.Store.Model(ctx)
	if err != nil {
		return nil, err
	}
	reqs, err := a.cfg.Store.RevocationRequests(ctx)
	if err != nil {
		return nil, err
	}
	s, err := profile.StoredCRLs(ctx, a.cfg.Store, a.cfg.Ledger.Blobs())
	if err != nil {
		return nil, err
	}
	out := []revocationView{}
	for _, st := range profile.RequestStatuses(m, reqs, s, false) {
		out = append(out, revocationView{st, st.Verdict()})
	}
	return out, nil
}

// AddRevocation records a request; the server sets its id, recording
// time and actor.
func (a *API) AddRevocation() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var q evident.RevocationRequest
		if err := decodeJSON(r, &q); err != nil {
			return err
		}
		if q.ID != "" || !q.RecordedAt.IsZero() || q.Actor != "" {
			return evident.ErrorAt(evident.EINVALID, "body", "id, recorded_at and actor are set by the server")
		}
		q.Actor = p.Actor()
		q, err = a.cfg.Store.AddRevocationRequest(r.Context(), q)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, q)
	})
}

// IssuanceStops lists the recorded stops.
func (a *API) IssuanceStops() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		pg, err := parsePage(r)
		if err != nil {
			return err
		}
		ss, err := a.cfg.Store.IssuanceStops(r.Context())
		if err != nil {
			return err
		}
		list, err := pageOf(ss, pg, func(s evident.IssuanceStop) string { return s.ID })
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, list)
	})
}

// AddIssuanceStop records a stop; the server sets its id, recording time
// and actor.
func (a *API) AddIssuanceStop() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var s evident.IssuanceStop
		if err := decodeJSON(r, &s); err != nil {
			return err
		}
		if s.ID != "" || !s.RecordedAt.IsZero() || s.Actor != "" {
			return evident.ErrorAt(evident.EINVALID, "body", "id, recorded_at and actor are set by the server")
		}
		s.Actor = p.Actor()
		s, err = a.cfg.Store.AddIssuanceStop(r.Context(), s)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, s)
	})
}
