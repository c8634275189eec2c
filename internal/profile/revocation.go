package profile

import (
	"fmt"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer/crl"
)

// Deadline is a revocation clock: the requirement and how long after the
// request the revocation must be published.
type Deadline struct {
	Requirement string
	Within      time.Duration
}

// br5days are the reasons for which the Baseline Requirements v2.2.6
// (4.9.1.1) allow 5 days in every case they list. The other reasons name
// 24-hour cases too (unspecified for a subscriber's request,
// privilegeWithdrawn for an unauthorised request, superseded for domain
// validation that cannot be relied upon, keyCompromise always), and a
// reason code cannot tell which case applied, so they are held to 24
// hours: the stricter clock, unless proven otherwise.
var br5days = map[string]bool{"cessationOfOperation": true}

// Deadlines returns the clocks a revocation request runs against for a
// service: EN 319 411-1's 24 hours always, eIDAS Art. 24(3)'s 24 hours
// for a qualified service, and the CA/B Forum's by reason for a
// publicly-trusted TLS CA.
func Deadlines(r evident.RevocationRequest, qualified, publicTLS bool) []Deadline {
	out := []Deadline{{RevocationDelay411, Day}}
	if qualified {
		out = append(out, Deadline{RevocationEIDAS, Day})
	}
	switch {
	case publicTLS && r.SubordinateCA:
		out = append(out, Deadline{RevocationSubCABR, 7 * Day})
	case publicTLS && br5days[r.Reason]:
		out = append(out, Deadline{RevocationBR, 5 * Day})
	case publicTLS:
		out = append(out, Deadline{RevocationBR, Day})
	}
	return out
}

// RevocationPublished checks one request against the CRL series that
// should show it: the delay is from the request to the thisUpdate of the
// first CRL listing the serial. A serial the series never lists fails once
// the series runs past the deadline, and is not proven before then: either
// way the check does not pass.
func RevocationPublished(r evident.RevocationRequest, s *crl.Series, d Deadline) Check {
	c := Check{Requirement: d.Requirement}
	if s == nil || len(s.CRLs) == 0 {
		c.Detail = fmt.Sprintf("serial %s: no CRL to show its revocation", r.Serial)
		return c
	}
	e, ok := s.First(r.Serial)
	if !ok {
		last := s.CRLs[len(s.CRLs)-1].ThisUpdate.UTC()
		if last.Sub(r.ReceivedAt) > d.Within {
			c.Detail = fmt.Sprintf("serial %s requested %s is on no CRL up to %s, more than %s later", r.Serial, r.ReceivedAt.UTC().Format(time.RFC3339), last.Format(time.RFC3339), hours(d.Within))
		} else {
			c.Pending = true
			c.Detail = fmt.Sprintf("serial %s requested %s is on no CRL yet (latest %s): not proven", r.Serial, r.ReceivedAt.UTC().Format(time.RFC3339), last.Format(time.RFC3339))
		}
		return c
	}
	delay := e.FirstListed.Sub(r.ReceivedAt)
	c.Pass = delay <= d.Within
	verb := "within"
	if !c.Pass {
		verb = "later than"
	}
	c.Detail = fmt.Sprintf("serial %s requested %s, first listed %s: %s, %s %s", r.Serial, r.ReceivedAt.UTC().Format(time.RFC3339),
		e.FirstListed.Format(time.RFC3339), hours(delay), verb, hours(d.Within))
	return c
}

// Revocations checks every request against every clock that applies to it.
func Revocations(reqs []evident.RevocationRequest, s *crl.Series, qualified, publicTLS bool) []Check {
	var out []Check
	for _, r := range reqs {
		for _, d := range Deadlines(r, qualified, publicTLS) {
			out = append(out, RevocationPublished(r, s, d))
		}
	}
	return out
}
