package api

import (
	"net/http"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// principal returns the request's principal; routes behind a permission
// other than Public always have one.
func principal(r *http.Request) (auth.Principal, error) {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		return p, evident.Errorf(evident.EUNAUTHORIZED, "sign in or send an API token")
	}
	return p, nil
}

// me is who the caller is, and through what.
type me struct {
	evident.User
	Actor string             `json:"actor"`
	Token *sqlstore.APIToken `json:"token,omitempty"`
}

// Me returns the caller's user, role, controls and period.
func (a *API) Me() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, me{User: p.User, Actor: p.Actor(), Token: p.Token})
	})
}

// Users lists users by name.
func (a *API) Users() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		pg, err := parsePage(r)
		if err != nil {
			return err
		}
		us, err := a.cfg.Store.Users(r.Context(), pg.after, pg.limit+1)
		if err != nil {
			return err
		}
		out := List[evident.User]{Items: us}
		if len(us) > pg.limit {
			out.Items = us[:pg.limit]
			out.NextCursor = encodeCursor(us[pg.limit-1].Name)
		}
		if out.Items == nil {
			out.Items = []evident.User{}
		}
		return writeJSON(w, http.StatusOK, out)
	})
}

// User shows one user.
func (a *API) User() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		u, err := a.cfg.Store.User(r.Context(), r.PathValue("name"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, u)
	})
}

// userRequest is the body of POST /users and PUT /users/{name}/role.
type userRequest struct {
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name"`
	Email       string    `json:"email"`
	Role        string    `json:"role"`
	Password    string    `json:"password"`
	Controls    []string  `json:"controls"`
	PeriodFrom  time.Time `json:"period_from"`
	PeriodTo    time.Time `json:"period_to"`
}

func (q userRequest) user() (evident.User, error) {
	role, err := evident.ParseRole(q.Role)
	if err != nil {
		return evident.User{}, evident.ErrorAt(evident.EINVALID, "role", "%s", evident.ErrorMessage(err))
	}
	return evident.User{Name: q.Name, DisplayName: q.DisplayName, Email: q.Email, Role: role, Controls: q.Controls,
		PeriodFrom: q.PeriodFrom.UTC(), PeriodTo: q.PeriodTo.UTC()}, nil
}

// CreateUser adds a user. A password is optional: a pipeline's user only
// needs tokens.
func (a *API) CreateUser() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var q userRequest
		if err := decodeJSON(r, &q); err != nil {
			return err
		}
		u, err := q.user()
		if err != nil {
			return err
		}
		hash := ""
		if q.Password != "" {
			if hash, err = auth.HashPassword(q.Password); err != nil {
				return err
			}
		}
		if err := a.cfg.Store.CreateUser(r.Context(), u, hash, p.Actor()); err != nil {
			return err
		}
		u, err = a.cfg.Store.User(r.Context(), u.Name)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, u)
	})
}

// SetRole changes a user's role, controls and period.
func (a *API) SetRole() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var q userRequest
		if err := decodeJSON(r, &q); err != nil {
			return err
		}
		if q.Password != "" || q.DisplayName != "" || q.Email != "" {
			return evident.ErrorAt(evident.EINVALID, "body", "this changes role, controls and period only")
		}
		if q.Name != "" && q.Name != r.PathValue("name") {
			return evident.ErrorAt(evident.EINVALID, "name", "body names %q but the path %q", q.Name, r.PathValue("name"))
		}
		q.Name = r.PathValue("name")
		u, err := q.user()
		if err != nil {
			return err
		}
		if u.Name == p.User.Name && u.Role != evident.RoleAdmin {
			return evident.Errorf(evident.ECONFLICT, "an admin cannot take away their own admin role: ask another admin")
		}
		if err := a.cfg.Store.SetUserRole(r.Context(), u, p.Actor()); err != nil {
			return err
		}
		u, err = a.cfg.Store.User(r.Context(), u.Name)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, u)
	})
}

// Tokens lists the caller's tokens.
func (a *API) Tokens() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		pg, err := parsePage(r)
		if err != nil {
			return err
		}
		ts, err := a.cfg.Store.Tokens(r.Context(), p.User.Name)
		if err != nil {
			return err
		}
		list, err := pageOf(ts, pg, func(t sqlstore.APIToken) string { return t.ID })
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, list)
	})
}

// tokenRequest is the body of POST /tokens.
type tokenRequest struct {
	Name      string    `json:"name"`
	User      string    `json:"user"` // admins may create tokens for others
	ExpiresAt time.Time `json:"expires_at"`
}

// NewToken is the answer to a token creation: the only time the token
// itself is ever shown.
type NewToken struct {
	sqlstore.APIToken
	Token string `json:"token"`
}

// CreateToken creates an API token for the caller (or, for an admin, for
// the user named). A token never has more rights than its user: it acts
// as the user, with the user's current role.
func (a *API) CreateToken() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var q tokenRequest
		if err := decodeJSON(r, &q); err != nil {
			return err
		}
		if q.User == "" {
			q.User = p.User.Name
		}
		if q.User != p.User.Name && !p.Can(auth.ManageUsers) {
			return evident.Errorf(evident.EFORBIDDEN, "only an admin creates tokens for another user")
		}
		if !q.ExpiresAt.IsZero() && !q.ExpiresAt.After(a.cfg.Store.Now()) {
			return evident.ErrorAt(evident.EINVALID, "expires_at", "expiry %s is in the past", evident.UTC(q.ExpiresAt))
		}
		plain, hash := auth.NewToken()
		t, err := a.cfg.Store.CreateToken(r.Context(), sqlstore.APIToken{User: q.User, Name: q.Name, ExpiresAt: q.ExpiresAt.UTC()}, hash, p.Actor())
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return writeJSON(w, http.StatusCreated, NewToken{APIToken: t, Token: plain})
	})
}

// RevokeToken revokes a token of the caller's, or any as admin.
func (a *API) RevokeToken() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		t, err := a.cfg.Store.Token(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		if t.User != p.User.Name && !p.Can(auth.ManageUsers) {
			// Not found rather than forbidden: other users' token ids are
			// none of the caller's business.
			return evident.Errorf(evident.ENOTFOUND, "no API token %q", t.ID)
		}
		if err := a.cfg.Store.RevokeToken(r.Context(), t.ID, p.Actor()); err != nil {
			return err
		}
		t, err = a.cfg.Store.Token(r.Context(), t.ID)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, t)
	})
}
