package evident

import (
	"strings"
	"testing"
	"time"
)

func TestExceptionValidate(t *testing.T) {
	good := Exception{ID: "e", Control: "vuln-scan", Reason: "data-centre move", Approver: "ceo",
		ApprovedAt: ts(t, "2026-02-01"), From: ts(t, "2026-02-01"), Expires: ts(t, "2026-05-01")}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid exception refused: %v", err)
	}
	tests := []struct {
		edit  func(*Exception)
		where string
	}{
		{func(e *Exception) { e.Approver = " " }, "approver"},
		{func(e *Exception) { e.Reason = "" }, "reason"},
		{func(e *Exception) { e.Control = "" }, "control"},
		{func(e *Exception) { e.ApprovedAt = time.Time{} }, "approved_at"},
		{func(e *Exception) { e.Expires = e.From }, "expires"},
		{func(e *Exception) { e.Expires = e.From.AddDate(2, 0, 0) }, "expires"},
	}
	for i, tt := range tests {
		e := good
		tt.edit(&e)
		err := e.Validate()
		if err == nil || ErrorCode(err) != EINVALID || !strings.HasPrefix(err.Error(), tt.where+":") {
			t.Errorf("case %d: err = %v, want EINVALID at %s", i, err, tt.where)
		}
	}
}

func TestExceptionInForceIsHalfOpen(t *testing.T) {
	e := Exception{From: ts(t, "2026-02-01"), Expires: ts(t, "2026-03-01")}
	if !e.InForce(ts(t, "2026-02-01")) || e.InForce(ts(t, "2026-03-01")) || e.InForce(ts(t, "2026-01-31T23:59:59Z")) {
		t.Error("an exception is in force from its start up to, not including, its expiry")
	}
}
