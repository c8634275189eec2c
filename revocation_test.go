package evident

import (
	"strings"
	"testing"
	"time"
)

func TestRevocationRequestValidate(t *testing.T) {
	at := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)
	ok := RevocationRequest{Serial: "1003", Reason: "keyCompromise", ReceivedAt: at, RecordedAt: at.Add(time.Hour)}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid request: %v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*RevocationRequest)
		field string
	}{
		{"no serial", func(r *RevocationRequest) { r.Serial = "" }, "serial"},
		{"not hex", func(r *RevocationRequest) { r.Serial = "10G3" }, "serial"},
		{"zeros only", func(r *RevocationRequest) { r.Serial = "000" }, "serial"},
		{"unknown reason", func(r *RevocationRequest) { r.Reason = "lost" }, "reason"},
		{"removeFromCRL is no request", func(r *RevocationRequest) { r.Reason = "removeFromCRL" }, "reason"},
		{"no time", func(r *RevocationRequest) { r.ReceivedAt = time.Time{} }, "received"},
		{"future", func(r *RevocationRequest) { r.ReceivedAt = r.RecordedAt.Add(time.Hour) }, "received"},
		{"control character", func(r *RevocationRequest) { r.Service = "q\x00c" }, "service"},
	} {
		r := ok
		tc.edit(&r)
		err := r.Validate()
		if err == nil || ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: %v, want EINVALID naming %s", tc.name, err, tc.field)
		}
	}
}

func TestIssuanceStopValidateAndCovers(t *testing.T) {
	from := time.Date(2026, 11, 27, 9, 55, 0, 0, time.UTC)
	s := IssuanceStop{From: from, To: from.Add(time.Hour), Reason: "clock 1.4 s off"}
	if err := s.Validate(); err != nil {
		t.Fatalf("valid stop: %v", err)
	}
	for at, want := range map[time.Time]bool{from.Add(-time.Second): false, from: true, from.Add(time.Hour): true, from.Add(time.Hour + time.Second): false} {
		if got := s.Covers(at); got != want {
			t.Errorf("Covers(%s) = %v, want %v", UTC(at), got, want)
		}
	}
	open := IssuanceStop{From: from, Reason: "not resumed"}
	if !open.Covers(from.Add(1000 * time.Hour)) {
		t.Errorf("a stop not resumed covers every later time")
	}
	back := s
	back.To = from.Add(-time.Minute)
	if err := back.Validate(); err == nil || !strings.Contains(err.Error(), "to") {
		t.Errorf("resumed before stopped: %v, want an error naming to", err)
	}
	if err := (IssuanceStop{From: from}).Validate(); err == nil || !strings.Contains(err.Error(), "reason") {
		t.Errorf("no reason: %v, want an error naming reason", err)
	}
	if err := (IssuanceStop{Reason: "x"}).Validate(); err == nil || !strings.Contains(err.Error(), "from") {
		t.Errorf("no start: %v, want an error naming from", err)
	}
}
