package ical

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/google/go-cmp/cmp"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/readiness"
)

func date(s string) time.Time {
	t, err := evident.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestFeedParsesBack writes a feed and reads it back with an independent
// RFC 5545 parser: what a calendar application will see.
func TestFeedParsesBack(t *testing.T) {
	quarterly, _ := evident.ParseCadence("quarterly")
	weekly, _ := evident.ParseCadence("weekly")
	post, _ := evident.ParseCadence("post-change")
	ref := evident.RequirementRef{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.8-14"}
	m := &evident.Model{Program: evident.Program{Name: "Example"}, Controls: []evident.Control{
		{ID: "scan", Title: "Vulnerability scan", Owner: "ciso", Requirements: []evident.RequirementRef{ref}, Cadence: quarterly},
		{ID: "alerts", Title: "Critical alert review", Owner: "soc", Cadence: weekly},
		{ID: "pentest", Title: "Pen test", Owner: "ciso", Cadence: post},
	}}
	in := readiness.Input{At: date("2026-08-15T10:00:00Z"), Model: m, Controls: map[string]readiness.ControlInput{}}
	for _, c := range m.Controls {
		in.Controls[c.ID] = readiness.ControlInput{Schedule: readiness.ScheduleFor(c, date("2026-01-01"))}
	}
	long := strings.Repeat("a long title, with commas; semicolons and a backslash \\ ", 4)
	tasks := []readiness.Task{
		{Kind: readiness.TaskPeriod, Title: "Evidence for Vulnerability scan", State: "due", Control: "scan", Owner: "ciso",
			Requirements: []string{ref.String()}, Start: date("2026-07-01"), Due: date("2026-10-01")},
		{Kind: readiness.TaskChange, Title: long, State: "overdue", Owner: "ciso", Due: date("2026-08-10T09:00:00Z"), Source: "change/c1"},
	}
	var buf bytes.Buffer
	if err := Write(&buf, "Example QTSP compliance", in.At, Events(in, tasks)); err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(buf.String(), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line %d has %d octets; RFC 5545 folds at 75", i+1, len(line))
		}
	}
	cal, err := ics.ParseCalendar(&buf)
	if err != nil {
		t.Fatalf("the feed does not parse: %v", err)
	}
	got := map[string]string{}
	for _, e := range cal.Events() {
		start, err := e.GetAllDayStartAt()
		if err != nil {
			t.Fatalf("event %s: %v", e.Id(), err)
		}
		summary := e.GetProperty(ics.ComponentPropertySummary).Value
		rule := ""
		if p := e.GetProperty(ics.ComponentPropertyRrule); p != nil {
			rule = " " + p.Value
		}
		got[summary] = start.Format("2006-01-02") + rule
	}
	want := map[string]string{
		// Due 1 October: the last day of the third quarter.
		"Evidence for Vulnerability scan":                       "2026-09-30",
		"OVERDUE: " + long:                                      "2026-08-10",
		"Evidence window opens: Vulnerability scan (quarterly)": "2026-10-01 FREQ=MONTHLY;INTERVAL=3",
		"Evidence window opens: Critical alert review (weekly)": "2026-08-17 FREQ=WEEKLY;INTERVAL=1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events read back (-want +got):\n%s", diff)
	}
}

func TestUIDIsStable(t *testing.T) {
	if uid("task", "a") != uid("task", "a") || uid("task", "a") == uid("task", "b") {
		t.Error("the same task must keep its UID and different tasks must not share one")
	}
}
