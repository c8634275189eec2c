package main

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/evidenthq/evident"
)

// TestIndentJSONIsTheEncoders: the --json output is byte for byte what
// json.Encoder with SetIndent writes, for values with empty and nested
// objects and lists, escapes, HTML characters and times, so scripts and
// golden files that read it see no change.
func TestIndentJSONIsTheEncoders(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 123456789, time.UTC)
	values := []any{
		nil, 1, "x", []int{}, map[string]any{},
		map[string]any{"a": []any{1, "two", nil, true, map[string]any{}, []any{}}, "b": map[string]any{"c": "d"}},
		[]any{`quote " backslash \ brace { bracket ] comma , colon :`, "<script>&amp;</script>", "\u2028\x01tab\t", "é ✓"},
		evident.Coverage{From: t0, To: t0.AddDate(1, 0, 0), Expected: 3, Gaps: []evident.Gap{{Window: evident.Window{Start: t0, End: t0.AddDate(0, 0, 1)}, Periods: 1, State: evident.PeriodMissed}}},
		struct {
			A []string          `json:"a"`
			B map[string][]int  `json:"b,omitempty"`
			C *evident.Coverage `json:"c"`
		}{A: []string{"", "[]", "{}"}, B: map[string][]int{"k": {1, 2}, "e": {}}},
	}
	for _, v := range values {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := indentJSON(nil, b); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("indented %s as\n%s\nwant\n%s", b, got, want.Bytes())
		}
	}
}

// FuzzIndentJSON: for any valid JSON in Marshal's compact layout,
// indentJSON writes what json.Indent does.
func FuzzIndentJSON(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `{"a":[1,{"b":"c\"]"}],"d":{}}`, `"\\"`, `[[],[{}],""]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			return
		}
		var src, want bytes.Buffer
		if err := json.Compact(&src, in); err != nil {
			t.Fatal(err)
		}
		if err := json.Indent(&want, src.Bytes(), "", "  "); err != nil {
			t.Fatal(err)
		}
		want.WriteByte('\n')
		if got := indentJSON(nil, src.Bytes()); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("indented %q as %q, want %q", src.Bytes(), got, want.Bytes())
		}
	})
}
