package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// testNow is the fixed clock of the web tests.
var testNow = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// newSite serves the browser routes over st, which gets a program first.
func newSite(t *testing.T, st *sqlstore.Store) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	if _, err := st.Program(ctx); err != nil {
		p := evident.Program{Name: "Example QTSP", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "admin@example"}
		if err := st.CreateProgram(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	syncCatalog(t, st, cat)
	w, err := New(Config{Store: st, Catalog: cat, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, r := range w.Routes() {
		mux.Handle(r.Pattern, r.Handler)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// get fetches path and returns the status and body.
func get(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPagesCarrySecurityHeaders(t *testing.T) {
	srv := newSite(t, storetest.SQLite(t, nil))
	for _, path := range []string{"/", "/catalog", "/audit", "/catalog/REQ-0-00"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: Content-Security-Policy %q does not forbid inline script", path, csp)
		}
		if got := resp.Header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("%s: X-Frame-Options %q, want DENY", path, got)
		}
	}
}

func TestUnknownRequirementIsNotFound(t *testing.T) {
	srv := newSite(t, storetest.SQLite(t, nil))
	code, body := get(t, srv, "/catalog/REQ-7.8-99")
	if code != http.StatusNotFound || !strings.Contains(body, "REQ-7.8-99") {
		t.Errorf("GET /catalog/REQ-7.8-99: %d, body names the id: %v; want 404 naming it", code, strings.Contains(body, "REQ-7.8-99"))
	}
}

func TestAuditTrailPagesNewestFirst(t *testing.T) {
	storetest.Each(t, func() time.Time { return testNow }, func(t *testing.T, st *sqlstore.Store) {
		srv := newSite(t, st) // creating the program is ledger record 0
		ctx := context.Background()
		for i := range 60 {
			err := st.Write(ctx, func(tx *sqlstore.Tx) error {
				_, err := tx.Audit(ctx, "test.note", "note-"+string(rune('a'+i%26)), "alice@example", map[string]int{"n": i + 1})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		code, body := get(t, srv, "/audit")
		if code != 200 {
			t.Fatalf("GET /audit: %d", code)
		}
		first, last := strings.Index(body, `id="leaf-60"`), strings.Index(body, `id="leaf-11"`)
		if first < 0 || last < 0 || first > last {
			t.Errorf("first page does not list leaves 60 down to 11 newest first")
		}
		if strings.Contains(body, `id="leaf-10"`) || !strings.Contains(body, `href="/audit?before=11"`) {
			t.Errorf("first page should stop at leaf 11 and link to older records")
		}
		_, body = get(t, srv, "/audit?before=11")
		if !strings.Contains(body, `id="leaf-0"`) || !strings.Contains(body, "program.create") {
			t.Errorf("second page does not reach the program's creation at leaf 0")
		}
		if code, _ := get(t, srv, "/audit?before=x"); code != http.StatusBadRequest {
			t.Errorf("GET /audit?before=x: %d, want 400", code)
		}
	})
}

// syncCatalog stores the catalog, which control requirements must name.
func syncCatalog(t *testing.T, st *sqlstore.Store, cat *catalog.Catalog) {
	t.Helper()
	reqs, err := cat.Requirements("3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SyncCatalog(context.Background(), reqs); err != nil {
		t.Fatal(err)
	}
}
