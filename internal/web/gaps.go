package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/evidenthq/evident/internal/readiness"
)

// gapsPage is what the program is missing, as `evident gaps` lists it,
// optionally narrowed to one kind.
type gapsPage struct {
	Gaps  []readiness.Gap
	Total int
	Kind  string
	Kinds []kindCount
}

// kindCount is one gap kind with the number of open gaps of it.
type kindCount struct {
	Kind string
	N    int
}

// Gaps lists the program's open gaps with the requirements each keeps
// from being verified. The list is the status report's own, so the page,
// the dashboard's count, `evident gaps` and the API agree.
func (w *Web) Gaps() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		pr, err := w.state(r.Context(), time.Time{})
		if err != nil {
			return err
		}
		kind := r.URL.Query().Get("kind")
		if kind != "" && !slices.Contains(readiness.GapKinds, readiness.GapKind(kind)) {
			kind = ""
		}
		data := gapsPage{Total: len(pr.Report.Gaps), Kind: kind}
		counts := map[readiness.GapKind]int{}
		for _, g := range pr.Report.Gaps {
			counts[g.Kind]++
			if kind == "" || string(g.Kind) == kind {
				data.Gaps = append(data.Gaps, g)
			}
		}
		for _, k := range readiness.GapKinds {
			if counts[k] > 0 {
				data.Kinds = append(data.Kinds, kindCount{string(k), counts[k]})
			}
		}
		w.render(rw, r, http.StatusOK, "gaps.html", page{Title: "Gaps", Nav: "gaps", Data: data})
		return nil
	})
}

// gapHref links a gap's object to the page that shows it.
func gapHref(g readiness.Gap) string {
	switch g.Section {
	case "controls":
		return "/controls/" + g.ID
	case "policies":
		return "/policies/" + g.ID
	case "risks":
		return "/risks#risk-" + g.ID
	case "treatments", "acceptances":
		return "/risks#register"
	case "requirements":
		return "/catalog/" + g.ID
	case "suppliers":
		return "/scope#supplier-" + g.ID
	case "services":
		return "/scope#service-" + g.ID
	case "systems":
		return "/scope#system-" + g.ID
	}
	return ""
}
