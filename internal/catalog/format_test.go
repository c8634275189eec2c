package catalog

import (
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	c := load(t)
	r, err := c.Resolve("REQ-7.9.2-09", "3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	got := Format(r)
	for _, want := range []string{
		"EN319401@3.2.1:REQ-7.9.2-09  [shall]\n",
		"Clause 7.9.2  Incident response\n",
		"deadline: 48 hours after discovery (handling of a critical vulnerability)  (\"within 48 hours of discovery\")\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Format(REQ-7.9.2-09) =\n%s\nwant it to contain %q", got, want)
		}
	}
	if strings.Contains(got, "Unconfirmed") {
		t.Errorf("a V3.2.1 entry is shown as unconfirmed:\n%s", got)
	}
	old, _ := c.Resolve("EN319401@3.1.1:REQ-7.8-18", "")
	adapted, _ := c.Lookup(old.Ref(), "eidas-ia-2025")
	got = Format(adapted)
	for _, want := range []string{"Unconfirmed:", "Adapted by: REQ-7.8-18X (eidas-ia-2025)", "cadence: at least every year (penetration test)"} {
		if !strings.Contains(got, want) {
			t.Errorf("Format(adapted V3.1.1 REQ-7.8-18) =\n%s\nwant it to contain %q", got, want)
		}
	}
}

func TestFormatLine(t *testing.T) {
	c := load(t)
	r, _ := c.Resolve("REQ-7.8-14", "3.2.1")
	got := FormatLine(r)
	if !strings.HasPrefix(got, "REQ-7.8-14     shall") || !strings.HasSuffix(got, "{at least once per quarter}") {
		t.Errorf("FormatLine = %q", got)
	}
}

func TestFormatDiff(t *testing.T) {
	c := load(t)
	d, err := c.Diff("3.1.1", "3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	got := FormatDiff(d)
	for _, want := range []string{
		"EN319401 3.1.1 -> 3.2.1\npartial:",
		"Renumbered (3):\n  REQ-7.8-17 -> REQ-7.8-18  (confirmed)\n  REQ-7.8-18 -> REQ-7.8-19  (inferred)\n  REQ-7.8-21 -> REQ-7.8-22  (confirmed)\n",
		"  REQ-7.8-14 -> REQ-7.8-14  (confirmed)\n    + cadence: at least every 3 months (vulnerability scan)\n",
		"Added (307): not listed",
		"Removed (0):\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("FormatDiff =\n%s\nwant it to contain %q", got, want)
		}
	}
}
