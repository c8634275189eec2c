package api

import (
	"net/http"
	"strconv"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
)

// kind is one kind of program object as the API lists and shows it, the
// same kinds as `evident list KIND`.
type kind struct {
	name string
	desc string
	list func(m *evident.Model) []keyed
}

// keyed is a program object with the id it is paged and looked up by.
type keyed struct {
	id  string
	obj any
}

func keyedOf[T any](xs []T, id func(*T) string) []keyed {
	out := make([]keyed, len(xs))
	for i := range xs {
		out[i] = keyed{id(&xs[i]), xs[i]}
	}
	return out
}

// kinds lists the program's object kinds in the order of the model.
var kinds = []kind{
	{"services", "trust services in scope", func(m *evident.Model) []keyed {
		return keyedOf(m.Services, func(x *evident.Service) string { return x.ID })
	}},
	{"systems", "systems and assets", func(m *evident.Model) []keyed {
		return keyedOf(m.Systems, func(x *evident.System) string { return x.ID })
	}},
	{"zones", "network zones and their allowed flows", func(m *evident.Model) []keyed { return keyedOf(m.Zones, func(x *evident.Zone) string { return x.ID }) }},
	{"suppliers", "suppliers and their obligations", func(m *evident.Model) []keyed {
		return keyedOf(m.Suppliers, func(x *evident.Supplier) string { return x.ID })
	}},
	{"roles", "roles in the organisation, trusted roles marked", func(m *evident.Model) []keyed { return keyedOf(m.Roles, func(x *evident.Role) string { return x.ID }) }},
	{"people", "people and the roles they hold", func(m *evident.Model) []keyed {
		return keyedOf(m.People, func(x *evident.Person) string { return x.ID })
	}},
	{"risks", "the risk register", func(m *evident.Model) []keyed { return keyedOf(m.Risks, func(x *evident.Risk) string { return x.ID }) }},
	{"treatments", "risk treatments and the controls and policies they need", func(m *evident.Model) []keyed {
		return keyedOf(m.Treatments, func(x *evident.Treatment) string { return x.ID })
	}},
	{"acceptances", "residual-risk acceptances", func(m *evident.Model) []keyed {
		return keyedOf(m.Acceptances, func(x *evident.Acceptance) string { return x.ID })
	}},
	{"controls", "controls with method and cadence", func(m *evident.Model) []keyed {
		return keyedOf(m.Controls, func(x *evident.Control) string { return x.ID })
	}},
	{"policies", "policies with versions and approvals", func(m *evident.Model) []keyed {
		return keyedOf(m.Policies, func(x *evident.Policy) string { return x.ID })
	}},
	{"soa", "statement of applicability, by requirement", func(m *evident.Model) []keyed {
		return keyedOf(m.SoA, func(x *evident.Applicability) string { return x.Requirement.String() })
	}},
}

// programRoutes are a list and a show route per kind.
func (a *API) programRoutes() []Route {
	var rs []Route
	for _, k := range kinds {
		rs = append(rs,
			Route{Method: "GET", Path: "/api/v1/program/" + k.name, Perm: auth.Read, Tag: "program", List: true, Summary: "list " + k.desc, Handler: a.listKind(k)},
			Route{Method: "GET", Path: "/api/v1/program/" + k.name + "/{id}", Perm: auth.Read, Tag: "program", Summary: "show one of " + k.desc, Handler: a.showKind(k)},
		)
	}
	return rs
}

func (a *API) listKind(k kind) http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		pg, err := parsePage(r)
		if err != nil {
			return err
		}
		m, err := a.programModel(r.Context())
		if err != nil {
			return err
		}
		key := k.name + " " + strconv.Itoa(pg.limit) + " " + pg.after
		return a.modelPages.serve(w, m, key, func() (any, error) {
			list, err := pageOf(k.list(m), pg, func(x keyed) string { return x.id })
			if err != nil {
				return nil, err
			}
			out := List[any]{Items: make([]any, len(list.Items)), NextCursor: list.NextCursor}
			for i, x := range list.Items {
				out.Items[i] = x.obj
			}
			return out, nil
		})
	})
}

func (a *API) showKind(k kind) http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		m, err := a.programModel(r.Context())
		if err != nil {
			return err
		}
		id := r.PathValue("id")
		for _, x := range k.list(m) {
			if x.id == id {
				return writeJSON(w, http.StatusOK, x.obj)
			}
		}
		return evident.Errorf(evident.ENOTFOUND, "no %s %q in the program", k.name, id)
	})
}

// Program returns the program row.
func (a *API) Program() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := a.cfg.Store.Program(r.Context())
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, p)
	})
}
