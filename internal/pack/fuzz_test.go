package pack

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzVerifyManifest puts arbitrary bytes in place of the frozen version
// 2 pack's MANIFEST.json: whatever a hostile manifest claims (periods,
// cadences, boundaries, links, windows), Verify reports and never panics.
func FuzzVerifyManifest(f *testing.F) {
	good, err := os.ReadFile(filepath.Join("testdata", frozenPacks[Format].file))
	if err != nil {
		f.Fatal(err)
	}
	t := &testing.T{}
	var manifest []byte
	var rest []entry
	for _, e := range readEntries(t, good) {
		if e.name == ManifestName {
			manifest = e.data
		} else if e.name != "index.json" && !bytes.HasPrefix([]byte(e.name), []byte("evidence/")) {
			rest = append(rest, e)
		}
	}
	f.Add(manifest)
	f.Add(bytes.Replace(manifest, []byte(`"side": "before"`), []byte(`"side": "after"`), 1))
	f.Add(bytes.Replace(manifest, []byte(`"cadence": "daily"`), []byte(`"cadence": "every 1000 years rolling"`), 1))
	f.Fuzz(func(t *testing.T, m []byte) {
		b := writeEntries(t, append([]entry{{ManifestName, 0, m}}, rest...))
		if _, err := Verify(context.Background(), bytes.NewReader(b), int64(len(b)), VerifyOptions{}); err != nil {
			t.Fatalf("verify returned an error rather than a report: %v", err)
		}
	})
}
