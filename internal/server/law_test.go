package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/program"
)

// TestAPIShowsTheLawPerService gives the test program a qualified
// time-stamp service on the scanned system and a non-qualified one. The
// requirement view of REQ-7.8-14 names 2025/1929's adaptation for the
// qualified service only, carried by the scan with its latest evidence;
// a significant change to the TSA's system nobody told the supervisory
// body about is an overdue task citing eIDAS Art. 24(2)(a), and one
// recorded with its notice is none.
func TestAPIShowsTheLawPerService(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		m, err := e.store.Model(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m.Services = []evident.Service{
			{ID: "qtsa", Name: "Qualified time-stamps", Type: evident.ServiceTimeStamps, Qualification: evident.Qualified},
			{ID: "ts", Name: "Time-stamps", Type: evident.ServiceTimeStamps, Qualification: evident.NonQualified},
		}
		m.Systems = []evident.System{{ID: "tsa-host", Name: "TSA", Kind: evident.SystemTrustworthy, Version: "1", Services: []string{"qtsa"}}}
		for i := range m.Controls {
			if m.Controls[i].ID == "vuln-scan" {
				m.Controls[i].Systems = []string{"tsa-host"}
			}
		}
		if _, err := program.Apply(ctx, e.store, m, "root"); err != nil {
			t.Fatal(err)
		}
		if code, body := e.upload(t, "cm", url.Values{"control": {"vuln-scan"}}, "scan report"); code != 201 {
			t.Fatalf("upload: %d %s", code, body)
		}
		var view struct {
			ID  string `json:"id"`
			Law []struct {
				Act      string   `json:"act"`
				Article  string   `json:"article"`
				Cited    string   `json:"cited"`
				Services []string `json:"services"`
				Controls []string `json:"controls"`
			} `json:"law"`
			Controls []struct {
				ID     string `json:"id"`
				Latest *struct {
					ID string `json:"id"`
				} `json:"latest_evidence"`
			} `json:"controls"`
		}
		e.getJSON(t, "cm", "/api/v1/catalog/REQ-7.8-14", &view)
		found := false
		for _, l := range view.Law {
			if strings.Contains(l.Act, "2025/1929") {
				found = true
				if strings.Join(l.Services, ",") != "qtsa" || strings.Join(l.Controls, ",") != "vuln-scan" || l.Article == "" || !strings.Contains(l.Cited, "3.1.1") {
					t.Errorf("2025/1929 on REQ-7.8-14: %+v; want its article, the V3.1.1 id it cites, service qtsa and control vuln-scan", l)
				}
			}
			if strings.Contains(l.Act, "2025/2160") {
				t.Errorf("2025/2160 (non-qualified services) adapts no scan figure, yet: %+v", l)
			}
		}
		if !found {
			t.Errorf("the requirement view names no 2025/1929 adaptation: %+v", view.Law)
		}
		if len(view.Controls) == 0 || view.Controls[0].Latest == nil {
			t.Errorf("the requirement view should give vuln-scan's latest evidence: %+v", view.Controls)
		}

		for _, c := range []string{
			`{"system": "tsa-host", "version": "2", "significant": true, "summary": "new TSU keys", "at": "2026-02-27T12:00:00Z"}`,
			`{"system": "tsa-host", "version": "3", "significant": true, "summary": "new HSM", "at": "2026-02-28T12:00:00Z", "supervisory_body_notified": "2026-01-15T09:00:00Z"}`,
		} {
			if code, body := e.do(t, "cm", "POST", "/api/v1/changes", strings.NewReader(c), "application/json"); code != 201 {
				t.Fatalf("POST /api/v1/changes: %d %s", code, body)
			}
		}
		var tasks struct {
			Items []struct {
				Kind, Title, State string
				Due                time.Time
				Basis              []string
			} `json:"items"`
		}
		e.getJSON(t, "cm", "/api/v1/tasks?due=all", &tasks)
		var legal []string
		for _, x := range tasks.Items {
			if x.Kind == "legal" && strings.Contains(x.Title, "significant change") {
				legal = append(legal, x.State+" "+evident.UTC(x.Due)+" "+strings.Join(x.Basis, "; "))
			}
		}
		if want := "overdue 2026-01-27T12:00:00Z eIDAS Art. 24(2)(a); REQ-6.3-04"; strings.Join(legal, " | ") != want {
			t.Errorf("change notices: %q; want only the unnotified change's: %q", legal, want)
		}
	})
}
