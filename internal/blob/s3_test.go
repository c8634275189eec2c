package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/blob/s3test"
)

// TestS3SendsSHA256Checksums records what the store sends to a real
// server: a small blob goes to its address in one PUT whose
// x-amz-checksum-sha256 is the blob's digest, which a server that checks
// checksums verifies against the bytes; every part of a large upload
// carries its own SHA-256 checksum; nothing else is written but staging,
// which is removed.
func TestS3SendsSHA256Checksums(t *testing.T) {
	srv := s3test.Start(t)
	target, _ := url.Parse(srv.Endpoint)
	type sent struct{ method, path, query, checksum, trailer string }
	var mu sync.Mutex
	var log []sent
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		log = append(log, sent{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("X-Amz-Checksum-Sha256"), r.Header.Get("X-Amz-Trailer")})
		mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	cfg := srv.Config("p")
	cfg.Endpoint = front.URL
	st, err := blob.NewS3(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	recorded := func() []sent {
		mu.Lock()
		defer mu.Unlock()
		out := log
		log = nil
		return out
	}

	small := []byte("chronyc tracking\n")
	recorded()
	dg, _, err := st.Put(ctx, bytes.NewReader(small))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(small)
	found := false
	for _, s := range recorded() {
		if s.method == "PUT" {
			found = true
			if s.path != "/evidence/p/sha256/"+dg.String() || s.checksum != base64.StdEncoding.EncodeToString(sum[:]) {
				t.Errorf("small blob sent as %+v; want a PUT to its address with its SHA-256 as checksum", s)
			}
		}
	}
	if !found {
		t.Fatal("no PUT recorded for the small blob")
	}

	if _, _, err := st.Put(ctx, bytes.NewReader(randomBytes(40<<20, 3))); err != nil {
		t.Fatal(err)
	}
	parts, deleted := 0, 0
	for _, s := range recorded() {
		switch {
		case s.method == "PUT" && strings.Contains(s.query, "partNumber="):
			parts++
			if s.checksum == "" && !strings.Contains(strings.ToLower(s.trailer), "x-amz-checksum-sha256") {
				t.Errorf("part %s sent without a SHA-256 checksum", s.query)
			}
			if !strings.HasPrefix(s.path, "/evidence/p/staging/") {
				t.Errorf("a part went to %s, not to staging", s.path)
			}
		case s.method == "DELETE":
			deleted++
		}
	}
	if parts != 3 || deleted != 1 {
		t.Errorf("a 40 MiB upload sent %d parts and %d deletes; want 3 parts of 16 MiB and the staging object removed", parts, deleted)
	}
}
