package evident

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func evDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseEffectivePeriod(t *testing.T) {
	for _, tc := range []struct {
		in       string
		from, to time.Time
		err      string
	}{
		{"2026", evDay(2026, 1, 1), evDay(2027, 1, 1), ""},
		{"2026-Q1", evDay(2026, 1, 1), evDay(2026, 4, 1), ""},
		{"2026-Q3", evDay(2026, 7, 1), evDay(2026, 10, 1), ""},
		{"2026-q4", evDay(2026, 10, 1), evDay(2027, 1, 1), ""},
		{"2026-02", evDay(2026, 2, 1), evDay(2026, 3, 1), ""},
		{"2028-02-29", evDay(2028, 2, 29), evDay(2028, 3, 1), ""},
		{"2026-12-31", evDay(2026, 12, 31), evDay(2027, 1, 1), ""},
		{"2026-07-01/2026-07-15", evDay(2026, 7, 1), evDay(2026, 7, 15), ""},
		{"2026-07-01T10:00:00+02:00/2026-07-02", time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC), evDay(2026, 7, 2), ""},
		{"2026-W49", evDay(2026, 11, 30), evDay(2026, 12, 7), ""},
		{"2026-W53", evDay(2026, 12, 28), evDay(2027, 1, 4), ""}, // 2026 starts on a Thursday: 53 weeks
		{"2020-W01", evDay(2019, 12, 30), evDay(2020, 1, 6), ""}, // week 1 may start in the year before
		{"2027-w05", evDay(2027, 2, 1), evDay(2027, 2, 8), ""},
		{"2027-W53", time.Time{}, time.Time{}, "no ISO week 53"},
		{"2027-W00", time.Time{}, time.Time{}, "period"},
		{"2026-Q5", time.Time{}, time.Time{}, "period"},
		{"2026-13", time.Time{}, time.Time{}, "period"},
		{"2026-02-30", time.Time{}, time.Time{}, "period"},
		{"26-Q1", time.Time{}, time.Time{}, "period"},
		{"2026-07-15/2026-07-01", time.Time{}, time.Time{}, "ends before it starts"},
		{"2026-07-01/2026-07-01", time.Time{}, time.Time{}, "ends before it starts"},
		{"2026-07-01T10:00:00/2026-07-02", time.Time{}, time.Time{}, "zone"},
	} {
		e, err := ParseEffectivePeriod(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || ErrorCode(err) != EINVALID {
				t.Errorf("%q: err %v, want EINVALID containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !e.From.Equal(tc.from) || !e.To.Equal(tc.to) {
			t.Errorf("%q = %v, %v; want %v/%v", tc.in, e, err, tc.from, tc.to)
		}
	}
}

func validEvidence() Evidence {
	d, _ := ParseDigest("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08")
	at := time.Date(2026, 7, 20, 9, 0, 0, 0, time.UTC)
	return Evidence{ID: "e1", Kind: RawEvidence, Digest: d, Size: 4, MediaType: "text/plain", Actor: "alice",
		ReceivedAt: at, Effective: Effective{From: evDay(2026, 7, 1), To: evDay(2026, 10, 1)}, Controls: []string{"vuln-scan"},
		Requirements: []RequirementRef{{EN319401, "3.2.1", "REQ-7.8-14"}}}
}

func TestEvidenceValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*Evidence)
		field string
	}{
		{"no kind", func(e *Evidence) { e.Kind = "" }, "evidence.kind"},
		{"no digest", func(e *Evidence) { e.Digest = Digest{} }, "evidence.digest"},
		{"no media type", func(e *Evidence) { e.MediaType = "text" }, "evidence.media_type"},
		{"no actor", func(e *Evidence) { e.Actor = "" }, "evidence.actor"},
		{"speaks for nothing", func(e *Evidence) { e.Controls, e.Requirements = nil, nil }, "evidence.controls"},
		{"derived from nothing", func(e *Evidence) { e.Kind = DerivedEvidence }, "evidence.derived_from"},
		{"raw with a verdict", func(e *Evidence) { e.Verdict = VerdictPass }, "evidence.verdict"},
		{"bad verdict", func(e *Evidence) { e.Kind, e.DerivedFrom, e.Verdict = DerivedEvidence, []string{"e0"}, "ok" }, "evidence.verdict"},
		{"effective after receipt", func(e *Evidence) { e.Effective = Effective{From: evDay(2026, 8, 1)} }, "evidence.effective"},
		{"reversed period", func(e *Evidence) { e.Effective.To = evDay(2026, 6, 1) }, "evidence.effective"},
		{"supersedes itself", func(e *Evidence) { e.Supersedes = e.ID }, "evidence.supersedes"},
		{"bare requirement", func(e *Evidence) { e.Requirements[0].Version = "" }, "evidence.requirements[0]"},
		{"performer without name", func(e *Evidence) { e.Performer = &EvidencePerformer{Independent: true} }, "evidence.performer.name"},
		{"huge detail", func(e *Evidence) {
			e.Kind, e.DerivedFrom = DerivedEvidence, []string{"e0"}
			e.Detail = json.RawMessage(`"` + strings.Repeat("x", 70000) + `"`)
		}, "evidence.detail"},
	} {
		e := validEvidence()
		tc.edit(&e)
		err := e.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), tc.field+":") || ErrorCode(err) != EINVALID {
			t.Errorf("%s: %v, want EINVALID at %s", tc.name, err, tc.field)
		}
	}
	if err := validEvidence().Validate(); err != nil {
		t.Errorf("valid evidence: %v", err)
	}
}

func TestEvidenceRoundTrips(t *testing.T) {
	e := validEvidence()
	e.Systems = []SystemVersion{{"ca-issuing", "4.2.1"}}
	e.Performer = &EvidencePerformer{Name: "Acme", Independent: true}
	e.LedgerIndex = 7
	rec, err := e.Record()
	if err != nil {
		t.Fatal(err)
	}
	back, err := EvidenceFromRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	back.LedgerIndex = 7
	if diff := cmp.Diff(e, back); diff != "" {
		t.Errorf("through the ledger record (-want +got):\n%s", diff)
	}
	b, _ := json.Marshal(e)
	for _, want := range []string{`"digest":"9f86d081`, `"requirements":["EN319401@3.2.1:REQ-7.8-14"]`, `"systems":["ca-issuing@4.2.1"]`, `"ledger_index":7`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
	var j Evidence
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(e, j); diff != "" {
		t.Errorf("through JSON (-want +got):\n%s", diff)
	}
}

func TestParseSystemVersion(t *testing.T) {
	for in, ok := range map[string]bool{"ca-issuing@4.2.1": true, "tsa@git:abc123": true, "ca-issuing": false, "@1": false, "ca@": false, "ca 1@2": false} {
		_, err := ParseSystemVersion(in)
		if (err == nil) != ok {
			t.Errorf("ParseSystemVersion(%q): %v", in, err)
		}
	}
}
