package nmap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkParseStream parses a scan of 20 000 copies of the recorded
// host (about 23 MiB, as bench/import.sh makes) beside SHA-256 over the
// same bytes, the limit the import is compared with.
func BenchmarkParseStream(b *testing.B) {
	base, err := os.ReadFile(filepath.Join("..", "testdata", Format, "baseline.xml"))
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
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParseStream(context.Background(), bytes.NewReader(data), streamContext); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("two-pass", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseReference(context.Background(), data, streamContext); err != nil {
				b.Fatal(err)
			}
		}
	})
}
