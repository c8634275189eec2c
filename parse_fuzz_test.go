package evident_test

import (
	"strings"
	"testing"

	"github.com/evidenthq/evident"
)

// FuzzParseCriterion checks that any criterion text either fails with
// EINVALID or parses into a criterion that formats back to itself.
func FuzzParseCriterion(f *testing.F) {
	for _, s := range []string{"offset_ms < 100", "findings.error == 0", "score>=90.5", "x != -1e3", "<", "a <= NaN", "a == 1 == 2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := evident.ParseCriterion(s)
		if err != nil {
			if evident.ErrorCode(err) != evident.EINVALID {
				t.Fatalf("ParseCriterion(%q) error code %q, want invalid", s, evident.ErrorCode(err))
			}
			return
		}
		back, err := evident.ParseCriterion(c.String())
		if err != nil || back != c {
			t.Fatalf("round trip of %q: %+v -> %q -> %+v, %v", s, c, c.String(), back, err)
		}
	})
}

// FuzzParseCadence checks that every accepted cadence round-trips through
// its canonical spelling.
func FuzzParseCadence(f *testing.F) {
	for _, s := range []string{"quarterly", "every 14 days rolling", "post-change", "continuous", "every 0 weeks", "annual rolling"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := evident.ParseCadence(s)
		if err != nil {
			return
		}
		back, err := evident.ParseCadence(c.String())
		if err != nil || back != c {
			t.Fatalf("round trip of %q: %+v -> %q -> %+v, %v", s, c, c.String(), back, err)
		}
	})
}

// FuzzParseRecord checks that leaf bytes that parse re-encode to the same
// canonical bytes: a verifier must never accept two encodings of one record.
func FuzzParseRecord(f *testing.F) {
	f.Add([]byte(`{"v":1,"kind":"evidence","id":"x","actor":"alice","at":"2026-07-01T09:30:00Z","body":{"a":1}}`))
	f.Add([]byte(`{"v":2}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := evident.ParseRecord(b)
		if err != nil {
			return
		}
		c, err := r.Canonical()
		if err != nil {
			t.Fatalf("Canonical of parsed record: %v", err)
		}
		r2, err := evident.ParseRecord(c)
		if err != nil {
			t.Fatalf("canonical bytes do not parse: %v", err)
		}
		c2, _ := r2.Canonical()
		if string(c) != string(c2) {
			t.Fatalf("canonical encoding is not stable:\n%s\n%s", c, c2)
		}
	})
}

// FuzzApprovalSubject: a subject from a form or request body either names
// an approvable kind and an object, or is refused as invalid input.
func FuzzApprovalSubject(f *testing.F) {
	for _, s := range []string{"policy/cps@3.1", "acceptance/acc-1", "deviation/scan/EN319401@3.2.1:REQ-7.8-14", "soa/", "evidence/x", "", "/", "policy"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := evident.ApprovalKindOf(s)
		if err != nil {
			if evident.ErrorCode(err) != evident.EINVALID {
				t.Fatalf("%q: error %v is not EINVALID", s, err)
			}
			return
		}
		if !strings.HasPrefix(s, string(k)+"/") || len(s) == len(k)+1 {
			t.Fatalf("%q accepted as kind %q", s, k)
		}
	})
}

// FuzzParseRetention checks that every retention period that parses prints
// back to one that parses to the same period: program.yaml says one thing.
func FuzzParseRetention(f *testing.F) {
	for _, s := range []string{"forever", "7y", "18m", "90d", "1y6m2d", "0y", "6m1y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := evident.ParseRetention(s)
		if err != nil {
			return
		}
		back, err := evident.ParseRetention(r.String())
		if err != nil || back != r {
			t.Fatalf("round trip of %q: %+v -> %q -> %+v, %v", s, r, r.String(), back, err)
		}
	})
}
