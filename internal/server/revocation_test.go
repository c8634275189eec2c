package server_test

import (
	"bytes"
	"strings"
	"testing"
)

// Revocation requests and issuance stops over the API: recorded by an
// operator, refused naming the field when wrong, and listed with each
// request's clocks, which fail while no signed CRL shows the revocation.
func TestRevocationsAndIssuanceStopsOverTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if code, body := e.do(t, "cm", "POST", "/api/v1/revocations", strings.NewReader(`{"serial":"10 03","reason":"keyCompromise"}`), "application/json"); code != 400 || !bytes.Contains(body, []byte("serial")) {
		t.Errorf("bad serial: %d %s, want 400 naming the serial", code, body)
	}
	if code, body := e.do(t, "cm", "POST", "/api/v1/revocations", strings.NewReader(`{"serial":"1003","reason":"keyCompromise","service":"nowhere"}`), "application/json"); code != 400 || !bytes.Contains(body, []byte("nowhere")) {
		t.Errorf("unknown service: %d %s, want 400 naming it", code, body)
	}
	if code, body := e.do(t, "cm", "POST", "/api/v1/revocations", strings.NewReader(`{"serial":"1003","reason":"keyCompromise","received_at":"2026-02-27T10:00:00Z","actor":"someone"}`), "application/json"); code != 400 {
		t.Errorf("actor in the body: %d %s, want 400", code, body)
	}
	if code, body := e.do(t, "owner", "POST", "/api/v1/revocations", strings.NewReader(`{"serial":"1003","reason":"keyCompromise","received_at":"2026-02-27T10:00:00Z"}`), "application/json"); code != 201 {
		t.Fatalf("record: %d %s", code, body)
	}
	var list struct {
		Items []struct {
			Request struct{ Serial, Actor string }
			Checks  []struct {
				Requirement string
				Pass        bool
			}
			Verdict string
		}
	}
	e.getJSON(t, "assessor", "/api/v1/revocations", &list)
	if len(list.Items) != 1 || list.Items[0].Request.Serial != "1003" || list.Items[0].Request.Actor != "token:otto/test" {
		t.Fatalf("revocations: %+v", list)
	}
	if it := list.Items[0]; it.Verdict != "fail" || len(it.Checks) != 1 || it.Checks[0].Pass {
		t.Errorf("a request no CRL shows: %+v, want its one EN 319 411-1 clock failing", it)
	}
	if code, body := e.do(t, "cm", "POST", "/api/v1/issuance-stops", strings.NewReader(`{"from":"2026-02-28T10:00:00Z","to":"2026-02-28T09:00:00Z","reason":"clock"}`), "application/json"); code != 400 || !bytes.Contains(body, []byte("to")) {
		t.Errorf("stop resumed before it started: %d %s, want 400 naming to", code, body)
	}
	if code, body := e.do(t, "cm", "POST", "/api/v1/issuance-stops", strings.NewReader(`{"from":"2026-02-28T10:00:00Z","reason":"clock left its accuracy"}`), "application/json"); code != 201 {
		t.Fatalf("stop: %d %s", code, body)
	}
	var stops struct{ Items []struct{ Reason string } }
	e.getJSON(t, "approver", "/api/v1/issuance-stops", &stops)
	if len(stops.Items) != 1 || stops.Items[0].Reason != "clock left its accuracy" {
		t.Errorf("issuance stops: %+v", stops)
	}
}
