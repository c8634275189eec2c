package web

import (
	"net/http"
	"strings"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/api"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/notify"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// notificationsPage is the user's notification settings and, for an
// admin, the webhook endpoints.
type notificationsPage struct {
	Prefs        []prefRow
	Channels     []string
	Saved        bool
	Error        string
	Endpoints    []sqlstore.NotifyEndpoint
	Kinds        []string
	NewSecret    string // shown once, right after an endpoint was added
	EndpointForm endpointForm
}

type prefRow struct{ Event, Channel string }

type endpointForm struct {
	ID, URL, Events, Error string
}

// Notifications shows the signed-in user's channel for each event kind.
func (w *Web) Notifications() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		return w.notifications(rw, r, http.StatusOK, notificationsPage{Saved: r.URL.Query().Get("saved") != ""})
	})
}

func (w *Web) notifications(rw http.ResponseWriter, r *http.Request, status int, data notificationsPage) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	prefs, err := notify.Preferences(r.Context(), w.cfg.Store, p.User.Name)
	if err != nil {
		return err
	}
	for _, k := range notify.Kinds {
		data.Prefs = append(data.Prefs, prefRow{Event: k, Channel: prefs[k]})
	}
	data.Channels = []string{notify.ChannelEmail, notify.ChannelDigest, notify.ChannelOff}
	data.Kinds = notify.Kinds
	if p.Can(auth.ManageUsers) {
		if data.Endpoints, err = w.cfg.Store.NotifyEndpoints(r.Context()); err != nil {
			return err
		}
	}
	w.render(rw, r, status, "notifications.html", page{Title: "Notifications", Nav: "notifications", Data: data})
	return nil
}

// SavePreferences stores the user's choices from the form; one bad value
// stores none.
func (w *Web) SavePreferences() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		choices := map[string]string{}
		for _, k := range notify.Kinds {
			if v := r.PostFormValue(k); v != "" {
				choices[k] = v
			}
		}
		if err := notify.SetPreferences(r.Context(), w.cfg.Store, p.User.Name, choices); err != nil {
			if evident.ErrorCode(err) == evident.EINTERNAL {
				return err
			}
			return w.notifications(rw, r, api.Status(err), notificationsPage{Error: evident.ErrorMessage(err)})
		}
		http.Redirect(rw, r, "/settings/notifications?saved=1", http.StatusSeeOther)
		return nil
	})
}

// AddEndpoint adds a webhook endpoint and shows its secret once.
func (w *Web) AddEndpoint() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		actor, err := w.actor(r)
		if err != nil {
			return err
		}
		f := endpointForm{ID: strings.TrimSpace(r.PostFormValue("id")), URL: strings.TrimSpace(r.PostFormValue("url")), Events: r.PostFormValue("events")}
		var events []string
		for _, e := range strings.Split(f.Events, ",") {
			if e = strings.TrimSpace(e); e != "" {
				events = append(events, e)
			}
		}
		e, err := notify.AddEndpoint(r.Context(), w.cfg.Store, f.ID, f.URL, events, actor)
		if err != nil {
			if evident.ErrorCode(err) == evident.EINTERNAL {
				return err
			}
			f.Error = evident.ErrorMessage(err)
			return w.notifications(rw, r, api.Status(err), notificationsPage{EndpointForm: f})
		}
		rw.Header().Set("Cache-Control", "no-store")
		return w.notifications(rw, r, http.StatusCreated, notificationsPage{NewSecret: e.Secret})
	})
}

// EnableEndpoint clears a failed endpoint's mark once its receiver is
// mended.
func (w *Web) EnableEndpoint() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		actor, err := w.actor(r)
		if err != nil {
			return err
		}
		if err := w.cfg.Store.EnableEndpoint(r.Context(), r.PathValue("id"), actor); err != nil {
			return err
		}
		http.Redirect(rw, r, "/settings/notifications", http.StatusSeeOther)
		return nil
	})
}
