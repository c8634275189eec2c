package evident

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// Retention is how long evidence is kept after the later of what it speaks
// for and its receipt. The zero value means "for ever": a control or
// requirement without a period, and a program without a default, never lets
// a blob go. Periods are calendar units so that "7y" ends on the same date
// seven years later, whatever the leap days in between.
type Retention struct {
	Years  int `json:"years,omitempty"`
	Months int `json:"months,omitempty"`
	Days   int `json:"days,omitempty"`
}

// Forever reports whether r never ends.
func (r Retention) Forever() bool { return r == Retention{} }

// String prints r the way ParseRetention reads it.
func (r Retention) String() string {
	if r.Forever() {
		return "forever"
	}
	var b strings.Builder
	if r.Years > 0 {
		b.WriteString(strconv.Itoa(r.Years) + "y")
	}
	if r.Months > 0 {
		b.WriteString(strconv.Itoa(r.Months) + "m")
	}
	if r.Days > 0 {
		b.WriteString(strconv.Itoa(r.Days) + "d")
	}
	return b.String()
}

// ParseRetention reads a retention period as written in program.yaml:
// "forever", or positive counts of years, months and days in that order,
// such as "7y", "18m", "90d" or "1y6m".
func ParseRetention(s string) (Retention, error) {
	s = strings.TrimSpace(s)
	if s == "forever" {
		return Retention{}, nil
	}
	if s == "" {
		return Retention{}, Errorf(EINVALID, "retention: empty period (want forever, or counts such as 7y, 18m, 90d)")
	}
	var r Retention
	rest, order := s, "ymd"
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return Retention{}, Errorf(EINVALID, "retention %q: want a count followed by y, m or d", s)
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil || n <= 0 || n > 1000 {
			return Retention{}, Errorf(EINVALID, "retention %q: count %q must be between 1 and 1000", s, rest[:i])
		}
		unit := rest[i]
		k := strings.IndexByte(order, unit)
		if k < 0 {
			return Retention{}, Errorf(EINVALID, "retention %q: unit %q out of order or unknown (want y, then m, then d)", s, string(unit))
		}
		order = order[k+1:]
		switch unit {
		case 'y':
			r.Years = n
		case 'm':
			r.Months = n
		case 'd':
			r.Days = n
		}
		rest = rest[i+1:]
	}
	return r, nil
}

// End returns the first instant after retention starting at from has run.
func (r Retention) End(from time.Time) time.Time {
	return from.UTC().AddDate(r.Years, r.Months, r.Days)
}

// LegalHold keeps one piece of evidence whatever its retention: an incident
// or a dispute names it. Released is zero while the hold stands.
type LegalHold struct {
	Evidence string    `json:"evidence"`
	Reason   string    `json:"reason"`
	Placed   time.Time `json:"placed"`
	Released time.Time `json:"released,omitzero"`
}

// Holds reports whether h keeps its evidence at now.
func (h LegalHold) Holds(now time.Time) bool {
	return !now.Before(h.Placed) && (h.Released.IsZero() || now.Before(h.Released))
}

// RetentionDecision is why a blob is or is not due for deletion: the one
// answer that `retention plan` prints and `retention apply` acts on.
type RetentionDecision struct {
	Due    bool      `json:"due"`
	Ends   time.Time `json:"ends,omitzero"` // zero when kept for ever
	Reason string    `json:"reason"`
}

