package ledger

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// testPKI is a root CA and a TSA certificate it issued.
type testPKI struct {
	root    *x509.Certificate
	roots   *x509.CertPool
	tsaCert *x509.Certificate
	tsaKey  crypto.Signer
}

var oidTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}

// newPKI issues a TSA certificate. RFC 3161 wants the extended key usage
// critical, which Go's x509 does not do by itself, so the extension is
// written by hand; withEKU false issues a plain certificate instead.
func newPKI(t *testing.T, withEKU bool) testPKI {
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
	if withEKU {
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
	return testPKI{root: root, roots: pool, tsaCert: cert, tsaKey: tsaKey}
}

// startTSA runs a real RFC 3161 responder over HTTP. misbehave, if set,
// may alter the request before the token is issued (a faulty or hostile
// TSA).
func startTSA(t *testing.T, pki testPKI, misbehave func(*timestamp.Request)) string {
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
		resp, err := ts.CreateResponseWithOpts(pki.tsaCert, pki.tsaKey, crypto.SHA256)
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

func TestAnchorAgainstLocalTSA(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		if _, err := f.l.AddBatch(ctx, items(3, "anchor")); err != nil {
			t.Fatal(err)
		}
		pki := newPKI(t, true)
		url := startTSA(t, pki, nil)
		a, err := f.l.Anchor(ctx, "alice@ops", TSA{URL: url, Roots: pki.roots})
		if err != nil {
			t.Fatal(err)
		}
		if a.CheckpointSize != 3 || time.Since(a.GenTime) > time.Minute {
			t.Errorf("anchor %+v", a)
		}
		f.l.SetTSARoots(pki.roots)
		r, err := f.l.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The anchor is itself a ledger record, covered by a new checkpoint.
		if !r.OK() || r.Anchors != 1 || r.Leaves != 4 || r.Checkpoints != 2 {
			t.Errorf("verify after anchoring: %+v", r)
		}
		// Without trust anchors verify cannot vouch for the token and says so.
		f.l.SetTSARoots(nil)
		r, _ = f.l.Verify(ctx, nil)
		if r.OK() || r.Problems[0].Kind != BadAnchor || !strings.Contains(r.Problems[0].Message, "no TSA roots") {
			t.Errorf("verify without TSA roots: %+v", r.Problems)
		}
		// A token edited in the store no longer verifies.
		f.l.SetTSARoots(pki.roots)
		err = st.Write(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE anchors SET checkpoint_size = 4`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		r, _ = f.l.Verify(ctx, nil)
		if r.OK() || r.Problems[0].Kind != BadAnchor || r.Problems[0].Ref != a.ID {
			t.Errorf("verify with a token moved to another checkpoint: %+v", r.Problems)
		}
	})
}

func TestAnchorRefusesBadTokens(t *testing.T) {
	st := storetest.SQLite(t, nil)
	ctx := context.Background()
	f := newFixture(t, st)
	if _, err := f.l.AddBatch(ctx, items(1, "anchor")); err != nil {
		t.Fatal(err)
	}
	good := newPKI(t, true)
	for _, tc := range []struct {
		name  string
		pki   testPKI
		roots *x509.CertPool
		bad   func(*timestamp.Request)
		want  string
	}{
		{"untrusted chain", good, newPKI(t, true).roots, nil, "does not chain to a trusted root"},
		{"no timeStamping key usage", newPKI(t, false), nil, nil, "not a TSA certificate"},
		{"other nonce", good, good.roots, func(r *timestamp.Request) { r.Nonce = big.NewInt(42) }, "nonce does not match"},
		{"other message", good, good.roots, func(r *timestamp.Request) { r.HashedMessage = make([]byte, 32) }, "not the SHA-256 of the checkpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			roots := tc.roots
			if roots == nil {
				roots = tc.pki.roots
			}
			_, err := f.l.Anchor(ctx, "alice@ops", TSA{URL: startTSA(t, tc.pki, tc.bad), Roots: roots})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Anchor: %v, want an error containing %q", err, tc.want)
			}
		})
	}
	var n int
	st.Read(ctx, func(tx *sqlstore.Tx) error { return tx.QueryRow(ctx, `SELECT COUNT(*) FROM anchors`).Scan(&n) })
	if n != 0 {
		t.Errorf("%d anchors stored from refused tokens", n)
	}
}
