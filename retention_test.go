package evident

import (
	"strings"
	"testing"
	"time"
)

func TestParseRetention(t *testing.T) {
	for in, want := range map[string]Retention{
		"forever": {}, "7y": {Years: 7}, "18m": {Months: 18}, "90d": {Days: 90}, "1y6m": {Years: 1, Months: 6},
	} {
		got, err := ParseRetention(in)
		if err != nil || got != want {
			t.Errorf("ParseRetention(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if back, _ := ParseRetention(got.String()); back != want {
			t.Errorf("%q does not round-trip: %q", in, got.String())
		}
	}
	for _, in := range []string{"", "7", "y", "0y", "6m1y", "3w", "-1y", "1y1y"} {
		if _, err := ParseRetention(in); err == nil || ErrorCode(err) != EINVALID {
			t.Errorf("ParseRetention(%q) = %v; want an invalid-input error", in, err)
		}
	}
}

func TestDecideRetention(t *testing.T) {
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	e := Evidence{ID: "EV-1", Controls: []string{"C-1", "C-2"},
		Effective: Effective{From: at("2020-01-01T00:00:00Z")}, ReceivedAt: at("2020-01-05T00:00:00Z")}
	periods := map[string]Retention{"C-1": {Years: 2}, "C-2": {Years: 3}}
	now := at("2023-01-05T00:00:00Z")

	// The longest period wins, counted from receipt (later than effect).
	d := DecideRetention(e, periods, Retention{}, nil, now)
	if !d.Due || !d.Ends.Equal(at("2023-01-05T00:00:00Z")) || !strings.Contains(d.Reason, "C-2") {
		t.Fatalf("due at the end of the longest period: %+v", d)
	}
	if d := DecideRetention(e, periods, Retention{}, nil, now.Add(-time.Second)); d.Due {
		t.Fatalf("due a second early: %+v", d)
	}
	// A control without a period and no program default keeps it for ever.
	if d := DecideRetention(e, map[string]Retention{"C-1": {Years: 1}}, Retention{}, nil, at("2100-01-01T00:00:00Z")); d.Due || !d.Ends.IsZero() {
		t.Fatalf("a control without retention must keep the blob for ever: %+v", d)
	}
	// ... unless the program default covers it.
	if d := DecideRetention(e, map[string]Retention{"C-1": {Years: 1}}, Retention{Years: 2}, nil, now); !d.Due || !strings.Contains(d.Reason, "C-2 (program default)") {
		t.Fatalf("the program default applies: %+v", d)
	}
	// Linked to nothing and no default: kept.
	if d := DecideRetention(Evidence{ID: "EV-2"}, nil, Retention{}, nil, now); d.Due {
		t.Fatalf("unlinked evidence without a default must stay: %+v", d)
	}
	// A standing hold keeps it; a released one no longer does.
	hold := LegalHold{Evidence: "EV-1", Reason: "incident INC-7", Placed: at("2022-06-01T00:00:00Z")}
	if d := DecideRetention(e, periods, Retention{}, []LegalHold{hold}, now); d.Due || !strings.Contains(d.Reason, "INC-7") {
		t.Fatalf("held evidence must stay: %+v", d)
	}
	hold.Released = at("2022-12-01T00:00:00Z")
	if d := DecideRetention(e, periods, Retention{}, []LegalHold{hold}, now); !d.Due {
		t.Fatalf("a released hold no longer keeps it: %+v", d)
	}
	// A hold on other evidence does not.
	other := LegalHold{Evidence: "EV-9", Reason: "dispute", Placed: at("2022-06-01T00:00:00Z")}
	if d := DecideRetention(e, periods, Retention{}, []LegalHold{other}, now); !d.Due {
		t.Fatalf("a hold on other evidence must not keep this one: %+v", d)
	}
}
