package nmap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"

	"github.com/evidenthq/evident/internal/importer/report/reporttest"
)

// BenchmarkParseStream parses a scan of 20 000 copies of the recorded
// host (about 23 MiB, as bench/import.sh makes) beside SHA-256 over the
// same bytes, the limit the import is compared with.
func BenchmarkParseStream(b *testing.B) {
	data := reporttest.LargeNmapScan(b, 20000)
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

// A scan's ports share their protocol, state and service strings and its
// hosts their lists' room: parsing allocates about the finding's own
// strings and little else per port (fourteen allocations a port before).
func TestParseStreamAllocations(t *testing.T) {
	data := reporttest.LargeNmapScan(t, 500)
	var ports int
	allocs := testing.AllocsPerRun(3, func() {
		res, err := ParseStream(context.Background(), bytes.NewReader(data), streamContext)
		if err != nil {
			t.Fatal(err)
		}
		ports = len(res.Findings)
	})
	if ports < 1500 || allocs/float64(ports) > 5 {
		t.Errorf("%.0f allocations for %d open ports, want at most 5 a port", allocs, ports)
	}
}
