package catalog

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/evidenthq/evident"
)

// figure returns the only figure of kind k on the requirement.
func figure(t *testing.T, c *Catalog, id string, k evident.FigureKind) evident.Figure {
	t.Helper()
	r, err := c.Resolve(id, "3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	var found []evident.Figure
	for _, f := range r.Figures {
		if f.Kind == k {
			found = append(found, f)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s has %d %s figures, want 1: %v", id, len(found), k, r.Figures)
	}
	return found[0]
}

// The default cadences later code derives for controls come from these.
func TestCadences(t *testing.T) {
	c := load(t)
	tests := []struct {
		id   string
		n    int
		unit evident.Unit
	}{
		{"REQ-7.8-14", 3, evident.UnitMonth}, // vulnerability scan, quarterly
		{"REQ-7.8-19", 1, evident.UnitYear},  // penetration test
		{"REQ-7.10-06", 1, evident.UnitDay},  // clock synchronised with UTC
		{"REQ-7.8-16", 1, evident.UnitDay},   // anti-malware updates
		{"REQ-7.2-05", 12, evident.UnitMonth},
		{"REQ-7.2-22", 2, evident.UnitYear},
		{"REQ-5-04", 1, evident.UnitYear},
		{"REQ-7.9.4-04", 3, evident.UnitMonth},
	}
	for _, tt := range tests {
		f := figure(t, c, tt.id, evident.FigureCadence)
		n, unit, ok := f.Interval()
		if !ok || n != tt.n || unit != tt.unit {
			t.Errorf("%s cadence = %d %s (ok %v), want %d %s", tt.id, n, unit, ok, tt.n, tt.unit)
		}
	}
	// "Regularly" leaves the interval to the program.
	if f := figure(t, c, "REQ-7.8-13", evident.FigureCadence); f.Amount != 0 {
		t.Errorf("REQ-7.8-13 cadence amount = %v, want 0 (regular, no interval)", f.Amount)
	} else if _, _, ok := f.Interval(); ok {
		t.Errorf("REQ-7.8-13: Interval ok for a regular cadence")
	}
	if f := figure(t, c, "REQ-7.6-13", evident.FigureCadence); !f.Continuous {
		t.Errorf("REQ-7.6-13 premises monitoring is not continuous: %+v", f)
	}
}

// The incident and change clocks come from these.
func TestDeadlines(t *testing.T) {
	c := load(t)
	at := time.Date(2026, 3, 31, 22, 0, 0, 0, time.UTC)
	tests := []struct {
		id    string
		event string
		want  time.Time
	}{
		{"REQ-7.9.2-09", "discovery", time.Date(2026, 4, 2, 22, 0, 0, 0, time.UTC)},
		{"REQ-7.9.3-01", "identification", time.Date(2026, 4, 1, 22, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		f := figure(t, c, tt.id, evident.FigureDeadline)
		if f.Event != tt.event {
			t.Errorf("%s deadline runs from %q, want %q", tt.id, f.Event, tt.event)
		}
		if got, ok := f.Due(at); !ok || !got.Equal(tt.want) {
			t.Errorf("%s due %v (ok %v), want %v", tt.id, got, ok, tt.want)
		}
	}
	r, _ := c.Resolve("REQ-6.3-04", "3.2.1")
	change := time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC)
	var got []time.Time
	for _, f := range r.Figures {
		d, ok := f.Due(change)
		if !ok || !f.Before {
			t.Errorf("REQ-6.3-04 figure %q is not a deadline before its event", f.Text)
		}
		got = append(got, d)
	}
	want := []time.Time{
		time.Date(2026, 8, 15, 0, 0, 0, 0, time.UTC), // 1 month before a change
		time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC), // 3 months before cessation
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("REQ-6.3-04 notice dates (-want +got):\n%s", diff)
	}
}

// The significance test of an incident is computed from these.
func TestSignificanceThresholds(t *testing.T) {
	c := load(t)
	r, err := c.Resolve("REQ-7.9.3-07", "3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	type th struct {
		Amount float64
		Unit   evident.Unit
		Window string
	}
	var got []th
	for _, f := range r.Figures {
		if f.Kind != evident.FigureThreshold {
			t.Errorf("REQ-7.9.3-07 figure %q is a %s, want threshold", f.Text, f.Kind)
		}
		w := ""
		if f.Window != nil {
			w = f.Window.String()
		}
		got = append(got, th{f.Amount, f.Unit, w})
	}
	want := []th{
		{500000, evident.UnitEUR, ""},
		{5, evident.UnitPercent, ""},
		{20, evident.UnitMinute, ""},
		{1, evident.UnitHour, "week"},
		{1, evident.UnitPercent, ""},
		{200000, evident.UnitCount, ""},
		{0.1, evident.UnitPercent, ""},
		{100, evident.UnitCount, ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("REQ-7.9.3-07 thresholds (-want +got):\n%s", diff)
	}
	rec := figure(t, c, "REQ-7.9.3-10", evident.FigureThreshold)
	if rec.Amount != 2 || !rec.AtLeast || rec.Window == nil || *rec.Window != (evident.Span{Amount: 6, Unit: evident.UnitMonth}) {
		t.Errorf("REQ-7.9.3-10 = %+v, want at least 2 within 6 months", rec)
	}
}

// Every figure in the shipped data describes itself in words that match
// what the data says, so "show" never prints a figure the program reads
// differently.
func TestFigureStrings(t *testing.T) {
	c := load(t)
	for id, want := range map[string]string{
		"REQ-7.8-14":   "cadence: at least every 3 months (vulnerability scan)",
		"REQ-7.10-06":  "cadence: at least every day (synchronisation of the audit-log clock with UTC)",
		"REQ-7.9.2-09": "deadline: 48 hours after discovery (handling of a critical vulnerability)",
		"REQ-7.8-13":   "cadence: regularly, interval not fixed (vulnerability scan)",
	} {
		r, _ := c.Resolve(id, "3.2.1")
		if got := r.Figures[0].String(); got != want {
			t.Errorf("%s figure = %q, want %q", id, got, want)
		}
	}
}

// Recording a significant change looks these up: the reviews and the
// penetration test it calls for.
func TestTriggers(t *testing.T) {
	c := load(t)
	got, err := c.Filter(Query{Trigger: evident.EventSignificantChange})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"REQ-5-01", "REQ-5-04", "REQ-6.3-03", "REQ-6.3-06", "REQ-7.1.1-05", "REQ-7.3.3-04",
		"REQ-7.4.1-14", "REQ-7.6-08", "REQ-7.6-11", "REQ-7.6-14", "REQ-7.7-21", "REQ-7.8-06",
		"REQ-7.8-18", "REQ-7.9.2-14", "REQ-7.11.3-04", "REQ-7.14.1-05",
	}
	if diff := cmp.Diff(want, ids(got)); diff != "" {
		t.Errorf("requirements a significant change triggers (-want +got):\n%s", diff)
	}
	pen, _ := c.Filter(Query{Trigger: evident.EventSetUp})
	if diff := cmp.Diff([]string{"REQ-7.8-18"}, ids(pen)); diff != "" {
		t.Errorf("requirements set-up triggers (-want +got):\n%s", diff)
	}
	sup, _ := c.Filter(Query{Trigger: evident.EventSupplierIncident})
	if len(sup) != 2 {
		t.Errorf("supplier incidents trigger %v, want REQ-7.14.1-05 and REQ-7.14.3-10", ids(sup))
	}
}
