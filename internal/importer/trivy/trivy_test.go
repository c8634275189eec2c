package trivy

import (
	"context"
	"testing"

	"github.com/evidenthq/evident/internal/importer/report"
)

// report2 follows the shape of trivy's schema-2 JSON for one image with a
// vulnerability, a failed and a passed misconfiguration check and a secret.
// It is written for this test, to pin how each kind is counted; fixtures
// from the real tool live in ../testdata/trivy.
const report2 = `{
  "SchemaVersion": 2,
  "CreatedAt": "2026-11-27T10:00:00.123456789Z",
  "ArtifactName": "registry.example/tsa:1.4",
  "ArtifactType": "container_image",
  "Results": [
    {"Target": "registry.example/tsa:1.4 (debian 12.8)", "Class": "os-pkgs", "Type": "debian",
     "Vulnerabilities": [
       {"VulnerabilityID": "CVE-2024-0001", "PkgName": "openssl", "InstalledVersion": "3.0.15-1", "FixedVersion": "3.0.16-1", "Severity": "CRITICAL", "Title": "example"},
       {"VulnerabilityID": "CVE-2024-0002", "PkgName": "zlib", "InstalledVersion": "1.2.13", "Severity": "UNKNOWN"}
     ]},
    {"Target": "Dockerfile", "Class": "config",
     "Misconfigurations": [
       {"ID": "DS002", "AVDID": "AVD-DS-0002", "Title": "Image user should not be 'root'", "Severity": "HIGH", "Status": "FAIL"},
       {"ID": "DS001", "AVDID": "AVD-DS-0001", "Title": "':latest' tag used", "Severity": "MEDIUM", "Status": "PASS"}
     ]},
    {"Target": "key.pem", "Class": "secret",
     "Secrets": [{"RuleID": "private-key", "Category": "AsymmetricPrivateKey", "Severity": "HIGH", "Title": "Asymmetric Private Key", "StartLine": 1}]}
  ]
}`

func TestCountsEachKind(t *testing.T) {
	res, err := Parse(context.Background(), []byte(report2), report.Context{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		"vulns.critical": 1, "vulns.medium": 1, "misconfigs.high": 1, "misconfigs.passed": 1,
		"secrets.high": 1, "findings.critical": 1, "findings.high": 2, "findings.medium": 1, "findings.low": 0,
	}
	for k, v := range want {
		if res.Metrics[k] != v {
			t.Errorf("%s = %v, want %v", k, res.Metrics[k], v)
		}
	}
	if len(res.Findings) != 4 {
		t.Errorf("got %d findings, want 4 (the passed check is not one)", len(res.Findings))
	}
	if res.Time.IsZero() || res.Target != "registry.example/tsa:1.4" {
		t.Errorf("time %v target %q, want both from the report", res.Time, res.Target)
	}
}
