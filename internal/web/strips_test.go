package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"reflect"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// The controls' strips read each control back to its own strip only
// (eleven days of a daily control, eleven years of an annual one), and
// show exactly what they showed when every control was read back to the
// earliest strip: the same windows in the same states, for controls whose
// evidence is older than the program and for every cadence, with the same
// readiness now.
func TestStripsReadEachControlBackToItsOwnStrip(t *testing.T) {
	t.Parallel()
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		s := newSite(t, st)
		req := []evident.RequirementRef{{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.8-14"}}
		cadences := map[string]evident.Cadence{
			"daily":     {Kind: evident.CadencePeriodic, Every: 1, Unit: evident.UnitDay},
			"weekly":    {Kind: evident.CadencePeriodic, Every: 1, Unit: evident.UnitWeek},
			"monthly":   {Kind: evident.CadencePeriodic, Every: 1, Unit: evident.UnitMonth},
			"quarterly": {Kind: evident.CadencePeriodic, Every: 3, Unit: evident.UnitMonth},
			"annual":    {Kind: evident.CadencePeriodic, Every: 1, Unit: evident.UnitYear},
			"rolling":   {Kind: evident.CadencePeriodic, Every: 1, Unit: evident.UnitYear, Rolling: true},
		}
		if err := st.Write(ctx, func(tx *sqlstore.Tx) error {
			for id, cad := range cadences {
				c := evident.Control{ID: id, Title: id, Owner: "omar", Requirements: req,
					Method: evident.VerificationMethod{Kind: evident.MethodAttestation}, Cadence: cad}
				if err := tx.PutObject(ctx, sqlstore.Controls, id, c, "test"); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// Evidence from four years before now (before the program was
		// created), every ninth day for the short cadences and every
		// hundredth for the long ones, with a failing record now and then.
		for id := range cadences {
			step := 9
			if id == "annual" || id == "rolling" || id == "quarterly" {
				step = 100
			}
			last := ""
			for d := 4 * 365; d > 0; d -= step {
				eff := testNow.AddDate(0, 0, -d)
				in := ledger.EvidenceInput{Actor: "test", Filename: "note.txt", Controls: []string{id},
					Effective: evident.Effective{From: eff}}
				if d%7 == 0 && last != "" {
					in.Kind, in.DerivedFrom, in.Verdict = evident.DerivedEvidence, []string{last}, evident.VerdictFail
				}
				body := fmt.Sprintf("%s on %s", id, eff.Format(time.DateOnly))
				e, err := s.w.cfg.Ledger.AddEvidence(ctx, in, bytes.NewReader([]byte(body)))
				if err != nil {
					t.Fatal(err)
				}
				last = e.ID
			}
		}

		per, err := s.w.history(ctx)
		if err != nil {
			t.Fatal(err)
		}
		now := testNow
		earliest := now
		for _, c := range per.In.Model.Controls {
			if f := stripFrom(c, per.In.Controls[c.ID].Schedule.Anchor, now); f.Before(earliest) {
				earliest = f
			}
		}
		all, err := s.w.computeAt(ctx, now, earliest)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range per.In.Model.Controls {
			a, b := per.In.Controls[c.ID], all.In.Controls[c.ID]
			if a.Schedule.Anchor != b.Schedule.Anchor {
				t.Fatalf("%s: anchors differ: %v and %v", c.ID, a.Schedule.Anchor, b.Schedule.Anchor)
			}
			for _, n := range []int{stripWindows, listWindows} {
				from := stripFromN(c, a.Schedule.Anchor, now, n)
				got, want := periodStrip(a, from, now), periodStrip(b, from, now)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s, %d windows: the strip read back to its own start differs from the one read back to %s:\n got %+v\nwant %+v",
						c.ID, n, earliest.Format(time.DateOnly), got, want)
				}
			}
			if len(a.History.Occurrences) >= len(b.History.Occurrences) && c.ID == "daily" {
				t.Errorf("daily: read %d records, as many as reading back to %s (%d)", len(a.History.Occurrences), earliest.Format(time.DateOnly), len(b.History.Occurrences))
			}
		}
		ga, _ := json.Marshal(per.Report)
		gb, _ := json.Marshal(all.Report)
		if !bytes.Equal(ga, gb) {
			t.Errorf("readiness now differs:\n%s\n%s", ga, gb)
		}
	})
}

// The list's strips written in Go are byte for byte what the template
// wrote cell by cell (the markup it replaced, kept here).
func TestListSVGIsTheTemplatesMarkup(t *testing.T) {
	old := template.Must(template.New("strip").Funcs(template.FuncMap{"day": formatDay}).Parse(
		`{{$s := .}}{{with .Cells}}<svg class="chart strip" role="img" aria-label="{{range .}}{{day .Start}} {{.State}}; {{end}}" viewBox="0 0 {{$s.Width}} {{$s.Height}}" width="{{$s.Width}}" height="{{$s.Height}}">{{range .}}<rect class="f-{{.State}}{{if .Current}} current{{end}}" x="{{.X}}" y="1" width="{{.W}}" height="14" rx="2"><title>{{day .Start}} to {{day .LastDay}}: {{.State}}</title></rect>{{end}}</svg>{{end}}`))
	day := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	var cells []stripCell
	states := []evident.PeriodState{evident.PeriodSatisfied, evident.PeriodMissed, evident.PeriodFailing, evident.PeriodDue, evident.PeriodExcepted, "a<b&\"c'"}
	for i := range 7 {
		p := evident.Period{Window: evident.Window{Start: day.AddDate(0, 0, 3*i), End: day.AddDate(0, 0, 3*i+3)}, State: states[i%len(states)]}
		cells = append(cells, stripCell{Period: p, X: float64(i) * 160 / 7, W: 160/7 - 2, Current: i == 5})
	}
	for _, s := range []strip{{Width: 160, Height: 16}, {Cells: cells[:1], Width: 720, Height: 28}, {Cells: cells, Width: 160, Height: 16}} {
		var want bytes.Buffer
		if err := old.Execute(&want, s); err != nil {
			t.Fatal(err)
		}
		if got := string(s.ListSVG()); got != want.String() {
			t.Errorf("ListSVG of %d cells:\n got %s\nwant %s", len(s.Cells), got, want.String())
		}
	}
}
