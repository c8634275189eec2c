package web

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// xss is what a hostile user types into every text field.
const xss = `<script>alert(1)</script><img src=x onerror=alert(2)>"'`

// fillStrings sets every string reachable from v (fields, slices, maps'
// values excepted) to the payload tagged with its field name, and gives
// every slice of structs one element, so each text the program can hold
// carries a script tag.
func fillStrings(v reflect.Value, name string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(xss + name)
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fillStrings(v.Elem(), name)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(testNow.Add(-24 * time.Hour)))
			return
		}
		// Cadences and spans are parsed values, not free text: apply
		// refuses anything but a valid one, so the test stores valid ones.
		if v.Type() == reflect.TypeFor[evident.Cadence]() {
			v.Set(reflect.ValueOf(evident.Cadence{Kind: evident.CadencePeriodic, Every: 3, Unit: evident.UnitMonth}))
			return
		}
		if v.Type() == reflect.TypeFor[evident.Span]() {
			v.Set(reflect.ValueOf(evident.Span{Amount: 30, Unit: evident.UnitDay}))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillStrings(v.Field(i), v.Type().Field(i).Name)
			}
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		}
		for i := range v.Len() {
			fillStrings(v.Index(i), name)
		}
	}
}

// putModel stores every object of m, as apply would.
func putModel(t *testing.T, st *sqlstore.Store, m *evident.Model) {
	t.Helper()
	ctx := context.Background()
	err := st.Write(ctx, func(tx *sqlstore.Tx) error {
		put := func(sec sqlstore.Section, id string, v any) error { return tx.PutObject(ctx, sec, id, v, "test") }
		for _, x := range m.Services {
			if err := put(sqlstore.Services, x.ID, x); err != nil {
				return err
			}
		}
		for _, x := range m.Systems {
			if err := put(sqlstore.Systems, x.ID, x); err != nil {
				return err
			}
		}
		for _, x := range m.Zones {
			if err := put(sqlstore.Zones, x.ID, x); err != nil {
				return err
			}
		}
		for _, x := range m.Suppliers {
			if err := put(sqlstore.Suppliers, x.ID, x); err != nil {
				return err
			}
		}
		for _, x := range m.Roles {
			if err := put(sqlstore.Roles, x.ID, x); err != nil {
				return err
			}
		}
		for _, x := range m.People {
			if err := put(sqlstore.People, x.ID, x); err != nil {
				return err
			}
		}
		for _, x := range m.Risks {
			if err := put(sqlstore.Risks, x.ID, x); err != nil {
				return err
			}
		}
		for _, x := range m.Treatments {
			if err := put(sqlstore.Treatments, x.ID, x); err != nil {
				return err
			}
		}
		for _, x := range m.Acceptances {
			if err := put(sqlstore.Acceptances, x.ID, x); err != nil {
				return err
			}
		}
		for _, x := range m.Controls {
			if err := put(sqlstore.Controls, x.ID, x); err != nil {
				return err
			}
		}
		for _, x := range m.Policies {
			if err := put(sqlstore.Policies, x.ID, x); err != nil {
				return err
			}
		}
		_, err := tx.Audit(ctx, "program.apply", xss, xss, m)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestScriptInEveryTextFieldRendersInert(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t, testClock)
	s := newSite(t, st)
	b := s.signIn(t, "carla", evident.RoleComplianceManager)
	var m evident.Model
	fillStrings(reflect.ValueOf(&m).Elem(), "")
	m.Risks[0].Likelihood, m.Risks[0].Impact = 3, 4
	// The requirement index shows a control only when it names a real
	// requirement, so one control meets REQ-7.8-14 with hostile text.
	m.Controls[0].Requirements = []evident.RequirementRef{{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.8-14"}}
	c := m.Controls[0]
	c.ID = "hostile-" + xss
	m.Controls = append(m.Controls, c)
	putModel(t, st, &m)
	ctx := context.Background()
	inc, err := st.OpenIncident(ctx, evident.Incident{Kind: evident.KindIncident, Title: xss, Summary: xss, Reporter: xss,
		AwareAt: testNow.Add(-time.Hour), Systems: []string{m.Systems[0].ID}}, xss)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.AddChange(ctx, evident.Change{System: m.Systems[0].ID, Version: xss, Summary: xss, Significant: true, At: testNow.Add(-time.Hour), Actor: xss}); err != nil {
		t.Fatal(err)
	}
	pages := []string{
		"/", "/catalog", "/catalog?clause=7.8", "/catalog/REQ-7.8-14", "/scope", "/risks", "/risks?likelihood=3&impact=4",
		"/policies", "/policies/" + url.PathEscape(m.Policies[0].ID),
		"/controls", "/controls/" + url.PathEscape(m.Controls[0].ID), "/controls/" + url.PathEscape(c.ID), "/audit",
		"/catalog?q=" + url.QueryEscape(xss), "/controls/" + url.PathEscape(xss+"missing"),
		"/incidents", "/incidents/" + url.PathEscape(inc.ID), "/changes", "/tasks", "/evidence/new",
	}
	for _, p := range pages {
		code, body := b.get(p)
		if code != http.StatusOK && code != http.StatusNotFound {
			t.Errorf("GET %s: %d", p, code)
			continue
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)") {
			t.Errorf("GET %s: the payload does not appear escaped; the test does not reach the page's text", p)
		}
		for _, bad := range []string{"<script>alert", "<img src=x"} {
			if strings.Contains(body, bad) {
				t.Errorf("GET %s: body contains %q unescaped", p, bad)
			}
		}
	}
}
