package pack

import (
	"bytes"
	"context"
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

	"github.com/evidenthq/evident/internal/ledger"
)

// startTSA runs a real RFC 3161 responder with a throwaway PKI and returns
// its URL and the PEM of its root.
func startTSA(t *testing.T) (string, *x509.CertPool, []byte) {
	t.Helper()
	now := time.Now()
	rootKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rootTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Pack Test TSA Root"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(rootDER)
	tsaKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Pack Test TSA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root, &tsaKey.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, err := timestamp.ParseRequest(body)
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		ts := timestamp.Timestamp{HashAlgorithm: req.HashAlgorithm, HashedMessage: req.HashedMessage, Time: time.Now(),
			Nonce: req.Nonce, Policy: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, AddTSACertificate: true}
		resp, err := ts.CreateResponseWithOpts(cert, tsaKey, crypto.SHA256)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(root)
	return srv.URL, pool, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rootDER})
}

func TestAnchoredPack(t *testing.T) {
	f := newFixtureUntil(t, sqliteStore(t), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	url, roots, rootsPEM := startTSA(t)
	// Anchor inside the period: the anchored checkpoint is one of the
	// period's, so its token travels in the pack.
	f.clock.Set(time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC))
	if _, err := f.led.Anchor(context.Background(), "alice@ops", ledger.TSA{URL: url, Roots: roots}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC))
	export := func(src Source) []byte {
		var buf bytes.Buffer
		if _, err := Export(context.Background(), src, Options{From: year2026, To: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			Actor: "alice@ops", Now: f.clock.Now()}, &buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	src := f.src
	src.TSARoots = rootsPEM
	good := export(src)
	r := verifyBytes(t, good)
	if !r.OK || r.Anchors != 1 {
		t.Fatalf("anchored pack: ok %v, %d anchors\n%s", r.OK, r.Anchors, problems(r))
	}
	t.Run("token changed", func(t *testing.T) {
		bad := rewrite(t, good, func(e *entry) bool {
			if len(e.name) > 4 && e.name[len(e.name)-4:] == ".tsr" {
				e.data = bytes.Clone(e.data)
				e.data[len(e.data)-10] ^= 0xff
			}
			return true
		})
		wantProblem(t, verifyBytes(t, bad), BadAnchor, ".tsr")
	})
	t.Run("no roots to check it", func(t *testing.T) {
		wantProblem(t, verifyBytes(t, export(f.src)), BadAnchor, ".tsr")
	})
}
