package web

import (
	"net/http"

	"github.com/evidenthq/evident"
)

// statusSeries are the readiness states of a requirement, best first, with
// the colours the charts and badges use.
var statusSeries = []series{
	{"verified", "Verified"},
	{"implemented", "Implemented"},
	{"planned", "Planned"},
	{"failing", "Failing"},
	{"not-addressed", "Not addressed"},
	{"not-applicable", "Not applicable"},
}

// statusRows places each requirement in the program: its statement of
// applicability, its controls and its status.
func (w *Web) statusRows(r *http.Request, m *evident.Model, reqs []evident.Requirement) []reqRow {
	rows := make([]reqRow, 0, len(reqs))
	for _, s := range m.Statement(reqs) {
		row := reqRow{Statement: s}
		switch {
		case !s.Applicable:
			row.Status = "not-applicable"
		case len(s.Controls) == 0:
			row.Status = "not-addressed"
		default:
			row.Status = "planned"
		}
		rows = append(rows, row)
	}
	return rows
}
