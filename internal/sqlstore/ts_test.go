package sqlstore

import (
	"testing"
	"time"
)

// TestParseTSBytesIsParseTS: the period read's parser of stored times
// gives exactly what ParseTS gives, for well-formed times (month ends,
// leap days, the last microsecond of a year) and refuses what ParseTS
// refuses, with its message.
func TestParseTSBytesIsParseTS(t *testing.T) {
	for _, s := range []string{
		"2026-12-06T15:41:18.000000Z", "2024-02-29T00:00:00.000001Z", "2025-12-31T23:59:59.999999Z", "0001-01-01T00:00:00.000000Z",
		"2025-02-29T00:00:00.000000Z", "2026-13-01T00:00:00.000000Z", "2026-04-31T00:00:00.000000Z", "2026-01-01T24:00:00.000000Z",
		"2026-01-01T00:60:00.000000Z", "2026-01-01T00:00:60.000000Z", "2026-01-0xT00:00:00.000000Z", "2026-01-01 00:00:00.000000Z",
		"2026-01-01T00:00:00Z", "", "2026-01-01T00:00:00.000000+01:00",
	} {
		want, werr := ParseTS(s)
		got, gerr := parseTSBytes([]byte(s))
		if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
			t.Errorf("%q: error %v, want %v", s, gerr, werr)
			continue
		}
		if got != want {
			t.Errorf("%q: %v, want %v", s, got, want)
		}
	}
	if got, _ := parseTSBytes([]byte("2026-12-06T15:41:18.000000Z")); got.Location() != time.UTC {
		t.Errorf("location %v, want UTC", got.Location())
	}
}
