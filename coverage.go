package evident

import (
	"fmt"
	"time"
)

// Coverage is expected versus actual occurrences of a control over a
// range: "4 quarterly scans expected in 2026, 3 found, gap from 2026-07-01
// to 2026-09-30". An assessor reads it per audit period.
type Coverage struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Expected counts the windows that overlap the range, less those an
	// exception excuses; Found those satisfied; Excepted the excused ones.
	Expected int `json:"expected"`
	Found    int `json:"found"`
	Excepted int `json:"excepted"`
	Failing  int `json:"failing"`
	// Open counts windows still due or not yet started: not a gap yet.
	Open int   `json:"open"`
	Gaps []Gap `json:"gaps"`
}

// Gap is a run of consecutive windows without passing evidence (missed,
// overdue or failing), with the dates an assessor will ask about.
type Gap struct {
	Window
	Periods int         `json:"periods"`
	State   PeriodState `json:"state"` // of the last window in the run
}

// String writes the gap as inclusive dates: "2026-07-01 to 2026-09-30".
func (g Gap) String() string {
	return fmt.Sprintf("%s to %s", g.Start.Format("2006-01-02"), g.LastDay().Format("2006-01-02"))
}

// Cover summarises periods (from Schedule.Evaluate over the same range).
// Adjacent gap windows merge into one gap, so thirty missed days of a
// continuous control read as one gap, not thirty.
func Cover(periods []Period, from, to time.Time) Coverage {
	c := Coverage{From: from, To: to, Gaps: []Gap{}}
	for _, p := range periods {
		switch p.State {
		case PeriodExcepted:
			c.Excepted++
			continue
		case PeriodSatisfied:
			c.Found++
		case PeriodDue, PeriodUpcoming:
			c.Open++
		case PeriodFailing:
			c.Failing++
		}
		c.Expected++
		if isGap(p.State) {
			c.addGap(p)
		}
	}
	return c
}

func isGap(s PeriodState) bool {
	return s == PeriodMissed || s == PeriodOverdue || s == PeriodFailing
}

func (c *Coverage) addGap(p Period) {
	if n := len(c.Gaps); n > 0 && !c.Gaps[n-1].End.Before(p.Start) {
		g := &c.Gaps[n-1]
		g.End, g.State = maxTime(g.End, p.End), p.State
		g.Periods++
		return
	}
	c.Gaps = append(c.Gaps, Gap{Window: p.Window, Periods: 1, State: p.State})
}
