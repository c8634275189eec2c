// Package tsr checks RFC 3161 time-stamp responses (`openssl ts -reply`,
// or any TSA's answer): the status the TSA gave, the signature over the
// token, the TSA certificate chain to the trusted roots and, when the
// stamped data is known, the message imprint.
package tsr

import (
	"bytes"
	"context"
	"crypto"
	_ "crypto/sha1" // tokens name these algorithms; link them so Available is true
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer/report"
)

// Format is the name this package parses.
const Format = "tsr"

// Detect reports whether head starts like a DER TimeStampResp: a SEQUENCE
// holding a PKIStatusInfo SEQUENCE whose first element is an INTEGER.
func Detect(head []byte) bool {
	rest, ok := enter(head)
	if !ok {
		return false
	}
	rest, ok = enter(rest)
	return ok && len(rest) > 2 && rest[0] == 0x02 && rest[1] >= 1 && rest[1] <= 4
}

// enter skips the tag and length of a DER SEQUENCE and returns its content.
func enter(b []byte) ([]byte, bool) {
	if len(b) < 2 || b[0] != 0x30 {
		return nil, false
	}
	n := int(b[1])
	if n < 0x80 {
		return b[2:], true
	}
	k := n & 0x7f
	if k == 0 || k > 4 || len(b) < 2+k {
		return nil, false
	}
	return b[2+k:], true
}

type response struct {
	Status struct {
		Status       int
		StatusString []string       `asn1:"optional,utf8"`
		FailInfo     asn1.BitString `asn1:"optional"`
	}
	Token asn1.RawValue `asn1:"optional"`
}

type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint struct {
		HashAlgorithm pkix.AlgorithmIdentifier
		HashedMessage []byte
	}
	SerialNumber *big.Int
	GenTime      time.Time `asn1:"generalized"`
	Accuracy     struct {
		Seconds int `asn1:"optional"`
		Millis  int `asn1:"optional,tag:0"`
		Micros  int `asn1:"optional,tag:1"`
	} `asn1:"optional"`
	Ordering   bool          `asn1:"optional,default:false"`
	Nonce      *big.Int      `asn1:"optional"`
	TSA        asn1.RawValue `asn1:"optional,tag:0"`
	Extensions asn1.RawValue `asn1:"optional,tag:1"`
}

var statusNames = []string{"granted", "grantedWithMods", "rejection", "waiting", "revocationWarning", "revocationNotification"}

// Parse checks the response. Failed checks are metrics and findings, not
// errors: a rejected or badly signed response is evidence that the TSA
// service failed, and the verdict must say so. Only input that is not a
// time-stamp response at all is an error.
func Parse(ctx context.Context, data []byte, c report.Context) (*report.Result, error) {
	var resp response
	rest, err := asn1.Unmarshal(data, &resp)
	if err != nil && strings.Contains(err.Error(), "data truncated") {
		return nil, report.Truncated("time-stamp response ends before its DER structure does (%d bytes)", len(data))
	}
	if err != nil {
		return nil, evident.Errorf(evident.EINVALID, "file is not an RFC 3161 time-stamp response: %v", err)
	}
	if len(rest) > 0 {
		return nil, evident.ErrorAt(evident.EINVALID, fmt.Sprintf("offset %d", len(data)-len(rest)), "time-stamp response has %d bytes of trailing data", len(rest))
	}
	res := report.New(Format, "tsa")
	st := resp.Status.Status
	res.Summary["status"] = statusName(st)
	res.Metrics["status"] = float64(st)
	// A rejection is the TSA's answer to the check, and fails it; only a
	// token whose signature cannot be checked at all checked nothing.
	res.Metrics[report.Checked] = 1
	for _, m := range []string{"status_ok", "signature_valid", "chain_valid"} {
		res.Metrics[m] = 0
	}
	if st > 1 {
		res.Note(report.Finding{Key: "status", Severity: "high", Rule: "status_ok", Title: "the TSA did not grant a time-stamp: " + statusName(st),
			Detail: strings.Join(resp.Status.StatusString, "; "), Metrics: []string{"status_ok", "signature_valid", "chain_valid"}})
		return res, nil
	}
	res.Metrics["status_ok"] = 1
	if len(resp.Token.FullBytes) == 0 {
		return nil, evident.Errorf(evident.EINVALID, "time-stamp response is %s but holds no token", statusName(st))
	}
	if err := checkToken(res, resp.Token.FullBytes, c); err != nil {
		return nil, err
	}
	res.Sort()
	return res, nil
}