// DecideRetention says whether the blob of e may be deleted at now, given
// the retention of each control and requirement it speaks for (keys as in
// e.Controls and RequirementRef.String), the program default used for those
// without one, and the legal holds on it. When in doubt the blob is kept:
// the longest period wins, any "for ever" wins, retention runs from the
// later of the evidence's effective end and its receipt, and a standing hold
// keeps it whatever the period.
func DecideRetention(e Evidence, periods map[string]Retention, def Retention, holds []LegalHold, now time.Time) RetentionDecision {
	keys := append([]string(nil), e.Controls...)
	for _, r := range e.Requirements {
		keys = append(keys, r.String())
	}
	sort.Strings(keys)
	start := e.Effective.End()
	if e.ReceivedAt.After(start) {
		start = e.ReceivedAt
	}
	var ends time.Time
	var by string
	pick := func(name string, r Retention) bool {
		if r.Forever() {
			by = name
			return false
		}
		if end := r.End(start); end.After(ends) {
			ends, by = end, name
		}
		return true
	}
	if len(keys) == 0 {
		if !pick("the program default", def) {
			return RetentionDecision{Reason: "kept for ever: no retention period for evidence linked to nothing"}
		}
	}
	for _, k := range keys {
		r, ok := periods[k]
		name := k
		if !ok {
			r, name = def, k+" (program default)"
		}
		if !pick(name, r) {
			return RetentionDecision{Reason: "kept for ever: " + name + " has no retention period"}
		}
	}
	for _, h := range holds {
		if h.Evidence == e.ID && h.Holds(now) {
			return RetentionDecision{Ends: ends, Reason: "legal hold: " + h.Reason}
		}
	}
	if now.Before(ends) {
		return RetentionDecision{Ends: ends, Reason: "retention by " + by + " ends " + UTC(ends)}
	}
	return RetentionDecision{Due: true, Ends: ends, Reason: "retention by " + by + " ended " + UTC(ends)}
}

// RetentionPeriods returns the retention period of every control and
// requirement that names its own, keyed as DecideRetention expects, and
// the program default for the rest.
func (m *Model) RetentionPeriods() (map[string]Retention, Retention) {
	out := map[string]Retention{}
	for k, r := range m.Program.RequirementRetention {
		out[k] = r
	}
	for _, c := range m.Controls {
		if c.Retention != nil {
			out[c.ID] = *c.Retention
		}
	}
	return out, m.Program.Retention
}

// Hold is a legal hold as recorded: on one piece of evidence, or on every
// piece of evidence about an incident (About holds "incident/ID"), from
// its placing until its release.
type Hold struct {
	ID         string    `json:"id"`
	Evidence   string    `json:"evidence,omitempty"`
	Incident   string    `json:"incident,omitempty"`
	Reason     string    `json:"reason"`
	Placed     time.Time `json:"placed"`
	PlacedBy   string    `json:"placed_by"`
	Released   time.Time `json:"released,omitzero"`
	ReleasedBy string    `json:"released_by,omitempty"`
	// ReleaseReason is why the hold was released, kept with the hold it ends.
	ReleaseReason string `json:"release_reason,omitempty"`
}

// Validate checks that h names exactly one subject and a reason.
func (h Hold) Validate() error {
	switch {
	case (h.Evidence == "") == (h.Incident == ""):
		return ErrorAt(EINVALID, "evidence", "a legal hold names either one piece of evidence or one incident")
	case strings.TrimSpace(h.Reason) == "":
		return ErrorAt(EINVALID, "reason", "a legal hold needs a reason (the incident or dispute that requires it)")
	}
	return nil
}

// On returns the hold as DecideRetention sees it for evidence e, and
// whether it applies to e at all.
func (h Hold) On(e Evidence) (LegalHold, bool) {
	applies := h.Evidence == e.ID
	if h.Incident != "" {
		for _, a := range e.About {
			if a == "incident/"+h.Incident {
				applies = true
			}
		}
	}
	if !applies {
		return LegalHold{}, false
	}
	reason := h.Reason
	if h.Incident != "" {
		reason = "incident " + h.Incident + ": " + h.Reason
	}
	return LegalHold{Evidence: e.ID, Reason: reason, Placed: h.Placed, Released: h.Released}, true
}

// RetentionDeleteKind is the kind of the leaf `retention apply` writes
// for each blob it deletes.
const RetentionDeleteKind = "retention.delete"

// RetentionDeletion is what a retention.delete leaf records: the blob that
// went, which evidence named it, when, and why. The evidence's own leaf
// stays, so the digest still proves what was deleted.
type RetentionDeletion struct {
	ID       string    `json:"id"`
	Digest   Digest    `json:"sha256"`
	Evidence []string  `json:"evidence"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Reason   string    `json:"reason"`
}
