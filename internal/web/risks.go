package web

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/readiness"
)

// heatCell is one likelihood x impact square of the heat map.
type heatCell struct {
	X, Y       int // SVG position of the square's corner
	TX, TY     int // where the count is written
	Likelihood int
	Impact     int
	Count      int
	Band       int // 1 (low) .. 6 (critical), the square's colour
	Href       string
	Selected   bool
}

// heatMap is the risk register drawn as likelihood x impact squares with
// the number of risks in each.
type heatMap struct {
	// Caption, Title and TitleID name the map (inherent or residual) to
	// readers and to assistive technology.
	Caption, Title, TitleID string
	Cells                   []heatCell
	Size                    int // side of one square
	Width, Height           int
	Ticks                   []int
	LabelY                  []heatTick
	LabelX                  []heatTick
}

type heatTick struct {
	X, Y int
	N    int
}

// band groups scores into the six colours of the map. The cut points put
// a 5 x 5 register's 25 squares into the usual low..critical bands.
func band(score int) int {
	switch {
	case score <= 2:
		return 1
	case score <= 4:
		return 2
	case score <= 8:
		return 3
	case score <= 12:
		return 4
	case score <= 16:
		return 5
	default:
		return 6
	}
}

// placed is where a risk sits on the inherent map, or on the residual
// one: its rating after treatment, or its inherent one while it has none
// (as Risk.Residual scores it).
func placed(r evident.Risk, residual bool) (likelihood, impact int) {
	if residual && r.ResidualLikelihood != 0 && r.ResidualImpact != 0 {
		return r.ResidualLikelihood, r.ResidualImpact
	}
	return r.Likelihood, r.Impact
}

// buildHeatMap counts risks by their inherent likelihood and impact, or
// by their residual ones; a square links to the register filtered by it.
func buildHeatMap(risks []evident.Risk, scale evident.Scale, selL, selI int, residual bool) heatMap {
	const size, margin = 56, 40
	h := heatMap{Size: size, Width: margin + scale.Impact*size + 4, Height: scale.Likelihood*size + margin}
	counts := map[[2]int]int{}
	for _, r := range risks {
		l, i := placed(r, residual)
		counts[[2]int{l, i}]++
	}
	which := ""
	h.Caption, h.TitleID = "Inherent", "heat-title"
	h.Title = "Inherent: risks by likelihood (vertical) and impact (horizontal)"
	if residual {
		which = "&map=residual"
		h.Caption, h.TitleID = "Residual", "heat-residual-title"
		h.Title = "Residual, after treatment: risks by likelihood (vertical) and impact (horizontal)"
	}
	for l := scale.Likelihood; l >= 1; l-- {
		y := (scale.Likelihood - l) * size
		h.LabelY = append(h.LabelY, heatTick{X: margin - 8, Y: y + size/2 + 4, N: l})
		for i := 1; i <= scale.Impact; i++ {
			h.Cells = append(h.Cells, heatCell{
				X: margin + (i-1)*size, Y: y, TX: margin + (i-1)*size + size/2, TY: y + size/2 + 5,
				Likelihood: l, Impact: i,
				Count: counts[[2]int{l, i}], Band: band(l * i),
				Href:     fmt.Sprintf("/risks?likelihood=%d&impact=%d%s#register", l, i, which),
				Selected: l == selL && i == selI,
			})
		}
	}
	for i := 1; i <= scale.Impact; i++ {
		h.LabelX = append(h.LabelX, heatTick{X: margin + (i-1)*size + size/2, Y: scale.Likelihood*size + 16, N: i})
	}
	return h
}

// riskRow is one risk with its treatments and acceptances, whether the
// controls treating it are shown to work, and its open gaps.
type riskRow struct {
	evident.Risk
	Treatments  []treatmentRow
	Acceptances []acceptanceRow
	Gaps        []readiness.Gap
}

// treatmentRow is a treatment with the state of each control it relies on.
type treatmentRow struct {
	evident.Treatment
	States []controlState
}

// controlState is a treating control and whether it is shown to work.
type controlState struct {
	ID    string
	State readiness.TreatmentState
}

type acceptanceRow struct {
	evident.Acceptance
	Expired bool
}