func statusName(s int) string {
	if s >= 0 && s < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("unknown status %d", s)
}

// parsePKCS7 wraps pkcs7.Parse, whose BER-to-DER conversion indexes past
// the end of some truncated inputs and panics (found by fuzzing). A hostile
// file must be an error naming what is wrong, never a crash.
func parsePKCS7(token []byte) (p7 *pkcs7.PKCS7, err error) {
	defer func() {
		if r := recover(); r != nil {
			p7, err = nil, fmt.Errorf("malformed BER encoding (%v)", r)
		}
	}()
	return pkcs7.Parse(token)
}

func checkToken(res *report.Result, token []byte, c report.Context) error {
	p7, err := parsePKCS7(token)
	if err != nil {
		return evident.Errorf(evident.EINVALID, "time-stamp token is not CMS signed data: %v", err)
	}
	var info tstInfo
	if _, err := asn1.Unmarshal(p7.Content, &info); err != nil {
		return evident.Errorf(evident.EINVALID, "time-stamp token content is not a TSTInfo: %v", err)
	}
	res.Time = info.GenTime.UTC()
	res.Summary["gen_time"] = res.Time.Format(time.RFC3339Nano)
	res.Summary["policy"] = info.Policy.String()
	if info.SerialNumber != nil {
		res.Summary["serial"] = info.SerialNumber.String()
	}
	res.Summary["imprint"] = hex.EncodeToString(info.MessageImprint.HashedMessage)
	if acc := accuracy(info); acc > 0 {
		res.Metrics["accuracy_s"] = acc.Seconds()
		res.Summary["accuracy"] = acc.String()
	}
	if !c.Now.IsZero() {
		res.Metrics["gen_time_age_s"] = c.Now.Sub(res.Time).Seconds()
	}
	embedded := len(p7.Certificates) > 0
	res.Summary["certificates"] = fmt.Sprintf("%d in token", len(p7.Certificates))
	p7.Certificates = append(p7.Certificates, c.TSACerts...)
	signer := signerCert(p7)
	if signer != nil {
		res.Target = signer.Subject.String()
	}
	checkValidity(res, signer)
	checkSignature(res, p7, signer, embedded)
	checkChain(res, p7, signer, c.TSARoots)
	checkImprint(res, info, c)
	return nil
}

func accuracy(info tstInfo) time.Duration {
	a := info.Accuracy
	return time.Duration(a.Seconds)*time.Second + time.Duration(a.Millis)*time.Millisecond + time.Duration(a.Micros)*time.Microsecond
}

// checkValidity compares the time in the token with the validity of the
// TSU certificate that signed it: a token dated outside it was issued by a
// unit that had no valid certificate then (EN 319 421 asks that none be).
// Without a signer certificate there is no within_tsu_validity metric, so a
// criterion on it fails.
func checkValidity(res *report.Result, signer *x509.Certificate) {
	if signer == nil {
		return
	}
	res.Summary["tsu_not_before"] = signer.NotBefore.UTC().Format(time.RFC3339)
	res.Summary["tsu_not_after"] = signer.NotAfter.UTC().Format(time.RFC3339)
	if res.Time.Before(signer.NotBefore) || res.Time.After(signer.NotAfter) {
		res.Metrics["within_tsu_validity"] = 0
		res.Note(report.Finding{Key: "tsu_validity", Target: res.Target, Severity: "critical", Rule: "within_tsu_validity",
			Title:  "the token is dated outside its TSU certificate's validity",
			Detail: fmt.Sprintf("genTime %s, certificate valid %s to %s", res.Summary["gen_time"], res.Summary["tsu_not_before"], res.Summary["tsu_not_after"]), Metrics: []string{"within_tsu_validity"}})
		return
	}
	res.Metrics["within_tsu_validity"] = 1
}

