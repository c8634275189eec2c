package server_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident/internal/ledger/ledgertest"
	"github.com/evidenthq/evident/internal/metrics"
	"github.com/evidenthq/evident/internal/server"
)

// TestReadinessAndMetrics: /healthz says the process is alive, /readyz
// says whether the database and the blob store answer, and /metrics
// reports the ledger and checkpoint age on the store's clock and the
// latency of each route by its pattern.
func TestReadinessAndMetrics(t *testing.T) {
	e := newEnv(t)
	lt := ledgertest.Open(t, e.store, "evident.test", "")
	m := metrics.New()
	m.Watch(e.store, e.store.Now, nil)
	srv, err := server.New(server.Config{Store: e.store, Ledger: lt.Ledger, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := get("/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("/readyz = %d %q; want 200 ready", code, body)
	}
	if _, err := lt.Ledger.Checkpoint(t.Context()); err != nil {
		t.Fatal(err)
	}
	code, body := get("/metrics")
	for _, want := range []string{`evident_http_request_duration_seconds_count{code="200",route="GET /readyz"} 1`,
		"evident_checkpoint_age_seconds 0\n", "evident_store_scrape_error 0\n", `evident_notification_queue{state="failed"} 0`} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics (%d) lacks %q:\n%s", code, want, body)
		}
	}
	e.now = e.now.Add(time.Hour)
	if _, body := get("/metrics"); !strings.Contains(body, "evident_checkpoint_age_seconds 3600\n") {
		t.Errorf("an hour later /metrics does not say the checkpoint is 3600 s old:\n%s", body)
	}

	if err := os.RemoveAll(filepath.Join(lt.BlobDir, "sha256")); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "blob store unavailable") {
		t.Errorf("/readyz without the blob store = %d %q; want 503 naming it", code, body)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d; want 200 while the process runs", code)
	}
}
