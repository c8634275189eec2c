package server_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var (
	dashboardScore = regexp.MustCompile(`id="period-score">([0-9.]+)<`)
	// A month of the series on the dashboard: its label and its score.
	dashboardMonth = regexp.MustCompile(`>(\d{4}-\d{2})<title>score ([0-9.]+)</title>`)
)

// The dashboard and GET /api/v1/readiness show one judgement of readiness
// over the last twelve months: the same score and the same monthly
// series, before and after a write, on both dialects.
func TestDashboardAndAPIShowOneReadinessOverAPeriod(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, e *env) {
		agree := func(when string) {
			t.Helper()
			var api struct {
				Report struct {
					Score struct {
						Score float64 `json:"score"`
					} `json:"program_score"`
				} `json:"report"`
				Series []struct {
					Month string  `json:"month"`
					Score float64 `json:"score"`
				} `json:"series"`
			}
			e.getJSON(t, "cm", "/api/v1/readiness", &api)
			var want strings.Builder
			fmt.Fprintf(&want, "%.1f", api.Report.Score.Score)
			for _, p := range api.Series {
				fmt.Fprintf(&want, " %s=%.1f", p.Month, p.Score)
			}
			code, page := e.do(t, "cm", "GET", "/", nil, "")
			s := dashboardScore.FindSubmatch(page)
			if code != 200 || s == nil {
				t.Fatalf("%s: the dashboard: %d, no period score\n%.400s", when, code, page)
			}
			got := string(s[1])
			for _, m := range dashboardMonth.FindAllSubmatch(page, -1) {
				got += fmt.Sprintf(" %s=%s", m[1], m[2])
			}
			if len(api.Series) != 12 || got != want.String() {
				t.Errorf("%s: the dashboard shows %s, the API %s", when, got, want.String())
			}
		}
		agree("before a write")
		if code, body := e.upload(t, "cm", url.Values{"control": {"time-sync"}, "period": {"2026-03"}}, "march"); code != 201 {
			t.Fatalf("upload: %d %s", code, body)
		}
		agree("after a write")
	})
}
