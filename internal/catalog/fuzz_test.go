package catalog

import (
	"testing"

	"github.com/evidenthq/evident"
)

// FuzzLoadFS feeds arbitrary bytes as a version file. The loader must
// never panic, and whatever it refuses it refuses as bad input (EINVALID),
// never as an internal error, since a catalog file is user-editable data.
func FuzzLoadFS(f *testing.F) {
	for _, seed := range []string{goodVersion, oldVersion, goodMapping, goodOverlay, "kind: version\n", "{}", "- a\n- b\n", "kind: [\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		_, err := LoadFS(fsWith(map[string]string{"v901.yaml": text}))
		if err != nil && evident.ErrorCode(err) != evident.EINVALID {
			t.Fatalf("LoadFS refused input with code %q: %v", evident.ErrorCode(err), err)
		}
	})
}
