package profile

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer"
	"github.com/evidenthq/evident/internal/importer/crl"
)

// The fixtures are real openssl output (internal/importer/testdata/regen.sh,
// gen_revocation): daily.crl is three CRLs 24 h apart, gap.crl has 36 h
// between its second and third; in both, serials 1003 (keyCompromise) and
// 1004 (superseded) first appear on the second CRL.
func series(t *testing.T, name string) *crl.Series {
	t.Helper()
	b, err := os.ReadFile("../importer/testdata/crl/" + name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := crl.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCRLGapFailsCSS(t *testing.T) {
	c := CRLPublication(CRLInterval411, series(t, "gap.crl"), Day)
	if c.Pass || !strings.Contains(c.Detail, "(36 h)") {
		t.Errorf("gap series: %+v, want a failure naming the 36 h interval", c)
	}
	if c := CRLPublication(CRLInterval411, series(t, "daily.crl"), Day); !c.Pass {
		t.Errorf("daily series: %+v, want a pass", c)
	}
	// The same gap is within the Baseline Requirements' 7 days.
	if c := CRLPublication(CRLIntervalBR, series(t, "gap.crl"), 7*Day); !c.Pass {
		t.Errorf("gap series against 7 days: %+v, want a pass", c)
	}
	one := series(t, "revoked.crl")
	if c := CRLPublication(CRLInterval411, one, Day); c.Pass {
		t.Errorf("one CRL: %+v, want a failure: one CRL proves no interval", c)
	}
}

func TestRevocationPublished30hLaterFails(t *testing.T) {
	s := series(t, "daily.crl")
	e, ok := s.First("1003")
	if !ok || e.Reason != "keyCompromise" {
		t.Fatalf("serial 1003: %+v, %v; want it listed for keyCompromise", e, ok)
	}
	late := evident.RevocationRequest{Serial: "1003", ReceivedAt: e.FirstListed.Add(-30 * time.Hour), Reason: e.Reason}
	checks := Revocations([]evident.RevocationRequest{late}, s, true, true)
	want := map[string]bool{RevocationDelay411: false, RevocationEIDAS: false, RevocationBR: false}
	if len(checks) != len(want) {
		t.Fatalf("checks %+v, want one per clock %v", checks, want)
	}
	for _, c := range checks {
		if pass, ok := want[c.Requirement]; !ok || c.Pass != pass || !strings.Contains(c.Detail, "30 h") {
			t.Errorf("%+v: want pass=%v naming the 30 h delay", c, pass)
		}
	}
	// cessationOfOperation gets 5 days from the Baseline Requirements,
	// but still 24 hours from EN 319 411-1; superseded, which names 24 h
	// cases as well as 5-day ones, is held to 24 hours.
	ceased := evident.RevocationRequest{Serial: "1004", ReceivedAt: e.FirstListed.Add(-30 * time.Hour), Reason: "cessationOfOperation"}
	for _, c := range Revocations([]evident.RevocationRequest{ceased}, s, false, true) {
		if c.Pass != (c.Requirement == RevocationBR) {
			t.Errorf("cessationOfOperation: %+v", c)
		}
	}
	sup := ceased
	sup.Reason = "superseded"
	for _, c := range Revocations([]evident.RevocationRequest{sup}, s, false, true) {
		if c.Pass {
			t.Errorf("superseded: %+v, want 24 h clocks failing", c)
		}
	}
	onTime := evident.RevocationRequest{Serial: "1003", ReceivedAt: e.RevokedAt, Reason: e.Reason}
	for _, c := range Revocations([]evident.RevocationRequest{onTime}, s, true, true) {
		if !c.Pass {
			t.Errorf("revoked when requested: %+v, want a pass (%s)", c, e.FirstListed.Sub(e.RevokedAt))
		}
	}
	missing := evident.RevocationRequest{Serial: "ABCDEF", ReceivedAt: s.CRLs[0].ThisUpdate}
	if c := RevocationPublished(missing, s, Deadline{RevocationDelay411, Day}); c.Pass || !strings.Contains(c.Detail, "on no CRL") {
		t.Errorf("never listed: %+v, want a failure", c)
	}
}

// chronySample parses the recorded chronyc report with its system time
// offset replaced, as the importer's completeness cases derive edge cases
// from real output.
func chronySample(t *testing.T, offset string, at time.Time) ClockSample {
	t.Helper()
	b, err := os.ReadFile("../importer/testdata/chrony/synced.txt")
	if err != nil {
		t.Fatal(err)
	}
	const line = "System time     : 0.000001266 seconds fast of NTP time"
	if !strings.Contains(string(b), line) {
		t.Fatalf("fixture no longer holds %q", line)
	}
	b = []byte(strings.Replace(string(b), line, "System time     : "+offset+" seconds slow of NTP time", 1))
	res, err := importer.Parse(context.Background(), "chrony", strings.NewReader(string(b)), importer.Context{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Sample(res, at)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestClockOffBy1400msFailsWithoutStop(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	samples := []ClockSample{chronySample(t, "0.000001266", t0), chronySample(t, "1.400000000", t0.Add(time.Hour))}
	if samples[1].Offset != 1400*time.Millisecond {
		t.Fatalf("offset %s, want 1.4s", samples[1].Offset)
	}
	c := ClockAccuracy(samples, time.Second, nil)
	if c.Pass || c.Requirement != ClockAccuracy421 || !strings.Contains(c.Detail, "1.4s") {
		t.Errorf("no stop record: %+v, want TIS-7.7.2-03 failing on the 1.4s sample", c)
	}
	stop := []evident.IssuanceStop{{From: t0.Add(30 * time.Minute), To: t0.Add(2 * time.Hour)}}
	if c := ClockAccuracy(samples, time.Second, stop); !c.Pass {
		t.Errorf("issuance stopped: %+v, want a pass", c)
	}
	before := []evident.IssuanceStop{{From: t0.Add(2 * time.Hour)}}
	if c := ClockAccuracy(samples, time.Second, before); c.Pass {
		t.Errorf("stop after the breach: %+v, want a failure", c)
	}
	if c := ClockAccuracy(samples[:1], 2*time.Second, nil); c.Pass {
		t.Errorf("declared 2 s: %+v, want a failure: over 1 s", c)
	}
	if c := ClockAccuracy(nil, time.Second, nil); c.Pass {
		t.Errorf("no samples: %+v, want a failure", c)
	}
}

// A program with a qualified TLS CA and a TSA gets both certificate
// profiles, the CA/B Forum's and the time-stamping one.
func TestApplicableProfiles(t *testing.T) {
	services := []evident.Service{
		{ID: "qwac", Type: evident.ServiceCertificates, Qualification: evident.Qualified, PubliclyTrusted: true},
		{ID: "tsa", Type: evident.ServiceTimeStamps, Qualification: evident.Qualified},
	}
	got := Applicable(services, false)
	want := []string{EN319411_1, EN319411_2, EN319421, CABFBR, CABFNSR}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("qualified TLS CA and TSA: %v, want %v", got, want)
	}
	nq := []evident.Service{{ID: "dv", Type: evident.ServiceCertificates, Qualification: evident.NonQualified}}
	if got := Applicable(nq, false); strings.Join(got, ",") != EN319411_1 {
		t.Errorf("non-qualified private CA: %v, want only %s", got, EN319411_1)
	}
	if got := Applicable(nq, true); !strings.Contains(strings.Join(got, ","), CABFBR) {
		t.Errorf("--public-tls no longer applies the CA/B Forum profiles: %v", got)
	}
}

// The figures read from BR v2.2.6 and NSR v2.0.5 (CC BY 4.0), by section.
func TestCABForumFigures(t *testing.T) {
	want := map[string]time.Duration{
		"cabf-br 4.9.1.1": Day, "cabf-br 4.9.1.2": 7 * Day, "cabf-br 4.9.7": 7 * Day, "cabf-br 4.9.10": 10 * Day,
		"cabf-br 2.3": 366 * Day, "cabf-br 8.7": 92 * Day, "cabf-br 6.1.1.1": 0,
		"cabf-nsr 2.2.1.4": 92 * Day, "cabf-nsr 3.1.2": 31 * Day, "cabf-nsr 4.2.1.1": 366 * Day,
	}
	got := map[string]time.Duration{}
	for _, f := range Figures {
		if f.Standard == CABFBR || f.Standard == CABFNSR {
			got[f.Standard+" "+f.ID] = f.Limit
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d CA/B Forum figures, want %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %v, want %v", k, got[k], v)
		}
	}
}