// signerCert finds the certificate of the token's only signer, from the
// token or from the certificates the context supplies.
func signerCert(p7 *pkcs7.PKCS7) (cert *x509.Certificate) {
	defer func() {
		// GetOnlySigner indexes the signer list; a hostile token may have none.
		if recover() != nil {
			cert = nil
		}
	}()
	if len(p7.Signers) != 1 {
		return nil
	}
	return p7.GetOnlySigner()
}

func checkSignature(res *report.Result, p7 *pkcs7.PKCS7, signer *x509.Certificate, embedded bool) {
	if signer == nil {
		why := "the token has no single signer"
		if !embedded {
			why = "the token carries no certificate and none was supplied for its signer"
		}
		res.NothingChecked("the token's signature cannot be checked: " + why)
		res.Note(report.Finding{Key: "signature", Severity: "high", Rule: "signature_valid", Title: "the token signature cannot be checked", Detail: why, Metrics: []string{"signature_valid", "chain_valid"}})
		return
	}
	if err := p7.Verify(); err != nil {
		res.Note(report.Finding{Key: "signature", Target: res.Target, Severity: "critical", Rule: "signature_valid", Title: "the token signature is not valid", Detail: err.Error(), Metrics: []string{"signature_valid"}})
		return
	}
	res.Metrics["signature_valid"] = 1
}

// checkChain verifies the signer to the roots at the time of stamping, for
// the time-stamping purpose only: a TLS certificate signing tokens is a
// finding, even from a trusted CA.
func checkChain(res *report.Result, p7 *pkcs7.PKCS7, signer *x509.Certificate, roots *x509.CertPool) {
	if signer == nil {
		return
	}
	if roots == nil {
		res.Note(report.Finding{Key: "chain", Target: res.Target, Severity: "high", Rule: "chain_valid", Title: "no TSA trust anchors were given, so the chain is not trusted", Metrics: []string{"chain_valid"}})
		return
	}
	inter := x509.NewCertPool()
	for _, cert := range p7.Certificates {
		inter.AddCert(cert)
	}
	_, err := signer.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: res.Time, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}})
	if err != nil {
		res.Note(report.Finding{Key: "chain", Target: res.Target, Severity: "critical", Rule: "chain_valid", Title: "the TSA certificate does not chain to a trusted root for time-stamping", Detail: err.Error(), Metrics: []string{"chain_valid"}})
		return
	}
	res.Metrics["chain_valid"] = 1
}

var hashes = map[string]crypto.Hash{
	"1.3.14.3.2.26":          crypto.SHA1,
	"2.16.840.1.101.3.4.2.1": crypto.SHA256,
	"2.16.840.1.101.3.4.2.2": crypto.SHA384,
	"2.16.840.1.101.3.4.2.3": crypto.SHA512,
}

// checkImprint compares the token's imprint with the stamped data or its
// digest. Without either there is no imprint_ok metric, so a criterion that
// demands it fails rather than passing unchecked.
func checkImprint(res *report.Result, info tstInfo, c report.Context) {
	want := c.StampedDigest
	h, known := hashes[info.MessageImprint.HashAlgorithm.Algorithm.String()]
	res.Summary["hash"] = info.MessageImprint.HashAlgorithm.Algorithm.String()
	if known {
		res.Summary["hash"] = h.String()
	}
	if c.StampedData != nil {
		if !known {
			res.Metrics["imprint_ok"] = 0
			res.Note(report.Finding{Key: "imprint", Severity: "high", Rule: "imprint_ok", Title: "the token uses an unknown hash algorithm", Detail: res.Summary["hash"], Metrics: []string{"imprint_ok"}})
			return
		}
		hh := h.New()
		hh.Write(c.StampedData)
		want = hh.Sum(nil)
	}
	if want == nil {
		return
	}
	if bytes.Equal(want, info.MessageImprint.HashedMessage) {
		res.Metrics["imprint_ok"] = 1
		return
	}
	res.Metrics["imprint_ok"] = 0
	res.Note(report.Finding{Key: "imprint", Severity: "critical", Rule: "imprint_ok", Title: "the token does not cover the given data",
		Detail: fmt.Sprintf("token imprint %x, data digest %x", info.MessageImprint.HashedMessage, want), Metrics: []string{"imprint_ok"}})
}
