package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evidenthq/evident/internal/notify"

	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// TestNotificationPreferencesThroughTheAPI: a user sets their own
// channels; a bad entry is refused naming the field and stores nothing,
// not even the good entry beside it.
func TestNotificationPreferencesThroughTheAPI(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnvOn(t, func(now func() time.Time) *sqlstore.Store {
				if dialect == "postgres" {
					return storetest.Postgres(t, now)
				}
				return storetest.SQLite(t, now)
			})
			var prefs map[string]string
			e.getJSON(t, "owner", "/api/v1/me/notifications", &prefs)
			if prefs["clock-half"] != "email" || prefs["task-due"] != "email" {
				t.Fatalf("defaults: %v, want email for every kind", prefs)
			}
			code, body := e.do(t, "owner", "PUT", "/api/v1/me/notifications", strings.NewReader(`{"task-due":"digest","clock-half":"off"}`), "application/json")
			if code != 200 {
				t.Fatalf("set preferences: %d %s", code, body)
			}
			code, body = e.do(t, "owner", "PUT", "/api/v1/me/notifications", strings.NewReader(`{"task-overdue":"digest","clock-2h":"pager"}`), "application/json")
			if code != 400 || !strings.Contains(string(body), "channel") || !strings.Contains(string(body), "pager") {
				t.Errorf("bad channel: %d %s, want 400 naming the channel", code, body)
			}
			code, body = e.do(t, "owner", "PUT", "/api/v1/me/notifications", strings.NewReader(`{"clock-quarter":"email"}`), "application/json")
			if code != 400 || !strings.Contains(string(body), "event") {
				t.Errorf("bad event: %d %s, want 400 naming the event", code, body)
			}
			e.getJSON(t, "owner", "/api/v1/me/notifications", &prefs)
			if prefs["task-due"] != "digest" || prefs["clock-half"] != "off" || prefs["task-overdue"] != "email" {
				t.Errorf("after one good and two bad updates: %v", prefs)
			}
			// Each user's choices are their own.
			e.getJSON(t, "cm", "/api/v1/me/notifications", &prefs)
			if prefs["task-due"] != "email" {
				t.Errorf("another user's preferences changed: %v", prefs)
			}
		})
	}
}

// TestAdminConfiguresWebhookEndpoints: only an admin adds an endpoint;
// its secret is shown once, never in the list; a bad URL is refused.
func TestAdminConfiguresWebhookEndpoints(t *testing.T) {
	e := newEnv(t)
	add := `{"id":"siem","url":"https://hooks.example.org/evident","events":["clock-half","clock-2h"]}`
	if code, _ := e.do(t, "cm", "POST", "/api/v1/notify/endpoints", strings.NewReader(add), "application/json"); code != 403 {
		t.Errorf("compliance manager adds an endpoint: %d, want 403", code)
	}
	code, body := e.do(t, "admin", "POST", "/api/v1/notify/endpoints", strings.NewReader(add), "application/json")
	if code != 201 {
		t.Fatalf("admin adds an endpoint: %d %s", code, body)
	}
	var created sqlstore.NotifyEndpoint
	if err := json.Unmarshal(body, &created); err != nil || len(created.Secret) != 64 {
		t.Fatalf("created endpoint %s: want a 64-hex-digit secret", body)
	}
	if code, body := e.do(t, "admin", "POST", "/api/v1/notify/endpoints", strings.NewReader(add), "application/json"); code != 409 {
		t.Errorf("the same id again: %d %s, want 409", code, body)
	}
	for _, bad := range []struct{ body, field string }{
		{`{"id":"a","url":"ftp://x/"}`, "url"},
		{`{"id":"a","url":"https://u:p@x/"}`, "url"},
		{`{"id":"Bad Id","url":"https://x/"}`, "id"},
		{`{"id":"a","url":"https://x/","events":["everything"]}`, "events"},
	} {
		code, body := e.do(t, "admin", "POST", "/api/v1/notify/endpoints", strings.NewReader(bad.body), "application/json")
		if code != 400 || !strings.Contains(string(body), bad.field) {
			t.Errorf("POST %s: %d %s, want 400 naming %s", bad.body, code, body, bad.field)
		}
	}
	// Who pointed notifications where is in the audit trail, without
	// the URL itself (it may carry the receiver's own token).
	code, body = e.do(t, "cm", "GET", "/api/v1/log?kind=notify.endpoint.add", nil, "")
	if code != 200 || !strings.Contains(string(body), "hooks.example.org") || strings.Contains(string(body), "/evident") ||
		!strings.Contains(string(body), "ada") {
		t.Errorf("audit trail of the endpoint: %d %s, want a leaf naming the host and the admin", code, body)
	}
	code, body = e.do(t, "admin", "GET", "/api/v1/notify/endpoints", nil, "")
	if code != 200 || strings.Contains(string(body), created.Secret) || !strings.Contains(string(body), "hooks.example.org") {
		t.Errorf("list: %d %s, want the endpoint without its secret", code, body)
	}
	code, body = e.do(t, "admin", "GET", "/api/v1/notify/endpoints/siem/deliveries", nil, "")
	if code != 200 || !strings.Contains(string(body), `"items":[]`) {
		t.Errorf("delivery log of a new endpoint: %d %s, want an empty list", code, body)
	}
	if code, _ := e.do(t, "admin", "GET", "/api/v1/notify/endpoints/nope/deliveries", nil, ""); code != 404 {
		t.Errorf("log of an unknown endpoint: %d, want 404", code)
	}
	if err := e.store.MarkEndpointFailed(context.Background(), "siem"); err != nil {
		t.Fatal(err)
	}
	code, body = e.do(t, "admin", "POST", "/api/v1/notify/endpoints/siem/enable", nil, "")
	if code != 200 || strings.Contains(string(body), "failed_at") || strings.Contains(string(body), created.Secret) {
		t.Errorf("enable a failed endpoint: %d %s, want it without a failed mark or its secret", code, body)
	}
	if code, _ := e.do(t, "admin", "POST", "/api/v1/notify/endpoints/nope/enable", nil, ""); code != 404 {
		t.Errorf("enable an unknown endpoint: %d, want 404", code)
	}
}

