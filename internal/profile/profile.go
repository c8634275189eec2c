package profile

import (
	"slices"
	"time"

	"github.com/evidenthq/evident"
)

// Profile ids, as `status --standard` will name them once the standard id
// space accepts them (see Standard).
const (
	EN319411_1 = "en319411-1" // policy requirements for CAs issuing certificates, V1.5.1
	EN319411_2 = "en319411-2" // qualified certificates, V2.6.1
	EN319421   = "en319421"   // time-stamping TSPs, V1.3.1
	CABFBR     = "cabf-br"    // CA/Browser Forum TLS Baseline Requirements, v2.2.6
	CABFNSR    = "cabf-nsr"   // CA/Browser Forum Network and Certificate System Security Requirements, v2.0.5
)

// Standard describes a profile for the standard id space: its id, title,
// version and source, and whether its text may be stored (CC BY 4.0 for
// the CA/B Forum documents; ETSI text is copyrighted, so only ids, types,
// our paraphrase and figures are).
type Standard struct {
	ID       string
	Title    string
	Version  string
	Source   string
	Licence  string
	Inherits string // the standard whose requirements it applies by reference
}

// Standards lists the profiles, in the order views show them.
var Standards = []Standard{
	{EN319411_1, "ETSI EN 319 411-1: policy and security requirements for TSPs issuing certificates", "1.5.1", "etsi.org", "ETSI copyright: ids, figures and our paraphrase only", "EN319401"},
	{EN319411_2, "ETSI EN 319 411-2: requirements for TSPs issuing EU qualified certificates", "2.6.1", "etsi.org", "ETSI copyright: ids, figures and our paraphrase only", EN319411_1},
	{EN319421, "ETSI EN 319 421: policy and security requirements for TSPs issuing time-stamps", "1.3.1", "etsi.org", "ETSI copyright: ids, figures and our paraphrase only", "EN319401"},
	{CABFBR, "CA/Browser Forum Baseline Requirements for publicly-trusted TLS server certificates", "2.2.6", "github.com/cabforum/servercert docs/BR.md", "CC BY 4.0", ""},
	{CABFNSR, "CA/Browser Forum Network and Certificate System Security Requirements", "2.0.5", "github.com/cabforum/netsec docs/NSR.md", "CC BY 4.0", ""},
}

// Applicable returns the profiles a program's services call for: EN 319
// 411-1 for any certificate service, EN 319 411-2 when one is qualified in
// whole or in part, EN 319 421 for a time-stamp service, and the CA/B
// Forum BR and NSR for a certificate service the scope marks publicly
// trusted (or every certificate service, when publicTLS says so).
func Applicable(services []evident.Service, publicTLS bool) []string {
	var out []string
	add := func(id string) {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, s := range services {
		switch s.Type {
		case evident.ServiceCertificates:
			add(EN319411_1)
			if s.Qualification == evident.Qualified || s.Qualification == evident.Mixed {
				add(EN319411_2)
			}
			if publicTLS || s.PubliclyTrusted {
				add(CABFBR)
				add(CABFNSR)
			}
		case evident.ServiceTimeStamps:
			add(EN319421)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return index(a) - index(b) })
	return out
}

func index(id string) int {
	return slices.IndexFunc(Standards, func(s Standard) bool { return s.ID == id })
}

// Figure is one checkable figure of a profile: the requirement id, our
// paraphrase, the limit, and how Evident checks it. Verified says whether
// the id and figure were read in the source itself; the ETSI ids come
// from the issue that asked for them and wait for a reading of the text.
type Figure struct {
	Standard    string
	ID          string
	Paraphrase  string
	Limit       time.Duration
	CheckedFrom string
	Verified    bool
}

// Figures lists the figures this package and the importers check.
var Figures = []Figure{
	{EN319411_1, "CSS-6.3.9-05", "a new CRL is issued at least every 24 hours", Day, "a CRL series: `revocation check`, crl import metric max_interval_h", false},
	{EN319411_1, "REV-6.2.4-03A", "revocation status is published within 24 hours of the request", Day, "recorded revocation requests against the first CRL listing the serial: `revocation check`", false},
	{EN319411_1, "OVR-6.4.6-01", "records are kept at least 7 years", 7 * 365 * Day, "not checked yet", false},
	{EN319411_1, "GEN-6.5.1-13A", "CA key generation follows a ceremony with a report", 0, "ceremony import: required fields, two trusted roles", false},
	{EN319421, "TIS-7.7.2-03", "the TSU clock is within the declared accuracy (at most 1 s) of UTC, or issuance stops", MaxTSUAccuracy, "chrony imports and issuance stops: `issuance check`", false},
	{"eIDAS", "Art. 24(3)", "a qualified TSP publishes a revocation within 24 hours of the request", Day, "`revocation check` for a qualified certificate service", true},
	{CABFBR, "4.9.1.1", "a subscriber certificate is revoked within 24 hours, or 5 days for the cases that allow it", Day, "`revocation check` for a publicly_trusted service (or --public-tls)", true},
	{CABFBR, "4.9.1.2", "a subordinate CA certificate is revoked within 7 days", 7 * Day, "`revocation check --public-tls` for a request marked --subordinate-ca", true},
	{CABFBR, "4.9.7", "a CRL for subscriber certificates at least every 7 days (4 without OCSP pointers), for CA certificates every 12 months, and within 24 hours of a revocation", 7 * Day, "crl import metric max_interval_h (criterion set by the control)", true},
	{CABFBR, "4.9.10", "an OCSP response for a subscriber certificate is valid 8 hours to 10 days", 10 * Day, "ocsp import metric validity_h (default criteria)", true},
	{CABFBR, "2.3", "the CP/CPS is updated at least every 366 days", 366 * Day, "a floor (evident.CABFFloors) on controls meeting REQ-6.1-08 of a publicly trusted CA", true},
	{CABFBR, "8.7", "self-audits at least quarterly on at least 3 % of certificates (at least one)", 92 * Day, "a floor (evident.CABFFloors) on zlint-importing controls of a publicly trusted CA; the 3 % sample is not checked", true},
	{CABFBR, "6.1.1.1", "CA key pair generation has a ceremony report with trusted roles", 0, "ceremony import", true},
	{CABFNSR, "2.2.1.4", "accounts with access to CA infrastructure are reviewed at least every 3 months", 92 * Day, "a floor (evident.CABFFloors) on controls meeting REQ-7.4.1-07 of a publicly trusted CA", true},
	{CABFNSR, "3.1.2", "log integrity is monitored continuously or reviewed at least every 31 days", 31 * Day, "a floor (evident.CABFFloors) on controls meeting REQ-7.10-08 of a publicly trusted CA", true},
	{CABFNSR, "4.2.1.1", "penetration tests at least annually", 366 * Day, "a floor (evident.CABFFloors) on controls meeting REQ-7.8-19 of a publicly trusted CA", true},
}
