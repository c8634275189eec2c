package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/blob/s3test"
)

// TestS3SendsSHA256Checksums records what the store sends to a real
// server: a small blob goes to its address in one PUT whose
// x-amz-checksum-sha256 and signed payload hash are the blob's digest,
// which a server that checks either verifies against the bytes; every part of a large stream
// (not a local file: its digest is known only at its end) carries its own
// SHA-256 checksum; nothing else is written but staging, which is
// removed.
func TestS3SendsSHA256Checksums(t *testing.T) {
	st, recorded := recordingStore(t, s3test.Start(t), nil)
	ctx := context.Background()

	small := []byte("chronyc tracking\n")
	dg, _, err := st.Put(ctx, bytes.NewReader(small))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(small)
	found := false
	for _, s := range recorded() {
		if s.method == "PUT" {
			found = true
			if s.path != "/evidence/p/sha256/"+dg.String() || s.checksum != base64.StdEncoding.EncodeToString(sum[:]) || s.payload != dg.String() {
				t.Errorf("small blob sent as %+v; want a PUT to its address with its SHA-256 as checksum and signed payload hash", s)
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

// sent is one request a store made, as the server received it.
type sent struct{ method, path, query, checksum, trailer, copySource, payload string }

// recordingStore returns a store whose requests pass through a proxy in
// front of srv, and a function that returns (and forgets) those recorded
// so far. before, if not nil, sees each request before the server does.
func recordingStore(t *testing.T, srv *s3test.Server, before func(*http.Request)) (*blob.S3, func() []sent) {
	t.Helper()
	target, _ := url.Parse(srv.Endpoint)
	var mu sync.Mutex
	var log []sent
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		log = append(log, sent{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("X-Amz-Checksum-Sha256"),
			r.Header.Get("X-Amz-Trailer"), r.Header.Get("X-Amz-Copy-Source"), r.Header.Get("X-Amz-Content-Sha256")})
		mu.Unlock()
		if before != nil {
			before(r)
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	cfg := srv.Config("p")
	cfg.Endpoint = front.URL
	st, err := blob.NewS3(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st, func() []sent {
		mu.Lock()
		defer mu.Unlock()
		out := log
		log = nil
		return out
	}
}

// writeFile writes data to a new file and opens it for reading.
func writeFile(t *testing.T, data []byte) *os.File {
	t.Helper()
	name := filepath.Join(t.TempDir(), "export.bin")
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// passThrough passes a reader's bytes on unchanged and says so, as the
// ledger's media type sniffer does.
type passThrough struct{ r io.Reader }

func (p passThrough) Read(b []byte) (int, error) { return p.r.Read(b) }
func (p passThrough) Unwrap() io.Reader          { return p.r }

// TestS3StoresALocalFileAtItsAddress puts a 40 MiB local file: it is
// hashed first and sent in parts straight to its content address, each
// part with its SHA-256 as checksum and signed payload hash, with nothing written to staging and no copy on
// the server; putting it again sends nothing.
func TestS3StoresALocalFileAtItsAddress(t *testing.T) {
	st, recorded := recordingStore(t, s3test.Start(t), nil)
	ctx := context.Background()
	data := randomBytes(40<<20+5, 4)
	f := writeFile(t, data)
	recorded()
	dg, n, err := st.Put(ctx, passThrough{f})
	if err != nil {
		t.Fatal(err)
	}
	if want := evident.Digest(sha256.Sum256(data)); dg != want || n != int64(len(data)) {
		t.Fatalf("Put = %s, %d; want %s, %d", dg, n, want, len(data))
	}
	parts := 0
	for _, s := range recorded() {
		if s.path != "/evidence/p/sha256/"+dg.String() {
			t.Errorf("%s %s: want every request on the blob's address", s.method, s.path)
		}
		if s.copySource != "" {
			t.Errorf("%s %s copies %s on the server", s.method, s.path, s.copySource)
		}
		if s.method == "PUT" && strings.Contains(s.query, "partNumber=") {
			parts++
			q, _ := url.ParseQuery(s.query)
			i := atoi(q.Get("partNumber")) - 1
			sum := sha256.Sum256(data[i*16<<20 : min((i+1)*16<<20, len(data))])
			if s.checksum != base64.StdEncoding.EncodeToString(sum[:]) || s.payload != hex.EncodeToString(sum[:]) {
				t.Errorf("part %d sent with checksum %q, payload hash %q; want its SHA-256 as both", i+1, s.checksum, s.payload)
			}
		}
	}
	if parts != 3 {
		t.Errorf("%d parts sent; want 3 of at most 16 MiB", parts)
	}
	if got := readAll(t, st, dg); !bytes.Equal(got, data) {
		t.Errorf("the stored object holds %d different bytes", len(got))
	}
	if got := walk(t, st); len(got) != 1 || got[dg] != int64(len(data)) {
		t.Errorf("Walk = %v; want the one blob", got)
	}

	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	recorded()
	if _, _, err := st.Put(ctx, f); err != nil {
		t.Fatal(err)
	}
	for _, s := range recorded() {
		if s.method != "HEAD" {
			t.Errorf("putting a stored file again sent %s %s?%s; want a HEAD only", s.method, s.path, s.query)
		}
	}
}

// TestS3RefusesAFileChangedWhileUploaded changes a file after it was
// hashed and before its parts are sent (when the upload starts), and
// appends to another: each Put fails naming the file, and nothing is
// stored under the digest the first read found.
func TestS3RefusesAFileChangedWhileUploaded(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(f *os.File) error
		want   string
	}{
		{"overwritten", func(f *os.File) error {
			_, err := f.WriteAt([]byte("edited after it was hashed"), 20<<20)
			return err
		}, "changed while it was uploaded"},
		{"appended", func(f *os.File) error {
			_, err := f.WriteAt([]byte("more"), 40<<20)
			return err
		}, "grew while it was uploaded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := randomBytes(40<<20, 5)
			f := writeFile(t, data)
			w, err := os.OpenFile(f.Name(), os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			var once sync.Once
			st, _ := recordingStore(t, s3test.Start(t), func(r *http.Request) {
				if _, start := r.URL.Query()["uploads"]; start && r.Method == "POST" {
					once.Do(func() {
						if err := tc.change(w); err != nil {
							t.Error(err)
						}
					})
				}
			})
			ctx := context.Background()
			_, _, err = st.Put(ctx, f)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), f.Name()) {
				t.Fatalf("Put of a file changed during the upload: %v; want an error naming it, saying %q", err, tc.want)
			}
			dg := evident.Digest(sha256.Sum256(data))
			if _, err := st.Stat(ctx, dg); evident.ErrorCode(err) != evident.ENOTFOUND {
				t.Errorf("an object is at the address of the bytes first hashed: %v", err)
			}
			if got := walk(t, st); len(got) != 0 {
				t.Errorf("Walk = %v; want nothing stored", got)
			}
		})
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
