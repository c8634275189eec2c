package web

import (
	"net/http"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/api"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// accountPage is the signed-in user's own page: their second factor,
// and enrolment in one when it is missing.
type accountPage struct {
	Name         string
	Role         string
	Enrolled     time.Time
	Required     bool
	MustEnrol    bool // this session may do nothing else until enrolled
	RecoveryLeft int
	// Pending is an enrolment waiting for its first code.
	Pending *auth.Enrolment
	// RecoveryCodes are shown once, right after enrolment.
	RecoveryCodes []string
	Error         string
	// Passkeys are the user's registered passkeys.
	Passkeys []sqlstore.Passkey
}

// Account shows the user's second factor: when they enrolled and how many
// recovery codes are left, or how to enrol.
func (w *Web) Account() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		data, err := w.account(r)
		if err != nil {
			return err
		}
		w.render(rw, r, http.StatusOK, "account.html", page{Title: "Your account", Nav: "account", Data: data})
		return nil
	})
}

// account reads what the account page shows, with a pending enrolment.
func (w *Web) account(r *http.Request) (accountPage, error) {
	p, err := principal(r)
	if err != nil {
		return accountPage{}, err
	}
	m, err := w.cfg.Store.UserMFA(r.Context(), p.User.Name)
	if err != nil {
		return accountPage{}, err
	}
	data := accountPage{Name: p.User.Name, Role: string(p.User.Role), Enrolled: m.EnrolledAt, Required: m.Required,
		MustEnrol: p.MustEnrolMFA, RecoveryLeft: m.RecoveryLeft}
	if data.Passkeys, err = w.cfg.Store.Passkeys(r.Context(), p.User.Name); err != nil {
		return accountPage{}, err
	}
	e, ok, err := w.cfg.Auth.PendingMFA(r.Context(), p.User.Name)
	if ok {
		data.Pending = &e
	}
	return data, err
}

// BeginMFA makes a new secret and shows it, as text and as an otpauth://
// URI, with the form that confirms it by a first code.
func (w *Web) BeginMFA() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		if _, err := w.cfg.Auth.BeginMFA(r.Context(), p.User.Name); err != nil {
			return err
		}
		data, err := w.account(r)
		if err != nil {
			return err
		}
		w.render(rw, r, http.StatusOK, "account.html", page{Title: "Set up a second factor", Nav: "account", Data: data})
		return nil
	})
}

// ConfirmMFA enrols the user once their first code matches and shows the
// recovery codes, this once. A wrong code shows the same secret again.
func (w *Web) ConfirmMFA() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		codes, cerr := w.cfg.Auth.ConfirmMFA(r.Context(), p.User.Name, auth.ClientAddr(r), r.PostFormValue("code"))
		data, err := w.account(r)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if cerr != nil {
			if status = api.Status(cerr); status == 0 || status == http.StatusInternalServerError {
				return cerr
			}
			data.Error = evident.ErrorMessage(cerr)
		} else {
			// Enrolled in this very session: it is no longer held back.
			data.MustEnrol, data.RecoveryCodes = false, codes
		}
		w.render(rw, r, status, "account.html", page{Title: "Your account", Nav: "account", Data: data})
		return nil
	})
}
