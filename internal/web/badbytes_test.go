package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// TestFormWithBadBytesIsRefusedNamingTheField posts NUL and terminal
// escapes in a form: 400 naming the field on both databases, nothing
// stored (PostgreSQL could not store a NUL; SQLite would have kept it).
func TestFormWithBadBytesIsRefusedNamingTheField(t *testing.T) {
	t.Parallel()
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		b := s.signIn(t, "omar", evident.RoleControlOwner)
		for field, bad := range map[string]string{"title": "RA portal\x00 down", "summary": "down \x1b]0;owned\x07"} {
			form := url.Values{"csrf_token": {b.csrf("/incidents")}, "kind": {"incident"}, "title": {"RA portal down"}, "aware_at": {"2026-11-27T04:00"}}
			form.Set(field, bad)
			code, body, _ := b.post("/incidents", form)
			if code != http.StatusBadRequest || !strings.Contains(body, field) {
				t.Errorf("incident with bad bytes in %s: %d, want 400 naming the field", field, code)
			}
		}
		list, err := st.Incidents(context.Background(), sqlstore.IncidentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 0 {
			t.Errorf("%d incidents stored after refusals", len(list))
		}
	})
}
