package crl

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer/report"
)

// FuzzParseCRL feeds the parser mutations of the real fixtures. Whatever
// the input, it must not panic, and it must either return a result that
// keeps the report invariants or an EINVALID error that blames the input.
func FuzzParseCRL(f *testing.F) {
	for _, glob := range []string{"*.crl"} {
		files, _ := filepath.Glob(filepath.Join("..", "testdata", Format, glob))
		for _, name := range files {
			if strings.HasSuffix(name, ".golden.json") {
				continue
			}
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
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
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Parse(context.Background(), data, c)
		if err != nil {
			var e *evident.Error
			if !errors.As(err, &e) || e.Code != evident.EINVALID {
				t.Fatalf("error %v is not an EINVALID *evident.Error", err)
			}
			return
		}
		res.Format = Format
		if err := res.Validate(); err != nil {
			t.Fatalf("invalid result: %v", err)
		}
	})
}
