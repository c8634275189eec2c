package evident

import (
	"strconv"
	"strings"
)

// CadenceKind says how a control's evidence is expected over time.
type CadenceKind string

// Cadence kinds. Periodic controls need evidence in every window; continuous
// ones need it every day (REQ-7.10-06 daily UTC synchronisation is the
// model); post-change controls need it after each significant change.
const (
	CadencePeriodic   CadenceKind = "periodic"
	CadenceContinuous CadenceKind = "continuous"
	CadencePostChange CadenceKind = "post-change"
)

// Cadence is how often a control must be evidenced. Every and Unit describe
// the window for periodic cadences ("quarterly" is 3 months). Windows are
// calendar-aligned in UTC unless Rolling is set, in which case each window
// starts when the previous evidence was effective.
type Cadence struct {
	Kind    CadenceKind `json:"kind"`
	Every   int         `json:"every,omitempty"`
	Unit    Unit        `json:"unit,omitempty"` // day, week, month, year
	Rolling bool        `json:"rolling,omitempty"`
}

// namedCadences are the words a program file may use for a cadence.
var namedCadences = map[string]Cadence{
	"daily":       {Kind: CadencePeriodic, Every: 1, Unit: UnitDay},
	"weekly":      {Kind: CadencePeriodic, Every: 1, Unit: UnitWeek},
	"monthly":     {Kind: CadencePeriodic, Every: 1, Unit: UnitMonth},
	"quarterly":   {Kind: CadencePeriodic, Every: 3, Unit: UnitMonth},
	"semiannual":  {Kind: CadencePeriodic, Every: 6, Unit: UnitMonth},
	"annual":      {Kind: CadencePeriodic, Every: 1, Unit: UnitYear},
	"yearly":      {Kind: CadencePeriodic, Every: 1, Unit: UnitYear},
	"biennial":    {Kind: CadencePeriodic, Every: 2, Unit: UnitYear},
	"continuous":  {Kind: CadenceContinuous, Every: 1, Unit: UnitDay},
	"post-change": {Kind: CadencePostChange},
}

// ParseCadence reads a cadence word ("quarterly", "continuous",
// "post-change") or "every N days|weeks|months|years", optionally followed
// by " rolling".
func ParseCadence(s string) (Cadence, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	rolling := false
	if rest, ok := strings.CutSuffix(in, " rolling"); ok {
		in, rolling = strings.TrimSpace(rest), true
	}
	if c, ok := namedCadences[in]; ok {
		c.Rolling = rolling && c.Kind == CadencePeriodic
		return c, nil
	}
	f := strings.Fields(in)
	if len(f) == 3 && f[0] == "every" {
		n, err := strconv.Atoi(f[1])
		unit := Unit(strings.TrimSuffix(f[2], "s"))
		switch {
		case err != nil || n < 1 || n > 1000:
		case unit == UnitDay || unit == UnitWeek || unit == UnitMonth || unit == UnitYear:
			return Cadence{Kind: CadencePeriodic, Every: n, Unit: unit, Rolling: rolling}, nil
		}
	}
	return Cadence{}, Errorf(EINVALID, "cadence %q: want daily, weekly, monthly, quarterly, semiannual, annual, biennial, continuous, post-change or \"every N days|weeks|months|years\" (optionally followed by \"rolling\")", s)
}

// String returns the canonical spelling, the one ParseCadence reads back.
func (c Cadence) String() string {
	var s string
	switch {
	case c.Kind == CadencePostChange:
		return "post-change"
	case c.Kind == CadenceContinuous:
		s = "continuous"
	default:
		for name, n := range namedCadences {
			if n.Kind == CadencePeriodic && n.Every == c.Every && n.Unit == c.Unit && name != "yearly" {
				s = name
			}
		}
		if s == "" {
			s = "every " + strconv.Itoa(c.Every) + " " + string(c.Unit) + "s"
		}
	}
	if c.Rolling {
		s += " rolling"
	}
	return s
}

// IsZero reports whether no cadence is set.
func (c Cadence) IsZero() bool { return c.Kind == "" }