// TestFailingVerdictChangeAndDueTaskReachAWebhook: a failing scan
// imported over the API, a significant change recorded over the API and
// the scan's window falling due after the change made the scan stale
// reach a subscribed webhook as one signed event each, however often the
// notifier ticks.
func TestFailingVerdictChangeAndDueTaskReachAWebhook(t *testing.T) {
	e := newEnv(t)
	withPortScan(t, e)
	ctx := context.Background()
	var mu sync.Mutex
	got := map[string][]string{} // kind -> subjects
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p notify.Payload
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil || !strings.HasPrefix(r.Header.Get(notify.SignatureHeader), "t=") {
			http.Error(w, "bad", 400)
			return
		}
		mu.Lock()
		got[p.Kind] = append(got[p.Kind], p.Subject)
		mu.Unlock()
	}))
	defer hook.Close()
	if _, err := notify.AddEndpoint(ctx, e.store, "siem", hook.URL, nil, "ada"); err != nil {
		t.Fatal(err)
	}
	n := notify.New(notify.Config{Store: e.store, Sources: notify.Sources(e.store), Allow: notify.Allow{Loopback: true},
		Now: func() time.Time { return e.now }})
	tick := func() {
		t.Helper()
		for range 2 { // the second tick finds everything already sent
			if _, err := n.Tick(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}

	if code, body := e.do(t, "cm", "POST", "/api/v1/imports?control=port-scan&system=web@2.1&filename=new-port.xml",
		strings.NewReader(nmapFixture(t, "new-port.xml")), "application/xml"); code != 201 {
		t.Fatalf("import failing scan: %d %s", code, body)
	}
	tick()
	if s := got[notify.KindVerdictFailing]; len(s) != 1 || !strings.Contains(s[0], "port scan") {
		t.Errorf("failing verdict events: %q, want one about the port scan", s)
	}

	change := `{"system":"web","version":"2.2","significant":true,"summary":"portal rewritten","at":"2026-11-28T08:00:00Z"}`
	if code, body := e.do(t, "cm", "POST", "/api/v1/changes", strings.NewReader(change), "application/json"); code != 201 {
		t.Fatalf("record change: %d %s", code, body)
	}
	e.now = e.now.Add(time.Minute)
	tick()
	if s := got[notify.KindSignificantChange]; len(s) != 1 || !strings.Contains(s[0], "portal rewritten") {
		t.Errorf("significant change events: %q, want one", s)
	}

	e.now = time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC)
	tick()
	has := func(kind, part string) bool {
		for _, s := range got[kind] {
			if strings.Contains(s, part) {
				return true
			}
		}
		return false
	}
	if !has(notify.KindTaskDue, "Quarterly port scan (quarterly, 2026-10-01 to 2026-12-31)") {
		t.Errorf("the port scan window due today, stale since the change, was not announced: %q", got[notify.KindTaskDue])
	}
	if !has(notify.KindTaskOverdue, "Penetration test after significant change to system web 2.2") {
		t.Errorf("the overdue pen test the change opened was not announced: %q", got[notify.KindTaskOverdue])
	}
	seen := map[string]bool{}
	for kind, subjects := range got {
		for _, s := range subjects {
			if seen[kind+s] {
				t.Errorf("%s %q arrived twice", kind, s)
			}
			seen[kind+s] = true
		}
	}
	ds, err := e.store.Deliveries(ctx, sqlstore.DeliveryFilter{Recipient: "endpoint:siem"})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.State != sqlstore.DeliverySent || d.Attempts != 1 {
			t.Errorf("delivery %s: %s after %d attempts, want sent at the first", d.EventKey, d.State, d.Attempts)
		}
	}
	// The admin reads the same record over the API, with each attempt's
	// status in the endpoint's log.
	var listed struct{ Items []sqlstore.Delivery }
	e.getJSON(t, "admin", "/api/v1/notify/deliveries?channel=webhook&state=sent", &listed)
	if len(listed.Items) != len(ds) || len(ds) < 5 {
		t.Errorf("GET /api/v1/notify/deliveries lists %d webhook deliveries, the store holds %d", len(listed.Items), len(ds))
	}
	var log struct {
		Items []struct {
			Delivery sqlstore.Delivery
			Attempts []sqlstore.DeliveryAttempt
		}
	}
	e.getJSON(t, "admin", "/api/v1/notify/endpoints/siem/deliveries", &log)
	if len(log.Items) != len(ds) || len(log.Items[0].Attempts) != 1 || log.Items[0].Attempts[0].Status != 200 {
		t.Errorf("endpoint log: %+v, want every delivery with its one 200 attempt", log.Items)
	}
}
