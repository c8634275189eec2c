package xmltok

import (
	"bytes"
	"crypto/sha256"
	"encoding/xml"
	"io"
	"testing"

	"github.com/evidenthq/evident/internal/importer/report/reporttest"
)

// BenchmarkTokenize reads a scan of 20 000 copies of the recorded nmap
// host (about 23 MiB, as bench/import.sh makes) with this package and with
// encoding/xml, beside SHA-256 over the same bytes.
func BenchmarkTokenize(b *testing.B) {
	data := reporttest.LargeNmapScan(b, 20000)
	b.Run("sha256", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			sha256.Sum256(data)
		}
	})
	b.Run("xmltok", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			d := NewDecoder(bytes.NewReader(data))
			for {
				if _, err := d.Next(); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("encoding-xml", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			d := xml.NewDecoder(bytes.NewReader(data))
			for {
				if _, err := d.RawToken(); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
