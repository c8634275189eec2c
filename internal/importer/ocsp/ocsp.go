// Package ocsp reads an OCSP response (`openssl ocsp -respout`, or any
// responder's answer) as evidence of what a CA's responder says about a
// certificate and for how long: the certificate status, producedAt, and the
// thisUpdate..nextUpdate validity the CA/Browser Forum Baseline
// Requirements bound (at least 8 hours, at most 10 days).
package ocsp

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/crlreason"
	"github.com/evidenthq/evident/internal/importer/report"
	xocsp "golang.org/x/crypto/ocsp"
)

// Format is the name this package parses.
const Format = "ocsp"

// Detect reports whether head starts like a DER OCSPResponse: a SEQUENCE
// whose first element is the responseStatus ENUMERATED.
func Detect(head []byte) bool {
	if len(head) < 2 || head[0] != 0x30 {
		return false
	}
	n := int(head[1])
	skip := 2
	if n >= 0x80 {
		k := n & 0x7f
		if k == 0 || k > 4 {
			return false
		}
		skip += k
	}
	return len(head) >= skip+3 && head[skip] == 0x0a && head[skip+1] == 0x01
}

var responseStatus = map[xocsp.ResponseStatus]string{
	xocsp.Success: "successful", xocsp.Malformed: "malformedRequest", xocsp.InternalError: "internalError",
	xocsp.TryLater: "tryLater", xocsp.SignatureRequired: "sigRequired", xocsp.Unauthorized: "unauthorized",
}

var certStatus = map[int]string{xocsp.Good: "good", xocsp.Revoked: "revoked", xocsp.Unknown: "unknown"}

// Parse reads the response. Metrics: response_ok (the responder answered
// "successful"), status (0 good, 1 revoked, 2 unknown), good, validity_h
// (nextUpdate - thisUpdate; absent without a nextUpdate, so a criterion on
// it fails), age_h (Now - producedAt, with a clock), expired (Now past
// nextUpdate) and signature_valid (1 only when the response verifies
// against an issuer certificate the context supplies).
func Parse(ctx context.Context, data []byte, c report.Context) (*report.Result, error) {
	res := report.New(Format, "ocsp")
	res.Metrics[report.Checked] = 1
	res.Metrics["response_ok"] = 0
	res.Metrics["signature_valid"] = 0
	r, err := parse(data, nil)
	var re xocsp.ResponseError
	if errors.As(err, &re) {
		name := responseStatus[re.Status]
		res.Summary["response_status"] = name
		res.Note(report.Finding{Key: "response", Severity: "high", Rule: "response_ok", Title: "the responder did not answer: " + name, Metrics: []string{"response_ok"}})
		return res, nil
	}
	if err != nil {
		if strings.Contains(err.Error(), "truncated") {
			return nil, report.Truncated("OCSP response ends before its DER structure does (%d bytes)", len(data))
		}
		return nil, evident.Errorf(evident.EINVALID, "file is not an OCSP response: %v", err)
	}
	res.Metrics["response_ok"] = 1
	res.Summary["response_status"] = "successful"
	res.Summary["serial"] = strings.ToUpper(r.SerialNumber.Text(16))
	res.Target = res.Summary["serial"]
	res.Time = r.ProducedAt.UTC()
	res.Summary["produced_at"] = r.ProducedAt.UTC().Format(time.RFC3339)
	res.Summary["this_update"] = r.ThisUpdate.UTC().Format(time.RFC3339)
	status, ok := certStatus[r.Status]
	if !ok {
		return nil, evident.Errorf(evident.EINVALID, "OCSP response has certificate status %d", r.Status)
	}
	res.Summary["status"] = status
	res.Metrics["status"] = float64(r.Status)
	res.Metrics["good"] = b2f(r.Status == xocsp.Good)
	if r.Status == xocsp.Revoked {
		res.Summary["revoked_at"] = r.RevokedAt.UTC().Format(time.RFC3339)
		res.Summary["reason"] = crlreason.Name(r.RevocationReason)
	}
	validity(res, r, c.Now)
	checkSignature(res, data, c.Issuers)
	res.Sort()
	return res, nil
}

// parse wraps the decoder so that a hostile file is an error, never a crash.
func parse(data []byte, issuer *x509.Certificate) (r *xocsp.Response, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("malformed OCSP response (%v)", p)
		}
	}()
	return xocsp.ParseResponse(data, issuer)
}

func validity(res *report.Result, r *xocsp.Response, now time.Time) {
	if r.NextUpdate.IsZero() {
		res.Note(report.Finding{Key: "next_update", Severity: "high", Rule: "validity_h", Title: "the response has no nextUpdate, so its validity is unbounded", Metrics: []string{"validity_h"}})
	} else {
		res.Summary["next_update"] = r.NextUpdate.UTC().Format(time.RFC3339)
		res.Metrics["validity_h"] = r.NextUpdate.Sub(r.ThisUpdate).Hours()
	}
	if now.IsZero() {
		return
	}
	res.Metrics["age_h"] = now.Sub(r.ProducedAt).Hours()
	expired := r.NextUpdate.IsZero() || now.After(r.NextUpdate)
	res.Metrics["expired"] = b2f(expired)
	if expired {
		res.Note(report.Finding{Key: "expired", Severity: "high", Rule: "expired", Title: "the response is past its nextUpdate", Metrics: []string{"expired"}})
	}
}

func checkSignature(res *report.Result, data []byte, issuers []*x509.Certificate) {
	if len(issuers) == 0 {
		res.NothingChecked("no issuer certificate was given, so the response signature could not be checked")
		return
	}
	var last error
	for _, is := range issuers {
		if _, err := parse(data, is); err == nil {
			res.Metrics["signature_valid"] = 1
			return
		} else {
			last = err
		}
	}
	res.Note(report.Finding{Key: "signature", Severity: "critical", Rule: "signature_valid", Title: "the response signature does not verify against the given issuer certificates", Detail: last.Error(), Metrics: []string{"signature_valid"}})
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
