package crl

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evidenthq/evident/internal/importer/report"
	"github.com/evidenthq/evident/internal/importer/report/reporttest"
)

// FuzzParseCRL feeds the parser mutations of the real fixtures. Whatever
// the input, it must not panic, and it must either return a result that
// keeps the report invariants or an EINVALID error that blames the input.
func FuzzParseCRL(f *testing.F) {
	reporttest.Seeds(f, Format, "*.crl")
	pemIssuer, err := os.ReadFile(filepath.Join("..", "testdata", Format, "issuer.pem"))
	if err != nil {
		f.Fatal(err)
	}
	b, _ := pem.Decode(pemIssuer)
	issuer, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		f.Fatal(err)
	}
	// The issuer is given, so the signature checks run on every input too.
	c := report.Context{Issuers: []*x509.Certificate{issuer}, Now: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)}
	reporttest.Fuzz(f, Format, Parse, c)
}
