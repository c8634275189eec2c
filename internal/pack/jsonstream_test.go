package pack

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The derived files and the manifest are written field by field to keep
// memory flat; an assessor's tools must still read the same bytes that
// encoding/json would have written. The year pack's own index, registers
// and manifest, decoded and written both ways, must match byte for byte.
func TestStreamedJSONMatchesEncodingJSON(t *testing.T) {
	b, _ := yearPack(t)
	decode := func(name string, v any) any {
		if err := json.Unmarshal(entryOf(t, b, name), v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v
	}
	values := map[string]any{
		IndexJSON:        decode(IndexJSON, &Index{}),
		PoliciesJSON:     decode(PoliciesJSON, &[]PolicyEntry{}),
		ScopeJSON:        decode(ScopeJSON, &ScopeRegister{}),
		RisksJSON:        decode(RisksJSON, &RiskRegister{}),
		RequirementsJSON: decode(RequirementsJSON, &[]RequirementTrace{}),
		ManifestName:     decode(ManifestName, &Manifest{}),
	}
	for name, v := range values {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := writeJSON(&got, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			i := 0
			for i < min(got.Len(), want.Len()) && got.Bytes()[i] == want.Bytes()[i] {
				i++
			}
			t.Errorf("%s: streamed JSON differs from encoding/json at byte %d of %d:\ngot  %q\nwant %q", name, i, want.Len(),
				got.Bytes()[max(0, i-80):min(got.Len(), i+80)], want.Bytes()[max(0, i-80):min(want.Len(), i+80)])
		}
	}
}
