package blob_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/blob/s3test"
)

// On a real S3 server the store refuses to delete a blob before its
// retention date, while held, and without a date, and deletes it after;
// with ?object-lock=COMPLIANCE it sends the Object Lock retention (mode
// and date) and legal hold requests for the object.
func TestS3RetentionAndObjectLock(t *testing.T) {
	srv := s3test.Start(t)
	target, _ := url.Parse(srv.Endpoint)
	var mu sync.Mutex
	var sent []string
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && (r.URL.Query().Has("retention") || r.URL.Query().Has("legal-hold")) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			mu.Lock()
			sent = append(sent, r.URL.RawQuery+" "+string(body))
			mu.Unlock()
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

	cfg := srv.Config("p")
	st, err := blob.NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	dg, _, err := st.Put(ctx, strings.NewReader("event log\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, dg, now); evident.ErrorCode(err) != evident.ECONFLICT {
		t.Fatalf("delete without a retention date: %v, want a refusal", err)
	}
	if err := st.Retain(ctx, dg, now.AddDate(1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if err := st.Retain(ctx, dg, now); err != nil { // never shortens
		t.Fatal(err)
	}
	if err := st.Delete(ctx, dg, now.AddDate(0, 11, 0)); evident.ErrorCode(err) != evident.ECONFLICT {
		t.Fatalf("delete before the retention date: %v, want a refusal", err)
	}
	if err := st.Hold(ctx, dg, true); err != nil {
		t.Fatal(err)
	}
	later := now.AddDate(2, 0, 0)
	if err := st.Delete(ctx, dg, later); evident.ErrorCode(err) != evident.ECONFLICT {
		t.Fatalf("delete under a hold: %v, want a refusal", err)
	}
	if err := st.Hold(ctx, dg, false); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, dg, later); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Stat(ctx, dg); evident.ErrorCode(err) != evident.ENOTFOUND {
		t.Fatalf("deleted blob still stored: %v", err)
	}

	// Object Lock: what is sent. The server may not implement it; the
	// request must still carry the mode, the date and the hold.
	locked, err := blob.ParseS3("s3://"+s3test.Bucket+"/q?object-lock=COMPLIANCE", func(k string) string { return srv.Env()[k] })
	if err != nil {
		t.Fatal(err)
	}
	locked.Endpoint = front.URL
	ls, err := blob.NewS3(ctx, locked)
	if err != nil {
		t.Fatal(err)
	}
	dg, _, err = ls.Put(ctx, strings.NewReader("locked log\n"))
	if err != nil {
		t.Fatal(err)
	}
	ls.Retain(ctx, dg, now.AddDate(7, 0, 0))
	ls.Hold(ctx, dg, true)
	mu.Lock()
	defer mu.Unlock()
	all := strings.Join(sent, "\n")
	for _, want := range []string{"retention", "<Mode>COMPLIANCE</Mode>", "<RetainUntilDate>2033-03-01T00:00:00", "legal-hold", "<Status>ON</Status>"} {
		if !strings.Contains(all, want) {
			t.Errorf("Object Lock requests do not carry %q:\n%s", want, all)
		}
	}
	if _, err := blob.ParseS3("s3://b/p?object-lock=LOOSE", func(string) string { return "" }); evident.ErrorCode(err) != evident.EINVALID {
		t.Errorf("an unknown object-lock mode must be refused: %v", err)
	}
}
