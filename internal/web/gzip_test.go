package web

import (
	"bytes"
	"compress/gzip"
	"hash/crc32"
	"html/template"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// checkGzipPage fails unless gzipPage(head, content, tail) is one gzip
// member that decodes to head, content and tail, checksum and length
// checked by the reader.
func checkGzipPage(t *testing.T, head, content, tail []byte) {
	t.Helper()
	k := &keptContent{html: template.HTML(content), shared: true}
	for range 2 { // the second reuses the deflated content
		zr, err := gzip.NewReader(bytes.NewReader(gzipPage(head, k, tail)))
		if err != nil {
			t.Fatal(err)
		}
		zr.Multistream(false)
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("gzipPage of %d+%d+%d bytes does not decode: %v", len(head), len(content), len(tail), err)
		}
		if want := string(head) + string(content) + string(tail); string(got) != want {
			t.Fatalf("gzipPage of %d+%d+%d bytes decodes to %d other bytes", len(head), len(content), len(tail), len(got))
		}
	}
}

// A kept page sent gzip'd is the page: layouts and contents of every
// size, including none, compressible and not, longer than deflate's
// window.
func TestGzipPageIsThePage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		return b
	}
	html := []byte(strings.Repeat(`<tr><td><a href="/controls/vuln-scan">Quarterly scan</a></td><td class="f-verified">verified</td></tr>`, 5000))
	for _, c := range []struct{ head, content, tail []byte }{
		{nil, nil, nil},
		{[]byte("<html>"), nil, []byte("</html>")},
		{nil, html, nil},
		{[]byte("<!doctype html><main>"), html, []byte("</main>")},
		{random(3000), random(200000), random(70000)},
		{html[:40000], random(1), html[:5]},
	} {
		checkGzipPage(t, c.head, c.content, c.tail)
	}
}

func FuzzGzipPage(f *testing.F) {
	f.Add([]byte("<html><body>"), []byte("<table><tr><td>x</td></tr></table>"), []byte("</body></html>"))
	f.Add([]byte{}, []byte{}, []byte{})
	f.Fuzz(checkGzipPage)
}

// crc32Shift's operator for the length of a second part, applied to the
// first part's checksum, xor the second's, is the checksum of the two.
func TestCRC32Shift(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {5, 7}, {1000, 1}, {1, 1 << 20}, {65536, 65537}, {123457, 3}} {
		a, b := make([]byte, n[0]), make([]byte, n[1])
		for i := range a {
			a[i] = byte(rng.UintN(256))
		}
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		want := crc32.ChecksumIEEE(append(append([]byte{}, a...), b...))
		shift := crc32Shift(int64(len(b)))
		if got := gf2Times(shift[:], crc32.ChecksumIEEE(a)) ^ crc32.ChecksumIEEE(b); got != want {
			t.Errorf("the checksum of %d and %d bytes combined is %08x, want %08x", n[0], n[1], got, want)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{
		"":                        false,
		"gzip":                    true,
		"gzip, deflate, br":       true,
		"br;q=1.0, GZIP;q=0.5":    true,
		"deflate, gzip;q=0":       false,
		"gzip; q=0.000":           false,
		"*":                       true,
		"*;q=0":                   false,
		"identity":                false,
		"x-gzip":                  false,
		"gzip;q=nonsense":         false,
		"deflate;q=0.2, gzip;Q=1": true,
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		if h != "" {
			r.Header.Set("Accept-Encoding", h)
		}
		if got := acceptsGzip(r); got != want {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", h, got, want)
		}
	}
}

var idemValue = regexp.MustCompile(`name="idem" value="[0-9a-f]+"`)

// fetch gets path with the Accept-Encoding given, the body as sent.
func (b *browser) fetch(path, acceptEncoding string) (*http.Response, []byte) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.s.URL+path, nil)
	req.Header.Set("Accept-Encoding", acceptEncoding) // set: the client leaves the body as sent
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, body
}

// Every page kept with its state is sent gzip'd to a client that takes
// it, and decodes to the page a client that does not is sent; a page not
// kept is sent as it is.
func TestKeptPagesAreSentGzipped(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.SQLite(t, testClock))
	addPortScan(t, s.st)
	b := s.signIn(t, "carla", evident.RoleComplianceManager)
	for _, path := range []string{"/", "/controls", "/controls?q=scan", "/catalog", "/tasks", "/mine", "/evidence"} {
		plain, body := b.fetch(path, "identity")
		if plain.StatusCode != http.StatusOK || plain.Header.Get("Content-Encoding") != "" {
			t.Fatalf("GET %s without gzip: %d, Content-Encoding %q", path, plain.StatusCode, plain.Header.Get("Content-Encoding"))
		}
		resp, gz := b.fetch(path, "gzip, deflate, br")
		if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("GET %s with gzip: Content-Encoding %q, Vary %q; want it gzip'd", path, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("GET %s: the gzip'd page does not decode: %v", path, err)
		}
		// Each response's forms carry a key of their own (formkey.go).
		if idemValue.ReplaceAllString(string(got), "") != idemValue.ReplaceAllString(string(body), "") {
			t.Errorf("GET %s: the gzip'd page (%d bytes) is not the plain one (%d bytes)", path, len(got), len(body))
		}
		if len(gz) >= len(body) {
			t.Errorf("GET %s: gzip'd %d bytes, plain %d", path, len(gz), len(body))
		}
	}
	// A page whose content is not kept (a control's own page) is sent as it is.
	if resp, _ := b.fetch("/controls/port-scan", "gzip"); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("a page not kept: %d, Content-Encoding %q; want it sent as it is", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
}

// BenchmarkGzipPage is the per-request cost of sending a kept page
// gzip'd: the layout around the content deflated, the content's deflated
// form reused (sub-benchmark "plain": the same bytes copied, as a plain
// response writes them).
func BenchmarkGzipPage(b *testing.B) {
	head := []byte(strings.Repeat(`<nav><a href="/controls">Controls</a><form method="post"><input type="hidden" name="csrf_token" value="x"></form></nav>`, 40))
	tail := []byte(strings.Repeat(`<footer><p>Evident</p></footer>`, 20))
	k := &keptContent{html: template.HTML(strings.Repeat(`<tr><td><a href="/controls/vuln-scan">Quarterly scan</a></td><td class="f-verified">verified</td></tr>`, 5000)), shared: true}
	k.deflated()
	b.Run("gzip", func(b *testing.B) {
		for b.Loop() {
			gzipPage(head, k, tail)
		}
	})
	b.Run("plain", func(b *testing.B) {
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			buf.Write(head)
			buf.WriteString(string(k.html))
			buf.Write(tail)
		}
	})
}
