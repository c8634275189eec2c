package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/readiness"
)

// stripWindows is how many past windows the period strip shows, besides
// the open one and the next.
const stripWindows = 11

// stripFrom is where a control's period strip starts: stripWindows
// windows before the one open at now, or a year back for post-change
// controls, whose windows follow changes rather than the calendar.
func stripFrom(c evident.Control, anchor, now time.Time) time.Time {
	return stripFromN(c, anchor, now, stripWindows)
}

// stripFromN is stripFrom for n past windows.
func stripFromN(c evident.Control, anchor, now time.Time, n int) time.Time {
	s := readiness.ScheduleFor(c, anchor)
	if s.Cadence.Kind == evident.CadencePostChange {
		return now.AddDate(-1, 0, 0)
	}
	w := s.Cadence.Window(s.Anchor, now)
	for range n {
		if !w.Start.After(s.Anchor) {
			break
		}
		w = s.Cadence.Window(s.Anchor, w.Start.Add(-time.Nanosecond))
	}
	return w.Start
}

// stripCell is one window of the strip, laid out.
type stripCell struct {
	evident.Period
	X, W    float64
	Current bool // the window open now
}

// strip is a control's periods drawn as a row of coloured cells.
type strip struct {
	Cells         []stripCell
	Width, Height float64
}

// ListSVG is the strip as the list of controls draws it: the markup its
// template wrote cell by cell, written here in one pass. Five hundred
// controls' strips through html/template's reflection were most of the
// list's time; every value written is a number, a date or a state name,
// escaped all the same.
func (s strip) ListSVG() template.HTML {
	if len(s.Cells) == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(160 * len(s.Cells))
	b.WriteString(`<svg class="chart strip" role="img" aria-label="`)
	for _, c := range s.Cells {
		b.WriteString(template.HTMLEscapeString(formatDay(c.Start) + " " + string(c.State) + "; "))
	}
	fmt.Fprintf(&b, `" viewBox="0 0 %v %v" width="%v" height="%v">`, s.Width, s.Height, s.Width, s.Height)
	for _, c := range s.Cells {
		b.WriteString(`<rect class="f-`)
		b.WriteString(template.HTMLEscapeString(string(c.State)))
		if c.Current {
			b.WriteString(" current")
		}
		fmt.Fprintf(&b, `" x="%v" y="1" width="%v" height="14" rx="2"><title>`, c.X, c.W)
		b.WriteString(template.HTMLEscapeString(formatDay(c.Start) + " to " + formatDay(c.LastDay()) + ": " + string(c.State)))
		b.WriteString(`</title></rect>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// periodStrip evaluates the control's windows from from to the end of the
// next window, as known now.
func periodStrip(ci readiness.ControlInput, from, now time.Time) strip {
	return periodStripW(ci, from, now, 720, 28)
}

// periodStripW is periodStrip drawn width x height.
func periodStripW(ci readiness.ControlInput, from, now time.Time, width, height float64) strip {
	s := ci.Schedule
	to := now.Add(time.Nanosecond)
	if s.Cadence.Kind != evident.CadencePostChange {
		to = s.Cadence.Next(s.Anchor, now).End
	}
	ps := s.Evaluate(ci.History, from, to, now)
	st := strip{Width: width, Height: height}
	if len(ps) == 0 {
		return st
	}
	w := st.Width / float64(len(ps))
	for i, p := range ps {
		st.Cells = append(st.Cells, stripCell{Period: p, X: float64(i) * w, W: max(w-2, 1), Current: p.Contains(now)})
	}
	return st
}
