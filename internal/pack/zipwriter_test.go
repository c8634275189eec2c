package pack

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"strings"
	"testing"
	"time"
)

// The pack's zip writer spools the central directory instead of holding
// it, and must still write what archive/zip writes for the same entries:
// old readers, and packs exported before it, rely on those bytes.
func TestZipWriterWritesArchiveZipBytes(t *testing.T) {
	at := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	var deflated bytes.Buffer
	text := []byte(strings.Repeat("index row\n", 500))
	fw, _ := flate.NewWriter(&deflated, flate.BestSpeed)
	fw.Write(text)
	fw.Close()
	type entry struct {
		name string
		data []byte
		raw  bool
	}
	entries := []entry{
		{"ledger/leaves/00000000000000000001.json", []byte(`{"kind":"evidence"}`), false},
		{"ledger/proofs/00000000000000000001.proof", []byte("proof\n"), false},
		{"evidence/sha256/" + strings.Repeat("ab", 32), bytes.Repeat([]byte{0, 1, 2, 250}, 40000), false},
		{"evidence/empty", nil, false},
		{"evidence/é-ü.txt", []byte("non-ASCII name"), false},
		{"index.json", deflated.Bytes(), true},
		{"SIGNATURE.note", []byte("signed\n"), false},
	}
	// Starting past 4 GiB makes both write the zip64 directory and end
	// records a large pack needs, which a test cannot afford to write.
	for _, offset := range []int64{0, 5 << 30} {
		var want, got bytes.Buffer
		zw := zip.NewWriter(&want)
		zw.SetOffset(offset)
		ours, err := newZipWriter(&got)
		if err != nil {
			t.Fatal(err)
		}
		defer ours.remove()
		ours.n = offset
		for _, e := range entries {
			var w1, w2 interface{ Write([]byte) (int, error) }
			if e.raw {
				crc := crc32.ChecksumIEEE(text)
				w1, err = zw.CreateRaw(&zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: at,
					CRC32: crc, CompressedSize64: uint64(len(e.data)), UncompressedSize64: uint64(len(text))})
				if err != nil {
					t.Fatal(err)
				}
				w2, err = ours.CreateRaw(e.name, crc, uint64(len(e.data)), uint64(len(text)))
			} else {
				w1, err = zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store, Modified: at})
				if err != nil {
					t.Fatal(err)
				}
				w2, err = ours.Create(e.name, at)
			}
			if err != nil {
				t.Fatal(err)
			}
			// Written in pieces, as blobs are copied.
			for d := e.data; len(d) > 0; {
				n := min(len(d), 7000)
				w1.Write(d[:n])
				w2.Write(d[:n])
				d = d[n:]
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := ours.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			n := 0
			for n < min(got.Len(), want.Len()) && got.Bytes()[n] == want.Bytes()[n] {
				n++
			}
			t.Fatalf("offset %d: %d bytes, archive/zip wrote %d; first difference at byte %d", offset, got.Len(), want.Len(), n)
		}
		if offset == 0 {
			r, err := zip.NewReader(bytes.NewReader(got.Bytes()), int64(got.Len()))
			if err != nil {
				t.Fatal(err)
			}
			if len(r.File) != len(entries) {
				t.Fatalf("archive/zip reads %d entries, want %d", len(r.File), len(entries))
			}
		}
	}
}