type risksPage struct {
	Appetite int
	Heat     heatMap
	// ResidualHeat places the risks by their rating after treatment.
	ResidualHeat heatMap
	// Residual says the selected square is on the residual map.
	Residual bool
	// ByRegister keeps the register's own order instead of the default,
	// highest residual score first.
	ByRegister bool
	Rows       []riskRow
	Total      int
	Likelihood int
	Impact     int
}

// Risks shows the risk register: a likelihood x impact heat map whose
// squares filter the register, and each risk with its treatment decision,
// the controls and policies that treat it, and any residual-risk
// acceptance with its approver and expiry. Each treating control shows
// whether it is shown to work (a failing or missing one is a gap), and
// each risk its open gaps: above the appetite, a target not reached.
func (w *Web) Risks() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		selL, err := intParam(r, "likelihood")
		if err != nil {
			return err
		}
		selI, err := intParam(r, "impact")
		if err != nil {
			return err
		}
		residual := false
		switch r.URL.Query().Get("map") {
		case "", "inherent":
		case "residual":
			residual = true
		default:
			return evident.ErrorAt(evident.EINVALID, "map", "want inherent or residual")
		}
		byRegister := false
		switch r.URL.Query().Get("sort") {
		case "", "score":
		case "register":
			byRegister = true
		default:
			return evident.ErrorAt(evident.EINVALID, "sort", "want score or register")
		}
		pr, err := w.state(r.Context(), time.Time{})
		if err != nil {
			return err
		}
		m := pr.In.Model
		now := pr.In.At
		fresh := map[string]evident.Freshness{}
		for _, c := range pr.Report.Controls {
			fresh[c.ID] = c.Freshness
		}
		inhL, inhI, resL, resI := selL, selI, 0, 0
		if residual {
			inhL, inhI, resL, resI = 0, 0, selL, selI
		}
		data := risksPage{Appetite: m.Program.RiskAppetite, Heat: buildHeatMap(m.Risks, evident.DefaultScale, inhL, inhI, false),
			ResidualHeat: buildHeatMap(m.Risks, evident.DefaultScale, resL, resI, true), Residual: residual, ByRegister: byRegister,
			Total: len(m.Risks), Likelihood: selL, Impact: selI}
		risks := slices.Clone(m.Risks)
		if !byRegister {
			slices.SortStableFunc(risks, func(a, b evident.Risk) int {
				return cmp.Or(cmp.Compare(b.Residual(), a.Residual()), cmp.Compare(b.Likelihood*b.Impact, a.Likelihood*a.Impact))
			})
		}
		for _, risk := range risks {
			l, i := placed(risk, residual)
			if (selL != 0 && l != selL) || (selI != 0 && i != selI) {
				continue
			}
			row := riskRow{Risk: risk}
			for _, t := range m.Treatments {
				if t.Risk != risk.ID {
					continue
				}
				tr := treatmentRow{Treatment: t}
				for _, c := range t.Controls {
					tr.States = append(tr.States, controlState{ID: c, State: readiness.ControlState(pr.In, c, fresh[c])})
				}
				row.Treatments = append(row.Treatments, tr)
			}
			for _, a := range m.Acceptances {
				if a.Risk == risk.ID {
					row.Acceptances = append(row.Acceptances, acceptanceRow{Acceptance: a, Expired: a.Expired(now)})
				}
			}
			for _, g := range pr.Report.Gaps {
				if (g.Section == "risks" && g.ID == risk.ID) || (g.Section == "treatments" && m.TreatmentByID(g.ID) != nil && m.TreatmentByID(g.ID).Risk == risk.ID) {
					row.Gaps = append(row.Gaps, g)
				}
			}
			data.Rows = append(data.Rows, row)
		}
		w.render(rw, r, http.StatusOK, "risks.html", page{Title: "Risk register", Nav: "risks", Data: data})
		return nil
	})
}

// intParam reads an optional small positive integer query parameter.
func intParam(r *http.Request, name string) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1000 {
		return 0, evident.ErrorAt(evident.EINVALID, name, "%q is not a number from 1 to 1000", s)
	}
	return n, nil
}
