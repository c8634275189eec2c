// Package tsatest runs a real RFC 3161 time-stamping authority over HTTP
// for tests, with its own small PKI: a root CA and a TSA certificate
// carrying the critical timeStamping extended key usage RFC 3161 demands.
// Tokens are issued with github.com/digitorus/timestamp, so what the
// ledger checks is a genuine CMS-signed TimeStampResp, not a stand-in.
package tsatest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
)

// PKI is a root CA and a TSA certificate it issued.
type PKI struct {
	Root    *x509.Certificate
	Roots   *x509.CertPool
	TSACert *x509.Certificate
	TSAKey  crypto.Signer
}

var (
	oidExtKeyUsage  = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

// NewPKI issues a TSA certificate. Go's x509 never marks the extended key
// usage critical, so the extension is written by hand; timeStamping false
// issues a plain certificate a TSA must not use.
func NewPKI(t testing.TB, timeStamping bool) PKI {
	t.Helper()
	rootKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	rootTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test TSA Root"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(rootDER)
	tsaKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Test TSA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	if timeStamping {
		v, _ := asn1.Marshal([]asn1.ObjectIdentifier{oidTimeStamping})
		tmpl.ExtraExtensions = []pkix.Extension{{Id: oidExtKeyUsage, Critical: true, Value: v}}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root, &tsaKey.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(root)
	return PKI{Root: root, Roots: pool, TSACert: cert, TSAKey: tsaKey}
}

// RootPEM returns the root certificate as PEM, as an operator would
// configure it.
func (p PKI) RootPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Root.Raw})
}

// Start runs the TSA until the test ends and returns its URL. misbehave,
// if not nil, may alter each request before the token is issued, to play
// a faulty or hostile TSA.
func Start(t testing.TB, pki PKI, misbehave func(*timestamp.Request)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, err := timestamp.ParseRequest(body)
		if err != nil || r.Header.Get("Content-Type") != "application/timestamp-query" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if misbehave != nil {
			misbehave(req)
		}
		ts := timestamp.Timestamp{HashAlgorithm: req.HashAlgorithm, HashedMessage: req.HashedMessage, Time: time.Now(),
			Nonce: req.Nonce, Policy: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, AddTSACertificate: true}
		resp, err := ts.CreateResponseWithOpts(pki.TSACert, pki.TSAKey, crypto.SHA256)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
