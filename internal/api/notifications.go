package api

import (
	"net/http"

	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/notify"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// notificationRoutes let each user choose how notifications reach them,
// and an admin point webhooks somewhere and read their delivery log.
func (a *API) notificationRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/me/notifications", Perm: auth.Self, Tag: "notifications",
			Summary: "your channel (email, digest or off) for every event kind", Handler: a.Preferences()},
		{Method: "PUT", Path: "/api/v1/me/notifications", Perm: auth.Self, Tag: "notifications", Body: "application/json",
			Summary: "set your channel for some event kinds: {\"clock-half\": \"digest\"}; kinds not named keep theirs", Handler: a.SetPreferences()},
		{Method: "GET", Path: "/api/v1/notify/deliveries", Perm: auth.ManageUsers, Tag: "notifications",
			Summary: "every notification recorded, e-mail and webhook, oldest first (the last 1000)",
			Query:   []Param{{"state", "pending, queued, sending, sent or failed"}, {"channel", "email, digest or webhook"}, {"recipient", "a user name, or endpoint:ID"}},
			Handler: a.Deliveries()},
		{Method: "GET", Path: "/api/v1/notify/endpoints", Perm: auth.ManageUsers, Tag: "notifications",
			Summary: "webhook endpoints (never their secrets), with when each was marked failed", Handler: a.Endpoints()},
		{Method: "POST", Path: "/api/v1/notify/endpoints", Perm: auth.ManageUsers, Tag: "notifications", Body: "application/json", Status: 201,
			Summary: "add a webhook endpoint {id, url, events}; its signing secret is in this response only", Handler: a.AddEndpoint()},
		{Method: "POST", Path: "/api/v1/notify/endpoints/{id}/enable", Perm: auth.ManageUsers, Tag: "notifications",
			Summary: "clear an endpoint's failed mark once its receiver is mended; it receives new events again", Handler: a.EnableEndpoint()},
		{Method: "GET", Path: "/api/v1/notify/endpoints/{id}/deliveries", Perm: auth.ManageUsers, Tag: "notifications",
			Summary: "an endpoint's delivery log: each delivery with its attempts and HTTP statuses", Handler: a.EndpointLog()},
	}
}

// Preferences writes the caller's notification preferences.
func (a *API) Preferences() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		prefs, err := notify.Preferences(r.Context(), a.cfg.Store, p.User.Name)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, prefs)
	})
}

// SetPreferences stores the caller's choices and answers with all of them.
func (a *API) SetPreferences() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var choices map[string]string
		if err := decodeJSON(r, &choices); err != nil {
			return err
		}
		if err := notify.SetPreferences(r.Context(), a.cfg.Store, p.User.Name, choices); err != nil {
			return err
		}
		prefs, err := notify.Preferences(r.Context(), a.cfg.Store, p.User.Name)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, prefs)
	})
}

// Endpoints lists the webhook endpoints without their secrets.
func (a *API) Endpoints() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		es, err := a.cfg.Store.NotifyEndpoints(r.Context())
		if err != nil {
			return err
		}
		out := List[sqlstore.NotifyEndpoint]{Items: []sqlstore.NotifyEndpoint{}}
		for _, e := range es {
			e.Secret = ""
			out.Items = append(out.Items, e)
		}
		return writeJSON(w, http.StatusOK, out)
	})
}

type endpointRequest struct {
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// AddEndpoint adds a webhook endpoint and shows its secret once.
func (a *API) AddEndpoint() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var q endpointRequest
		if err := decodeJSON(r, &q); err != nil {
			return err
		}
		e, err := notify.AddEndpoint(r.Context(), a.cfg.Store, q.ID, q.URL, q.Events, p.Actor())
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return writeJSON(w, http.StatusCreated, e)
	})
}

// EndpointLog writes an endpoint's last 100 deliveries with their attempts.
func (a *API) EndpointLog() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		log, err := notify.Log(r.Context(), a.cfg.Store, r.PathValue("id"), 100)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, List[notify.EndpointLog]{Items: log})
	})
}

// EnableEndpoint clears an endpoint's failed mark and writes the endpoint.
func (a *API) EnableEndpoint() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		id := r.PathValue("id")
		if err := a.cfg.Store.EnableEndpoint(r.Context(), id, p.Actor()); err != nil {
			return err
		}
		e, err := a.cfg.Store.NotifyEndpoint(r.Context(), id)
		if err != nil {
			return err
		}
		e.Secret = ""
		return writeJSON(w, http.StatusOK, e)
	})
}

// Deliveries writes the recorded notifications matching the query.
func (a *API) Deliveries() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		ds, err := a.cfg.Store.Deliveries(r.Context(), sqlstore.DeliveryFilter{State: q.Get("state"), Channel: q.Get("channel"),
			Recipient: q.Get("recipient"), Last: 1000})
		if err != nil {
			return err
		}
		if ds == nil {
			ds = []sqlstore.Delivery{}
		}
		return writeJSON(w, http.StatusOK, List[sqlstore.Delivery]{Items: ds})
	})
}
