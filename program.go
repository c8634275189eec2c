package evident

import "time"

// Program is the TSP's compliance program: the one row every other object
// hangs from. Version is the EN 319 401 version in force; bare requirement
// ids resolve against it. Overlays names catalog overlays switched on, such
// as the eIDAS implementing acts' adaptations.
type Program struct {
	Name      string    `json:"name"`
	Standard  Standard  `json:"standard"`
	Version   string    `json:"version"`
	Overlays  []string  `json:"overlays"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}
