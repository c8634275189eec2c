package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident/internal/importer/crl"
	"github.com/evidenthq/evident/internal/profile"
)

func pkiEnv(t *testing.T) map[string]string {
	t.Helper()
	env := map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "data"), "EVIDENT_ACTOR": "ra@example.eu"}
	for _, args := range [][]string{{"init", "--name", "PKI Test TSP"}, {"apply", "-f", filepath.Join("testdata", "pki")}} {
		if code, out, errs := cli(t, env, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	return env
}

func checksJSON(t *testing.T, env map[string]string, wantCode int, args ...string) checksReport {
	t.Helper()
	code, out, errs := cli(t, env, append(args, "--json")...)
	if code != wantCode {
		t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, wantCode, out, errs)
	}
	var r checksReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v --json: %v\n%s", args, err, out)
	}
	return r
}

func verdicts(r checksReport) map[string]bool {
	out := map[string]bool{}
	for _, c := range r.Checks {
		out[c.Requirement] = c.Pass
	}
	return out
}

// The done-when checks of the certificate profile, from real openssl CRLs
// (internal/importer/testdata/crl, made by regen.sh): a 36 h gap fails
// CSS-6.3.9-05, and a revocation first listed 30 h after its recorded
// request fails REV-6.2.4-03A and, the service being qualified, eIDAS Art.
// 24(3).
func TestRevocationCheckFromRealCRLs(t *testing.T) {
	t.Parallel()
	env := pkiEnv(t)
	dir := filepath.Join("..", "..", "internal", "importer", "testdata", "crl")
	b, err := os.ReadFile(filepath.Join(dir, "gap.crl"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := crl.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := s.First("1003")
	received := e.FirstListed.Add(-30 * time.Hour).Format(time.RFC3339)
	if code, out, errs := cli(t, env, "revocation", "request", "--serial", "1003", "--reason", "keyCompromise", "--service", "qcert", "--received", received); code != 0 {
		t.Fatalf("revocation request: exit %d\n%s%s", code, out, errs)
	}
	issuer := filepath.Join(dir, "issuer.pem")
	r := checksJSON(t, env, 1, "revocation", "check", filepath.Join(dir, "gap.crl"), "--issuer", issuer, "--public-tls")
	want := map[string]bool{profile.CRLInterval411: false, profile.RevocationDelay411: false, profile.RevocationEIDAS: false, profile.RevocationBR: false}
	if got := verdicts(r); !mapsEqual(got, want) || r.Failed != 4 {
		t.Errorf("gap series, request 30 h before: %v (failed %d), want %v", got, r.Failed, want)
	}
	if !strings.Contains(r.Checks[0].Detail, "(36 h)") {
		t.Errorf("CRL interval detail %q does not name the 36 h gap", r.Checks[0].Detail)
	}
	// The daily series has no gap; the request is as late on it.
	r = checksJSON(t, env, 1, "revocation", "check", filepath.Join(dir, "daily.crl"), "--issuer", issuer)
	if got := verdicts(r); !got[profile.CRLInterval411] || got[profile.RevocationDelay411] {
		t.Errorf("daily series: %v, want the interval to pass and the delay to fail", got)
	}
	// CRLs that do not verify against the given issuer prove nothing.
	other := filepath.Join("..", "..", "internal", "importer", "testdata", "tsr", "root.pem")
	if code, _, errs := cli(t, env, "revocation", "check", filepath.Join(dir, "daily.crl"), "--issuer", other); code != 2 || !strings.Contains(errs, "does not verify") {
		t.Errorf("wrong issuer: exit %d, %q; want exit 2 saying the CRL does not verify", code, errs)
	}
	// Imported as evidence for a control held to 24 h, the gap series is a
	// failing verdict and the control's window is failing. The series is
	// imported as November 2026's review of the CRL archive (the fixtures'
	// month), and readiness is read over that month, so the outcome does
	// not depend on the day the test runs.
	outs := importJSON(t, env, "crl", filepath.Join(dir, "gap.crl"), "--control", "crl-publication", "--issuer", issuer, "--effective", "2026-11-15T12:00:00Z")
	if len(outs) != 1 || outs[0].Verdict.Pass || outs[0].Metrics["max_interval_h"] != 36 {
		t.Fatalf("import gap.crl: %+v, want a failing verdict with max_interval_h 36", outs)
	}
	st := statusJSON(t, env, "--from", "2026-11-01", "--to", "2026-12-01")
	found := false
	for _, c := range st.Controls {
		if c.ID == "crl-publication" {
			found = true
			if c.Coverage == nil || c.Coverage.Failing != 1 {
				t.Errorf("crl-publication over November 2026: %+v, want its one window failing", c.Coverage)
			}
		}
	}
	if !found {
		t.Errorf("status has no crl-publication control")
	}
	if code, _, errs := cli(t, env, "revocation", "request", "--serial", "xyz"); code != 2 || !strings.Contains(errs, "serial") {
		t.Errorf("bad serial: exit %d, %q; want exit 2 naming the serial", code, errs)
	}
	if code, out, errs := cli(t, env, "verify"); code != 0 {
		t.Errorf("verify after revocation requests: exit %d\n%s%s", code, out, errs)
	}
}

// The CA/B Forum clock follows from the scope: a request for the service
// marked publicly_trusted runs against BR 4.9.1.1 without --public-tls, a
// request for the qualified private CA does not, and --public-tls still
// applies it to every request.
func TestPubliclyTrustedServiceGetsTheBRClock(t *testing.T) {
	t.Parallel()
	env := pkiEnv(t)
	dir := filepath.Join("..", "..", "internal", "importer", "testdata", "crl")
	issuer := filepath.Join(dir, "issuer.pem")
	b, err := os.ReadFile(filepath.Join(dir, "daily.crl"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := crl.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := s.First("1003")
	received := e.FirstListed.Add(-time.Hour).Format(time.RFC3339)
	for _, svc := range []string{"tls", "qcert"} {
		if code, out, errs := cli(t, env, "revocation", "request", "--serial", "1003", "--reason", "keyCompromise", "--service", svc, "--received", received); code != 0 {
			t.Fatalf("revocation request: exit %d\n%s%s", code, out, errs)
		}
	}
	br := func(r checksReport) (n int) {
		for _, c := range r.Checks {
			if c.Requirement == profile.RevocationBR {
				n++
			}
		}
		return n
	}
	if n := br(checksJSON(t, env, 0, "revocation", "check", filepath.Join(dir, "daily.crl"), "--issuer", issuer)); n != 1 {
		t.Errorf("without --public-tls: %d BR 4.9.1.1 checks, want 1, for the publicly trusted service's request", n)
	}
	if n := br(checksJSON(t, env, 0, "revocation", "check", filepath.Join(dir, "daily.crl"), "--issuer", issuer, "--public-tls")); n != 2 {
		t.Errorf("with --public-tls: %d BR 4.9.1.1 checks, want 2", n)
	}
}

// A chrony sample 1.4 s off with no issuance stop fails TIS-7.7.2-03; a
// stop recorded over it makes the breach allowed.
func TestClockBreachNeedsIssuanceStop(t *testing.T) {
	t.Parallel()
	env := pkiEnv(t)
	b, err := os.ReadFile(filepath.Join("..", "..", "internal", "importer", "testdata", "chrony", "synced.txt"))
	if err != nil {
		t.Fatal(err)
	}
	const line = "System time     : 0.000001266 seconds fast of NTP time"
	if !strings.Contains(string(b), line) {
		t.Fatalf("fixture no longer holds %q", line)
	}
	off := filepath.Join(t.TempDir(), "off.txt")
	if err := os.WriteFile(off, []byte(strings.Replace(string(b), line, "System time     : 1.400000000 seconds slow of NTP time", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	importJSON(t, env, "chrony", off, "--control", "tsu-clock", "--target", "tsa-unit", "--effective", "2026-11-27T10:00:00Z")
	r := checksJSON(t, env, 1, "issuance", "check", "--control", "tsu-clock")
	if len(r.Checks) != 1 || r.Checks[0].Pass || r.Checks[0].Requirement != profile.ClockAccuracy421 || !strings.Contains(r.Checks[0].Detail, "1.4s") {
		t.Fatalf("1.4 s off, no stop: %+v, want TIS-7.7.2-03 failing on the sample", r.Checks)
	}
	if code, out, errs := cli(t, env, "issuance", "stop", "--service", "qtsa", "--from", "2026-11-27T09:55:00Z", "--to", "2026-11-27T11:00:00Z", "--reason", "clock left its accuracy"); code != 0 {
		t.Fatalf("issuance stop: exit %d\n%s%s", code, out, errs)
	}
	r = checksJSON(t, env, 0, "issuance", "check", "--control", "tsu-clock")
	if !r.Checks[0].Pass {
		t.Errorf("with the stop recorded: %+v, want a pass", r.Checks[0])
	}
	if code, _, errs := cli(t, env, "issuance", "stop", "--from", "2026-11-27T09:55:00Z", "--to", "2026-11-27T08:00:00Z", "--reason", "x"); code != 2 || !strings.Contains(errs, "to") {
		t.Errorf("resumed before stopped: exit %d, %q; want exit 2", code, errs)
	}
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Revocation requests are judged against the CRLs already imported with a
// verified signature, as the API serves them: a request first listed 30 h
// after it was received fails, one listed 2 h after passes, and a CRL
// imported without --issuer (its signature unchecked) proves nothing.
func TestRevocationsAPIJudgesAgainstStoredSignedCRLs(t *testing.T) {
	t.Parallel()
	env := pkiEnv(t)
	dir := filepath.Join("..", "..", "internal", "importer", "testdata", "crl")
	b, err := os.ReadFile(filepath.Join(dir, "gap.crl"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := crl.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Entries) < 2 {
		t.Fatalf("gap.crl lists %d certificates, want at least 2", len(s.Entries))
	}
	late, inTime := s.Entries[0], s.Entries[1]
	for _, r := range []struct {
		e     crl.Entry
		delay time.Duration
	}{{late, 30 * time.Hour}, {inTime, 2 * time.Hour}} {
		mustRun(t, env, "revocation", "request", "--serial", r.e.Serial, "--reason", "keyCompromise", "--service", "qcert",
			"--received", r.e.FirstListed.Add(-r.delay).Format(time.RFC3339))
	}
	// Unsigned first: it must not decide anything.
	cli(t, env, "import", "crl", filepath.Join(dir, "gap.crl"), "--control", "crl-publication")

	mustRun(t, env, "user", "add", "ora", "--role", "compliance-manager")
	token := strings.TrimSpace(mustRun(t, env, "user", "token", "ora", "--name", "revocation-test"))
	base, stop := startServe(t, env)
	defer stop()
	verdicts := func() map[string]string {
		req, _ := http.NewRequest("GET", base+"/api/v1/revocations", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var page struct {
			Items []struct {
				Request struct {
					Serial string `json:"serial"`
				} `json:"request"`
				Verdict string `json:"verdict"`
			} `json:"items"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/v1/revocations: %d %v", resp.StatusCode, err)
		}
		out := map[string]string{}
		for _, it := range page.Items {
			out[it.Request.Serial] = it.Verdict
		}
		return out
	}
	if got := verdicts(); got[inTime.Serial] == "pass" {
		t.Errorf("with only an unsigned CRL stored: %v, want no request passing", got)
	}
	mustRun(t, env, "import", "crl", filepath.Join(dir, "gap.crl"), "--issuer", filepath.Join(dir, "issuer.pem"), "--control", "crl-publication")
	got := verdicts()
	if got[late.Serial] != "fail" || got[inTime.Serial] != "pass" {
		t.Errorf("verdicts against the stored signed CRLs: %v, want %s fail (30 h) and %s pass (2 h)", got, late.Serial, inTime.Serial)
	}
}
