// Package profile checks the figures that the certificate and time-stamping
// profiles of EN 319 401 (EN 319 411-1, EN 319 421) and the CA/Browser
// Forum Baseline Requirements set, from the artefacts that prove them
// rather than from claims: a series of CRLs, revocation requests against
// the CRLs that first list them, and clock samples against the declared
// accuracy and the records of stopped issuance. The checks are pure
// functions over parsed evidence; each returns one Check per requirement,
// and a check that lacks the evidence to decide fails, so an unprovable
// figure never reads as met.
package profile

import (
	"fmt"
	"strings"
	"time"

	"github.com/evidenthq/evident/internal/importer/crl"
)

// Requirement ids whose figures this package checks. Ids of ETSI
// standards carry the standard; CA/B Forum ids are the section numbers of
// the Baseline Requirements.
const (
	CRLInterval411     = "EN319411-1 CSS-6.3.9-05"
	RevocationDelay411 = "EN319411-1 REV-6.2.4-03A"
	RevocationEIDAS    = "eIDAS Art. 24(3)"
	RevocationBR       = "CABF-BR-4.9.1.1"
	RevocationSubCABR  = "CABF-BR-4.9.1.2"
	CRLIntervalBR      = "CABF-BR-4.9.7"
	OCSPValidityBR     = "CABF-BR-4.9.10"
	ClockAccuracy421   = "EN319421 TIS-7.7.2-03"
)

// Day is 24 hours, as the requirements count it (no daylight saving in UTC).
const Day = 24 * time.Hour

// Check is the outcome of one figure against the evidence.
type Check struct {
	Requirement string `json:"requirement"`
	Pass        bool   `json:"pass"`
	// Pending is true for a check the evidence cannot decide yet: a
	// revocation requested less than its deadline before the latest CRL.
	// It does not pass; it is not a failure either.
	Pending bool `json:"pending,omitempty"`
	// Detail says what was measured and, on failure, where: the dates of
	// the gap, the serial and its delay, the sample and its offset.
	Detail string `json:"detail"`
}

// CRLPublication checks the longest gap between consecutive CRLs of a
// series against max, for the requirement req (CRLInterval411 with Day;
// CRLIntervalBR with 7 days, or 4 when the CA does not run OCSP). A single
// CRL proves no interval and fails.
func CRLPublication(req string, s *crl.Series, max time.Duration) Check {
	c := Check{Requirement: req}
	if s == nil || len(s.CRLs) < 2 {
		c.Detail = "fewer than two CRLs: no publication interval is proven"
		return c
	}
	var over []string
	for i := 1; i < len(s.CRLs); i++ {
		a, b := s.CRLs[i-1].ThisUpdate.UTC(), s.CRLs[i].ThisUpdate.UTC()
		if gap := b.Sub(a); gap > max {
			over = append(over, fmt.Sprintf("%s to %s (%s)", a.Format(time.RFC3339), b.Format(time.RFC3339), hours(gap)))
		}
	}
	gap, _, _ := s.MaxInterval()
	if len(over) > 0 {
		c.Detail = fmt.Sprintf("%d of %d intervals longer than %s: %s", len(over), len(s.CRLs)-1, hours(max), strings.Join(over, "; "))
		return c
	}
	c.Pass = true
	c.Detail = fmt.Sprintf("%d CRLs from %s to %s, longest interval %s (at most %s)", len(s.CRLs),
		s.CRLs[0].ThisUpdate.UTC().Format(time.RFC3339), s.CRLs[len(s.CRLs)-1].ThisUpdate.UTC().Format(time.RFC3339), hours(gap), hours(max))
	return c
}

func hours(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d h", d/time.Hour)
	}
	return fmt.Sprintf("%.1f h", d.Hours())
}
