// Package ical writes what is due as an iCalendar feed (RFC 5545), so
// teams see weekly, monthly, quarterly and post-change work in the
// calendar they already use. Encoding (line folding, escaping, dates) is
// left to github.com/arran4/golang-ical; this package decides what the
// events are.
package ical

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/readiness"
)

// Event is one all-day calendar entry spanning [Start, End) in UTC dates,
// optionally recurring.
type Event struct {
	UID         string
	Summary     string
	Description string
	Start, End  time.Time
	Categories  []string
	RRule       string // RFC 5545 RRULE value, such as FREQ=MONTHLY;INTERVAL=3
}

// Write writes events as one VCALENDAR. stamp is the DTSTAMP of every
// event: the instant the feed was computed.
func Write(w io.Writer, name string, stamp time.Time, events []Event) error {
	cal := ics.NewCalendarFor("Evident")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(name)
	cal.SetXWRCalName(name)
	cal.SetCalscale("GREGORIAN")
	for _, e := range events {
		ev := cal.AddEvent(e.UID)
		ev.SetDtStampTime(stamp.UTC())
		ev.SetAllDayStartAt(e.Start.UTC())
		ev.SetAllDayEndAt(e.End.UTC())
		ev.SetSummary(e.Summary)
		if e.Description != "" {
			ev.SetDescription(e.Description)
		}
		for _, c := range e.Categories {
			ev.AddCategory(c)
		}
		if e.RRule != "" {
			ev.AddRrule(e.RRule)
		}
	}
	// RFC 5545 lines end in CRLF; the library defaults to LF.
	return cal.SerializeTo(w, ics.WithNewLine("\r\n"))
}

// Events returns the feed for input in: one event per task on the day it
// is due (the last day of its window), and one recurring event per control
// with a calendar-aligned cadence, starting with its next window, so the
// calendar keeps showing the rhythm of the work beyond the tasks of today.
func Events(in readiness.Input, tasks []readiness.Task) []Event {
	var out []Event
	for _, t := range tasks {
		last := day(t.Due.Add(-time.Nanosecond))
		desc := []string{"State: " + t.State}
		if t.Owner != "" {
			desc = append(desc, "Owner: "+t.Owner)
		}
		if len(t.Requirements) > 0 {
			desc = append(desc, "Requirements: "+strings.Join(t.Requirements, ", "))
		}
		if len(t.Basis) > 0 {
			desc = append(desc, "Legal basis: "+strings.Join(t.Basis, "; "))
		}
		if t.Source != "" {
			desc = append(desc, "Source: "+t.Source)
		}
		summary := t.Title
		if t.State != "due" && t.State != "running" {
			summary = strings.ToUpper(t.State) + ": " + summary
		}
		out = append(out, Event{UID: uid("task", t.Kind, t.Control, t.Source, t.Title, evident.UTC(t.Due)), Summary: summary,
			Description: strings.Join(desc, "\n"), Start: last, End: last.AddDate(0, 0, 1), Categories: []string{t.Kind}})
	}
	for _, c := range in.Model.Controls {
		ci := in.Controls[c.ID]
		rule, ok := rrule(ci.Schedule.Cadence)
		if !ok {
			continue
		}
		next := ci.Schedule.Cadence.Next(ci.Schedule.Anchor, in.At)
		out = append(out, Event{UID: uid("cadence", c.ID, ci.Schedule.Cadence.String()),
			Summary:     "Evidence window opens: " + c.Title + " (" + ci.Schedule.Cadence.String() + ")",
			Description: fmt.Sprintf("Owner: %s\nControl: %s\nRequirements: %s", c.Owner, c.ID, joinRefs(c.Requirements)),
			Start:       next.Start, End: next.Start.AddDate(0, 0, 1), Categories: []string{"cadence"}, RRule: rule})
	}
	return out
}

// rrule turns a calendar-aligned cadence into a recurrence rule. Rolling
// and post-change cadences have no fixed rhythm: their tasks carry them.
func rrule(c evident.Cadence) (string, bool) {
	if c.Kind == evident.CadencePostChange || c.Rolling {
		return "", false
	}
	n, unit := c.Every, c.Unit
	if c.Kind == evident.CadenceContinuous {
		n, unit = 1, evident.UnitDay
	}
	freq := map[evident.Unit]string{evident.UnitDay: "DAILY", evident.UnitWeek: "WEEKLY", evident.UnitMonth: "MONTHLY", evident.UnitYear: "YEARLY"}[unit]
	if freq == "" || n < 1 {
		return "", false
	}
	return fmt.Sprintf("FREQ=%s;INTERVAL=%d", freq, n), true
}

// uid is stable for the same task or control, so a calendar that
// re-subscribes updates events instead of duplicating them.
func uid(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:12]) + "@evident"
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func joinRefs(rs []evident.RequirementRef) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = r.String()
	}
	return strings.Join(s, ", ")
}
