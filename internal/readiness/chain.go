package readiness

import (
	"slices"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
)

// ChainLink is one act's adaptation of a requirement with the controls
// that carry it: "article -> adapted requirement -> controls", to which
// the views add each control's latest evidence.
type ChainLink struct {
	catalog.LegalLink
	// Controls are the ids of the controls meeting the requirement for
	// one of the services the act covers, or for the whole program.
	Controls []string `json:"controls"`
}

// Chain pairs each adaptation of ref (catalog.LegalChain) with the
// program's controls meeting ref for the services the act covers: a
// control scoped to a non-qualified service does not carry a qualified
// service's act. The one rule behind the requirement page and the API's
// requirement view.
func Chain(m *evident.Model, law []catalog.LegalLink, ref evident.RequirementRef) []ChainLink {
	out := make([]ChainLink, 0, len(law))
	for _, l := range law {
		link := ChainLink{LegalLink: l, Controls: []string{}}
		for _, c := range m.ControlsFor(ref) {
			ss := ServicesOf(m, c)
			if len(l.Services) == 0 || len(ss) == 0 || slices.ContainsFunc(ss, func(s string) bool { return slices.Contains(l.Services, s) }) {
				link.Controls = append(link.Controls, c.ID)
			}
		}
		out = append(out, link)
	}
	return out
}
