package pack

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
)

// entry is one file of a pack as a tamper test rewrites it.
type entry struct {
	name   string
	method uint16
	data   []byte
}

// readEntries returns a pack's entries in order.
func readEntries(t testing.TB, b []byte) []entry {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out []entry
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		// Rewritten entries are stored, not deflated: the tests stay fast and
		// the verifier must accept either method.
		out = append(out, entry{f.Name, zip.Store, data})
	}
	return out
}

// writeEntries builds a zip from entries.
func writeEntries(t *testing.T, es []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range es {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: e.method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rewrite applies fn to every entry; fn returns false to drop one.
func rewrite(t *testing.T, b []byte, fn func(e *entry) bool, extra ...entry) []byte {
	t.Helper()
	var out []entry
	for _, e := range readEntries(t, b) {
		if fn(&e) {
			out = append(out, e)
		}
	}
	return writeEntries(t, append(out, extra...))
}

func keep(*entry) bool { return true }

// wantProblem fails unless the report has a problem of kind about file.
func wantProblem(t *testing.T, r *Report, kind, file string) {
	t.Helper()
	if r.OK {
		t.Fatalf("a tampered pack verified OK")
	}
	for _, p := range r.Problems {
		if p.Kind == kind && strings.Contains(p.File, file) {
			return
		}
	}
	t.Errorf("want a %q problem naming %q; got:\n%s", kind, file, problems(r))
}

func problems(r *Report) string {
	var s []string
	for _, p := range r.Problems {
		s = append(s, "  "+p.String())
	}
	return strings.Join(s, "\n")
}

func TestTamperedPacksFail(t *testing.T) {
	good, man := yearPack(t)
	if r := verifyBytes(t, good); !r.OK {
		t.Fatalf("the untouched pack fails:\n%s", problems(r))
	}
	var blobPath, leafPath string
	var leafIndex int64
	for _, it := range man.Items {
		if it.Path != "" {
			blobPath, leafPath, leafIndex = it.Path, LeafPath(it.Index), it.Index
			break
		}
	}
	cps := man.Checkpoints
	first, last := cps[1].Path, cps[len(cps)-1].Path
	cases := []struct {
		name       string
		pack       func() []byte
		kind, file string
	}{
		{"changed blob", func() []byte {
			return rewrite(t, good, func(e *entry) bool {
				if e.name == blobPath {
					e.data = bytes.Clone(e.data)
					e.data[0] ^= 1
				}
				return true
			})
		}, ChangedBlob, blobPath},
		{"removed blob", func() []byte {
			return rewrite(t, good, func(e *entry) bool { return e.name != blobPath })
		}, MissingFile, blobPath},
		{"removed leaf and proof", func() []byte {
			return rewrite(t, good, func(e *entry) bool { return e.name != leafPath && e.name != ProofPath(leafIndex) })
		}, MissingFile, leafPath},
		{"added file", func() []byte {
			return rewrite(t, good, keep, entry{"evidence/sha256/" + strings.Repeat("ab", 32), zip.Store, []byte("planted")})
		}, ExtraFile, "evidence/sha256/abab"},
		{"edited manifest", func() []byte {
			return rewrite(t, good, func(e *entry) bool {
				if e.name == ManifestName {
					e.data = bytes.Replace(e.data, []byte(`"name": "Pack Test QTSP"`), []byte(`"name": "Pack Test QTSB"`), 1)
				}
				return true
			})
		}, EditedManifest, ManifestName},
		{"item dropped from manifest and re-signed elsewhere", func() []byte {
			return rewrite(t, good, func(e *entry) bool {
				if e.name == ManifestName {
					var m Manifest
					if err := json.Unmarshal(e.data, &m); err != nil {
						t.Fatal(err)
					}
					m.Items = m.Items[1:]
					e.data, _ = json.MarshalIndent(m, "", "  ")
				}
				return true
			})
		}, EditedManifest, ManifestName},
		{"swapped checkpoint", func() []byte {
			var a, b []byte
			for _, e := range readEntries(t, good) {
				if e.name == first {
					a = e.data
				}
				if e.name == last {
					b = e.data
				}
			}
			return rewrite(t, good, func(e *entry) bool {
				switch e.name {
				case first:
					e.data = b
				case last:
					e.data = a
				}
				return true
			})
		}, SwappedCheckpoint, first},
		{"checkpoint signed by another key", func() []byte {
			return rewrite(t, good, func(e *entry) bool {
				if e.name == first {
					e.data = bytes.Replace(e.data, []byte("— "), []byte("— x"), 1)
				}
				return true
			})
		}, BadSignature, first},
		{"consistency proof of another pair", func() []byte {
			a, b := man.Consistency[0], man.Consistency[1]
			var pb []byte
			for _, e := range readEntries(t, good) {
				if e.name == b.Path {
					pb = e.data
				}
			}
			return rewrite(t, good, func(e *entry) bool {
				if e.name == a.Path {
					e.data = pb
				}
				return true
			})
		}, Inconsistent, man.Consistency[0].Path},
		{"record of the period left out", func() []byte {
			return rewrite(t, good, func(e *entry) bool {
				if e.name == ManifestName {
					var m Manifest
					if err := json.Unmarshal(e.data, &m); err != nil {
						t.Fatal(err)
					}
					i := slices.IndexFunc(m.Items, func(it Item) bool { return it.Index >= m.Records.First && it.Index < m.Records.End })
					m.Items = slices.Delete(m.Items, i, i+1)
					e.data, _ = json.MarshalIndent(m, "", "  ")
				}
				return true
			})
		}, IncompletePeriod, ManifestName},
		{"changed leaf", func() []byte {
			return rewrite(t, good, func(e *entry) bool {
				if e.name == leafPath {
					e.data = bytes.Replace(e.data, []byte(`"collector:test"`), []byte(`"collector:tesT"`), 1)
				}
				return true
			})
		}, ChangedLeaf, leafPath},
		{"changed index", func() []byte {
			return rewrite(t, good, func(e *entry) bool {
				if e.name == IndexHTML {
					e.data = bytes.Replace(e.data, []byte("missed"), []byte("satisfied"), -1)
				}
				return true
			})
		}, ChangedFile, IndexHTML},
		{"data after the manifest", func() []byte {
			return rewrite(t, good, func(e *entry) bool {
				if e.name == ManifestName {
					e.data = append(bytes.Clone(e.data), "{}"...)
				}
				return true
			})
		}, EditedManifest, ManifestName},
		{"data after the index", func() []byte {
			return rewrite(t, good, func(e *entry) bool {
				if e.name == IndexJSON {
					e.data = append(bytes.Clone(e.data), `{"controls": []}`...)
				}
				return true
			})
		}, IndexClaim, IndexJSON},
		{"manifest bytes that fail the zip's checksum", func() []byte {
			// Only white space changes, so the JSON still reads: the
			// entry must be reported unreadable, not as a manifest.
			b := rewrite(t, good, keep)
			var data []byte
			for _, e := range readEntries(t, b) {
				if e.name == ManifestName {
					data = e.data
				}
			}
			at := bytes.Index(b, data)
			nl := bytes.Index(data, []byte("\n  "))
			if at < 0 || nl < 0 {
				t.Fatal("the manifest is not stored as written")
			}
			b = bytes.Clone(b)
			b[at+nl+1] = '\t'
			return b
		}, Unreadable, ManifestName},
		{"truncated zip", func() []byte { return good[:len(good)*2/3] }, Unreadable, ""},
		{"path traversal", func() []byte {
			return rewrite(t, good, keep, entry{"../../../etc/cron.d/evil", zip.Deflate, []byte("* * * * * root sh")})
		}, UnsafeName, "../../../etc/cron.d/evil"},
		{"absolute name", func() []byte {
			return rewrite(t, good, keep, entry{"/etc/passwd", zip.Deflate, []byte("root::0:0")})
		}, UnsafeName, "/etc/passwd"},
		{"zip bomb", func() []byte {
			return rewrite(t, good, keep, entry{"evidence/sha256/" + strings.Repeat("00", 32), zip.Deflate, make([]byte, 64<<20)})
		}, Oversized, "evidence/sha256/0000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantProblem(t, verifyBytes(t, c.pack()), c.kind, c.file)
		})
	}
}

// TestDeclaredSizeOverLimit checks that an entry's declared size is judged
// before a byte is read: a small limit refuses an ordinary pack's blobs.
func TestDeclaredSizeOverLimit(t *testing.T) {
	es := []entry{{ManifestName, zip.Deflate, []byte("{}")}, {"evidence/sha256/" + strings.Repeat("11", 32), zip.Store, make([]byte, 4096)}}
	b := writeEntries(t, es)
	lim := DefaultLimits
	lim.MaxEntry = 1024
	r, err := Verify(t.Context(), bytes.NewReader(b), int64(len(b)), VerifyOptions{Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	wantProblem(t, r, Oversized, "evidence/sha256/1111")
}
