package sqlstore

import (
	"bytes"
	"encoding/json"
	"testing"
)

// marshalStrings writes the bytes json.Marshal writes for a list of
// strings, the ones it escapes (quotes, backslashes, HTML, control and
// non-ASCII characters, invalid UTF-8) included.
func TestMarshalStringsIsMarshal(t *testing.T) {
	cases := [][]string{nil, {}, {""}, {"10.0.0.1 tcp/23"}, {"a", "b c", "~\x7f"},
		{"a<b", "x"}, {"q\"", "\\"}, {"tab\t"}, {"é", "\u2028"}, {"bad \xff utf-8"}, {"a&b", ">"}}
	for _, ss := range cases {
		want, _ := json.Marshal(ss)
		if got := marshalStrings(ss); !bytes.Equal(got, want) {
			t.Errorf("marshalStrings(%q) = %s, want %s", ss, got, want)
		}
	}
}

func FuzzMarshalStrings(f *testing.F) {
	f.Add("10.0.0.1 tcp/23", "10.0.0.2 udp/123", false)
	f.Add("a<b", "\xff", true)
	f.Fuzz(func(t *testing.T, a, b string, one bool) {
		ss := []string{a, b}
		if one {
			ss = ss[:1]
		}
		want, _ := json.Marshal(ss)
		if got := marshalStrings(ss); !bytes.Equal(got, want) {
			t.Fatalf("marshalStrings(%q) = %s, want %s", ss, got, want)
		}
	})
}
