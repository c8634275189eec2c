package catalog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite snapshot.json from the YAML in data/ (go generate does this)")

// parsed reads the embedded YAML the slow way, with every check, and
// returns it with its source sum.
func parsed(t *testing.T, fsys fs.FS) (*Catalog, string) {
	t.Helper()
	c, err := LoadFS(fsys)
	if err != nil {
		t.Fatalf("LoadFS: %v", err)
	}
	sum, err := sourceSum(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return c, sum
}

// dataFS is a writable copy of the embedded YAML.
func dataFS(t *testing.T) fstest.MapFS {
	t.Helper()
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	names, _ := fs.Glob(sub, "*.yaml")
	for _, n := range names {
		b, err := fs.ReadFile(sub, n)
		if err != nil {
			t.Fatal(err)
		}
		out[n] = &fstest.MapFile{Data: b}
	}
	return out
}

// sameCatalog fails the test unless got and want hold the same state,
// unexported indexes included.
func sameCatalog(t *testing.T, got, want *Catalog) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("catalog differs from the parse of the YAML (-parse +got):\n%s",
			cmp.Diff(want, got, cmp.AllowUnexported(Catalog{}, edition{}, mapping{}, overlay{})))
	}
}

// The committed snapshot is exactly what the YAML parses to, so the fast
// path of every command reads what the slow path would. Run
// `go generate ./internal/catalog` after changing data/.
func TestSnapshotIsCurrent(t *testing.T) {
	fsys := dataFS(t)
	want, sum := parsed(t, fsys)
	file, err := writeSnapshot(want, sum)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("snapshot.json", file, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(file, snapshotFile) {
		t.Fatalf("snapshot.json is not the parse of data/*.yaml: run go generate ./internal/catalog")
	}
	got, ok := readSnapshot(snapshotFile, sum)
	if !ok {
		t.Fatal("the committed snapshot was refused for the committed YAML")
	}
	sameCatalog(t, got, want)
	loaded, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	sameCatalog(t, loaded, want)
}

// A YAML file changed after the snapshot was made: the snapshot is not
// used and the change is read.
func TestSnapshotNotUsedForChangedYAML(t *testing.T) {
	fsys := dataFS(t)
	f := fsys["en319401-3.2.1.yaml"]
	old := "text: "
	i := bytes.Index(f.Data, []byte(old))
	if i < 0 {
		t.Fatal("no requirement text in en319401-3.2.1.yaml")
	}
	f.Data = append(append(append([]byte{}, f.Data[:i+len(old)]...), "CHANGED "...), f.Data[i+len(old):]...)
	want, _ := parsed(t, fsys)
	got, err := loadFast(fsys, snapshotFile)
	if err != nil {
		t.Fatal(err)
	}
	sameCatalog(t, got, want)
	if !strings.Contains(got.versions[len(got.versions)-1].reqs[0].Text, "CHANGED") {
		t.Errorf("the changed text was not read")
	}
	// A file added or removed changes the sum too.
	delete(fsys, "overlay-eidas-2025-2532.yaml")
	want, _ = parsed(t, fsys)
	got, err = loadFast(fsys, snapshotFile)
	if err != nil {
		t.Fatal(err)
	}
	sameCatalog(t, got, want)
}

// A snapshot whose header, body or encoding is damaged is never used; the
// YAML is parsed instead. The snapshot under test is made from a catalog
// that differs from the YAML, so using it would show.
func TestSnapshotNotUsedWhenCorrupt(t *testing.T) {
	fsys := dataFS(t)
	want, sum := parsed(t, fsys)
	fake, _ := parsed(t, fsys)
	fake.versions[0].reqs[0].Text = "NOT FROM THE YAML"
	good, err := writeSnapshot(fake, sum)
	if err != nil {
		t.Fatal(err)
	}
	// The intact snapshot is used: this is what the cases below must not
	// reach.
	if got, err := loadFast(fsys, good); err != nil || got.versions[0].reqs[0].Text != "NOT FROM THE YAML" {
		t.Fatalf("an intact snapshot for these sources was not used (err %v)", err)
	}
	head, body, _ := bytes.Cut(good, []byte("\n"))
	flip := bytes.Clone(good)
	flip[len(flip)-10] ^= 0x20
	// A correct header over a body that does not decode to a catalog.
	badBody := func(b string) []byte {
		return append([]byte(snapshotMagic+" "+sum+" "+sha256hex([]byte(b))+"\n"), b...)
	}
	cases := map[string][]byte{
		"empty":         nil,
		"header only":   head,
		"truncated":     good[:len(good)/2],
		"byte flipped":  flip,
		"other sources": bytes.Replace(good, []byte(sum), []byte(strings.Repeat("0", len(sum))), 1),
		"other format":  bytes.Replace(good, []byte(snapshotMagic), []byte("evident-catalog-snapshot/0"), 1),
		"not json":      badBody("{not json"),
		"wrong shape":   badBody(`{"versions": "3.2.1"}`),
		"no versions":   badBody(`{}`),
		"body appended": append(bytes.Clone(good), ' '),
		"crlf header":   append(append(bytes.Clone(head), '\r', '\n'), body...),
	}
	for name, snap := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := loadFast(fsys, snap)
			if err != nil {
				t.Fatal(err)
			}
			sameCatalog(t, got, want)
		})
	}
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// BenchmarkLoad compares reading the catalog from the snapshot (what
// every command does) with parsing its YAML.
func BenchmarkLoad(b *testing.B) {
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("snapshot", func(b *testing.B) {
		for b.Loop() {
			if _, err := loadFast(sub, snapshotFile); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("yaml", func(b *testing.B) {
		for b.Loop() {
			if _, err := LoadFS(sub); err != nil {
				b.Fatal(err)
			}
		}
	})
}
