package xmltok

import (
	"bytes"
	"crypto/sha256"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkTokenize reads a scan of 20 000 copies of the recorded nmap
// host (about 23 MiB, as bench/import.sh makes) with this package and with
// encoding/xml, beside SHA-256 over the same bytes.
func BenchmarkTokenize(b *testing.B) {
	base, err := os.ReadFile(filepath.Join("..", "testdata", "nmap", "baseline.xml"))
	if err != nil {
		b.Fatal(err)
	}
	i, j := bytes.Index(base, []byte("<host ")), bytes.Index(base, []byte("</host>\n"))+len("</host>\n")
	var buf bytes.Buffer
	buf.Write(base[:i])
	for k := range 20000 {
		buf.Write(bytes.ReplaceAll(base[i:j], []byte("127.0.0.1"), fmt.Appendf(nil, "10.0.%d.%d", k/256, k%256)))
	}
	buf.Write(base[j:])
	data := buf.Bytes()
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
