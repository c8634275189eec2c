package profile

import (
	"context"
	"fmt"
	"io"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/importer/crl"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// StoredCRLs is the series of every CRL imported with a signature that
// verified against the CA's certificate (metric signature_valid 1), read
// back from the raw evidence: the CRLs a view can check revocation
// requests against without a file at hand. A CRL whose signature was not
// checked proves nothing and is left out. Nil when there is none.
func StoredCRLs(ctx context.Context, st *sqlstore.Store, blobs blob.Store) (*crl.Series, error) {
	runs, err := st.ImportRuns(ctx, sqlstore.ImportFilter{Format: crl.Format, NoFindings: true})
	if err != nil {
		return nil, err
	}
	var all []*crl.Series
	for _, r := range runs {
		if r.Metrics["signature_valid"] != 1 {
			continue
		}
		e, err := st.Evidence(ctx, r.RawID)
		if evident.ErrorCode(err) == evident.ENOTFOUND {
			continue // outside the reader's grant
		} else if err != nil {
			return nil, err
		}
		rc, err := blobs.Open(ctx, e.Digest)
		if err != nil {
			return nil, fmt.Errorf("CRL import %s: %w", r.ID, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("CRL import %s: %w", r.ID, err)
		}
		s, err := crl.Read(b)
		if err != nil {
			return nil, fmt.Errorf("CRL import %s: %w", r.ID, err)
		}
		all = append(all, s)
	}
	if len(all) == 0 {
		return nil, nil
	}
	return crl.Merge(all...), nil
}

// RequestStatus is a revocation request with the result of each clock it
// runs against.
type RequestStatus struct {
	Request evident.RevocationRequest `json:"request"`
	Checks  []Check                   `json:"checks"`
}

// Verdict sums up the request's checks: "fail" when any failed, "pending"
// when none failed and one is not proven yet, "pass" when all passed.
func (r RequestStatus) Verdict() string {
	v := "pass"
	for _, c := range r.Checks {
		switch {
		case !c.Pass && !c.Pending:
			return "fail"
		case c.Pending:
			v = "pending"
		}
	}
	return v
}

// RequestStatuses checks every request against the clocks that apply to
// it: EN 319 411-1 always, eIDAS Art. 24(3) when its service is qualified
// (Qualified), the CA/B Forum's when the scope marks it publicly trusted
// or allTLS says every request is. `revocation check`, the API and the
// web all judge requests here.
func RequestStatuses(m *evident.Model, reqs []evident.RevocationRequest, s *crl.Series, allTLS bool) []RequestStatus {
	out := make([]RequestStatus, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, RequestStatus{Request: r, Checks: Revocations([]evident.RevocationRequest{r}, s, Qualified(m, r.Service), allTLS || m.PubliclyTrusted(r.Service))})
	}
	return out
}

// Qualified reports whether the named certificate service, or when none
// is named any certificate service of the program, is qualified in whole
// or in part.
func Qualified(m *evident.Model, service string) bool {
	for _, s := range m.Services {
		if s.Type != evident.ServiceCertificates || service != "" && s.ID != service {
			continue
		}
		if s.Qualification == evident.Qualified || s.Qualification == evident.Mixed {
			return true
		}
	}
	return false
}
