package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/notify"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// TestNotificationSettingsInTheBrowser: a control owner chooses the digest
// for overdue tasks and turns clock half-time e-mails off, and sees the
// choice kept; a bad channel is refused and nothing changes; only an
// admin sees and adds webhook endpoints, and the secret is shown once.
func TestNotificationSettingsInTheBrowser(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		owner := s.signIn(t, "otto", evident.RoleControlOwner)
		token := owner.csrf("/settings/notifications")
		code, _, loc := owner.post("/settings/notifications", url.Values{"csrf_token": {token},
			notify.KindTaskOverdue: {"digest"}, notify.KindClockHalf: {"off"}})
		if code != http.StatusSeeOther {
			t.Fatalf("save preferences: %d, want 303", code)
		}
		if _, body := owner.get(loc); !strings.Contains(body, "Preferences saved") {
			t.Errorf("after saving, %s does not say the preferences were saved", loc)
		}
		code, body, _ := owner.post("/settings/notifications", url.Values{"csrf_token": {token},
			notify.KindTaskDue: {"digest"}, notify.KindClock2h: {"carrier-pigeon"}})
		if code != http.StatusBadRequest || !strings.Contains(body, "carrier-pigeon") {
			t.Errorf("bad channel: %d, want 400 naming the value", code)
		}
		prefs, err := notify.Preferences(context.Background(), st, "otto")
		if err != nil {
			t.Fatal(err)
		}
		if prefs[notify.KindTaskOverdue] != "digest" || prefs[notify.KindClockHalf] != "off" || prefs[notify.KindTaskDue] != "email" {
			t.Errorf("stored preferences: %v", prefs)
		}
		_, page := owner.get("/settings/notifications")
		if !strings.Contains(page, `<option value="digest" selected>`) || strings.Contains(page, "Webhook endpoints") {
			t.Errorf("the owner's page does not show the saved choice, or shows the admin's endpoints")
		}
		if code, _, _ := owner.post("/settings/notifications/endpoints", url.Values{"csrf_token": {token},
			"id": {"siem"}, "url": {"https://hooks.example.org/"}}); code != http.StatusForbidden {
			t.Errorf("a control owner adds an endpoint: %d, want 403", code)
		}

		admin := s.signIn(t, "ada", evident.RoleAdmin)
		token = admin.csrf("/settings/notifications")
		code, body, _ = admin.post("/settings/notifications/endpoints", url.Values{"csrf_token": {token},
			"id": {"siem"}, "url": {"https://hooks.example.org/"}, "events": {"clock-half, clock-missed"}})
		if code != http.StatusCreated || !strings.Contains(body, "shown only now") {
			t.Fatalf("admin adds an endpoint: %d", code)
		}
		e, err := st.NotifyEndpoint(context.Background(), "siem")
		if err != nil || !strings.Contains(body, e.Secret) || len(e.Events) != 2 {
			t.Fatalf("stored endpoint %+v, %v", e, err)
		}
		if _, page := admin.get("/settings/notifications"); strings.Contains(page, e.Secret) || !strings.Contains(page, "hooks.example.org") {
			t.Errorf("the endpoint list shows the secret again, or not the endpoint")
		}
		if err := st.MarkEndpointFailed(context.Background(), "siem"); err != nil {
			t.Fatal(err)
		}
		if _, page := admin.get("/settings/notifications"); !strings.Contains(page, "Enable again") {
			t.Errorf("a failed endpoint has no way to enable it again")
		}
		if code, _, _ := admin.post("/settings/notifications/endpoints/siem/enable", url.Values{"csrf_token": {token}}); code != http.StatusSeeOther {
			t.Errorf("enable again: %d, want 303", code)
		}
		if e, _ := st.NotifyEndpoint(context.Background(), "siem"); !e.FailedAt.IsZero() {
			t.Errorf("endpoint still marked failed after enabling")
		}
		code, body, _ = admin.post("/settings/notifications/endpoints", url.Values{"csrf_token": {token},
			"id": {"lan"}, "url": {"gopher://x"}})
		if code != http.StatusBadRequest || !strings.Contains(body, "url") {
			t.Errorf("bad URL: %d, want 400 naming the url", code)
		}
	})
}
