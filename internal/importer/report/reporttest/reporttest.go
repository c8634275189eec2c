// Package reporttest holds what the tool-output parsers' tests share: the
// fuzz harness every format runs, seeded with the real fixtures, so each
// parser is held to the same contract.
package reporttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer/report"
)

// Seeds adds each real fixture of testdata/FORMAT matching glob (golden
// files aside) as a fuzz seed. Tests run in the parser's package
// directory, next to the importer's testdata.
func Seeds(f *testing.F, format, glob string) {
	f.Helper()
	files, _ := filepath.Glob(filepath.Join("..", "testdata", format, glob))
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

// Fuzz feeds parse mutations of the seeds. Whatever the input, it must
// not panic, and it must either return a result that keeps the report
// invariants or an EINVALID error that blames the input.
func Fuzz(f *testing.F, format string, parse func(context.Context, []byte, report.Context) (*report.Result, error), c report.Context) {
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := parse(context.Background(), data, c)
		if err != nil {
			var e *evident.Error
			if !errors.As(err, &e) || e.Code != evident.EINVALID {
				t.Fatalf("error %v is not an EINVALID *evident.Error", err)
			}
			return
		}
		res.Format = format
		if err := res.Validate(); err != nil {
			t.Fatalf("invalid result: %v", err)
		}
	})
}

// LargeNmapScan is the real nmap fixture with its one host repeated hosts
// times at distinct addresses (20 000 make about 23 MiB, the size issue
// benchmarks name), read from ../testdata/nmap as every importer package
// sits beside it: the tokenizer's and the importer's benchmarks time the
// same bytes.
func LargeNmapScan(tb testing.TB, hosts int) []byte {
	tb.Helper()
	base, err := os.ReadFile(filepath.Join("..", "testdata", "nmap", "baseline.xml"))
	if err != nil {
		tb.Fatal(err)
	}
	i, j := bytes.Index(base, []byte("<host ")), bytes.Index(base, []byte("</host>\n"))+len("</host>\n")
	if i < 0 || j < i {
		tb.Fatal("testdata/nmap/baseline.xml: no <host> element to repeat")
	}
	var buf bytes.Buffer
	buf.Write(base[:i])
	for k := range hosts {
		buf.Write(bytes.ReplaceAll(base[i:j], []byte("127.0.0.1"), fmt.Appendf(nil, "10.0.%d.%d", k/256, k%256)))
	}
	buf.Write(base[j:])
	return buf.Bytes()
}
