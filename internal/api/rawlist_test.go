package api

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
)

// rawListSame fails unless writeRawList writes what writeJSON writes for
// the same list: the evidence pages must not change by a byte for being
// written without encoding/json.
func rawListSame(t *testing.T, items []json.RawMessage, next string) {
	t.Helper()
	want, got := httptest.NewRecorder(), httptest.NewRecorder()
	if err := writeJSON(want, 200, List[json.RawMessage]{Items: items, NextCursor: next}); err != nil {
		t.Fatal(err)
	}
	if err := writeRawList(got, items, next); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
		t.Errorf("items %q, next %q:\n got %s\nwant %s", items, next, got.Body, want.Body)
	}
	for _, h := range []string{"Content-Type", "X-Content-Type-Options"} {
		if got.Header().Get(h) != want.Header().Get(h) {
			t.Errorf("%s = %q; want %q", h, got.Header().Get(h), want.Header().Get(h))
		}
	}
	if got.Code != want.Code {
		t.Errorf("status %d; want %d", got.Code, want.Code)
	}
}

func TestRawListIsWriteJSON(t *testing.T) {
	rec := func(v any) json.RawMessage {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	rawListSame(t, nil, "")
	rawListSame(t, []json.RawMessage{}, "")
	rawListSame(t, []json.RawMessage{}, "MTIz")
	rawListSame(t, []json.RawMessage{rec(map[string]any{"id": "a", "note": "<script>&\u2028"})}, "")
	rawListSame(t, []json.RawMessage{rec(map[string]any{"id": "a"}), rec([]int{1, 2}), rec("x")}, "a<b>&\"c\"\\")
}

// FuzzRawListIsWriteJSON holds writeRawList to writeJSON for items as
// recordJSON makes them (json.Marshal's output) and any cursor.
func FuzzRawListIsWriteJSON(f *testing.F) {
	f.Add("id-1", "note <b>", 2, "MTAw")
	f.Add("", "", 0, "")
	f.Fuzz(func(t *testing.T, id, note string, n int, next string) {
		var items []json.RawMessage
		if n >= 0 {
			items = []json.RawMessage{}
		}
		for i := range n % 8 {
			b, err := json.Marshal(map[string]any{"id": id, "note": note, "i": i})
			if err != nil {
				t.Fatal(err)
			}
			items = append(items, b)
		}
		rawListSame(t, items, next)
	})
}
