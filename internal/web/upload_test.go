package web

import (
	"bytes"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// filesIn lists the regular files under dir.
func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// bigForm is an upload form with one file of size bytes.
func bigForm(fields map[string]string, size int) (string, []byte) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", fields["csrf_token"])
	for k, v := range fields {
		if k != "csrf_token" {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("files", "disk-image.bin")
	fw.Write(bytes.Repeat([]byte{0xa5}, size))
	mw.Close()
	return mw.FormDataContentType(), body.Bytes()
}

// TestUploadLeavesNoTemporaryFiles uploads files larger than the 32 MiB
// net/http keeps in memory, accepted and refused, with the system temp
// directory pointed at an empty one: it stays empty, and a refused upload
// adds no blob.
func TestUploadLeavesNoTemporaryFiles(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		addControl(t, st, "vuln-scan")
		addControl(t, st, "time-sync")
		carla := s.signIn(t, "carla", evident.RoleComplianceManager)
		omar := s.signIn(t, "omar", evident.RoleControlOwner, "time-sync")
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		const size = 40 << 20
		blobsBefore := len(filesIn(t, s.blobs))
		for _, tc := range []struct {
			who    *browser
			fields map[string]string
			want   int
		}{
			{omar, map[string]string{"control": "vuln-scan"}, http.StatusForbidden},
			{carla, map[string]string{"control": "vuln-scan", "period": "2026-Q5"}, http.StatusBadRequest},
			{carla, map[string]string{"control": "no-such-control"}, http.StatusUnprocessableEntity},
		} {
			tc.fields["csrf_token"] = tc.who.csrf("/evidence/new")
			ct, body := bigForm(tc.fields, size)
			code, page, _ := tc.who.do("/evidence", ct, bytes.NewReader(body))
			if code != tc.want {
				t.Errorf("upload %v: %d, want %d\n%.300s", tc.fields, code, tc.want, page)
			}
			if left := filesIn(t, tmp); len(left) > 0 {
				t.Errorf("refused upload %v left %v in the temp directory", tc.fields, left)
			}
		}
		if n := len(filesIn(t, s.blobs)); n != blobsBefore {
			t.Errorf("refused uploads left %d blob files, want %d", n, blobsBefore)
		}
		ct, body := bigForm(map[string]string{"csrf_token": carla.csrf("/evidence/new"), "control": "vuln-scan"}, size)
		if code, page, _ := carla.do("/evidence", ct, bytes.NewReader(body)); code != http.StatusSeeOther {
			t.Fatalf("accepted upload: %d\n%.300s", code, page)
		}
		if left := filesIn(t, tmp); len(left) > 0 {
			t.Errorf("accepted upload left %v in the temp directory", left)
		}
		if n := evidenceCount(t, st); n != 1 {
			t.Errorf("%d records, want the one accepted upload", n)
		}
	})
}

// zeros is an endless stream of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestUploadOverTheLimitIs413 sends the web form more than its documented
// 512 MiB, without a length (as a stream), and with one: 413, no record,
// no blob, nothing in the temp directory.
func TestUploadOverTheLimitIs413(t *testing.T) {
	st := storetest.SQLite(t, testClock)
	s := newSite(t, st)
	addControl(t, st, "vuln-scan")
	carla := s.signIn(t, "carla", evident.RoleComplianceManager)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	token := carla.csrf("/evidence/new")
	u, _ := url.Parse(s.URL)
	for _, declared := range []bool{false, true} {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			mw.WriteField("csrf_token", token)
			mw.WriteField("control", "vuln-scan")
			fw, err := mw.CreateFormFile("files", "huge.bin")
			if err == nil {
				_, err = io.Copy(fw, io.LimitReader(zeros{}, maxUpload+1<<20))
			}
			if err == nil {
				err = mw.Close()
			}
			pw.CloseWithError(err)
		}()
		req := httptest.NewRequest("POST", "/evidence", pr)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Host = u.Host
		if declared {
			req.ContentLength = maxUpload + 2<<20
		}
		for _, c := range carla.c.Jar.Cookies(u) {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		s.Config.Handler.ServeHTTP(rec, req)
		pr.CloseWithError(io.ErrClosedPipe) // stop the writer if the server stopped reading
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "512 MiB") {
			t.Errorf("upload over 512 MiB (length declared %v): %d, want 413 saying the limit\n%.300s", declared, rec.Code, rec.Body.String())
		}
	}
	if n := evidenceCount(t, st); n != 0 {
		t.Errorf("%d records after refused uploads", n)
	}
	if left := append(filesIn(t, tmp), filesIn(t, filepath.Join(s.blobs, "sha256"))...); len(left) > 0 {
		t.Errorf("refused uploads left %v", left)
	}
	if _, err := os.Stat(s.blobs); err != nil {
		t.Fatal(err)
	}
}

// TestUploadFormListsOnlyWritableControls checks the upload form against
// the upload itself: every control a control owner is offered is one the
// upload does not refuse with 403, and every control it refuses is not
// offered, while a compliance manager is offered them all.
func TestUploadFormListsOnlyWritableControls(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		controls := []string{"time-sync", "vuln-scan", "backup-restore"}
		for _, c := range controls {
			addControl(t, st, c)
		}
		option := func(page, id string) bool { return strings.Contains(page, `<option value="`+id+`"`) }
		carla := s.signIn(t, "carla", evident.RoleComplianceManager)
		_, page := carla.get("/evidence/new")
		for _, c := range controls {
			if !option(page, c) {
				t.Errorf("the compliance manager is not offered %s", c)
			}
		}
		omar := s.signIn(t, "omar", evident.RoleControlOwner, "time-sync", "backup-restore")
		_, page = omar.get("/evidence/new?control=vuln-scan")
		offered := 0
		for _, c := range controls {
			code, _, _ := omar.upload(map[string]string{"csrf_token": omar.csrf("/evidence/new"), "control": c, "statement": "checked"}, map[string]string{"note.txt": "attested"})
			if listed := option(page, c); listed == (code == http.StatusForbidden) {
				t.Errorf("control %s: offered %v, but the upload answers %d", c, listed, code)
			} else if listed {
				offered++
			}
		}
		if offered != 2 {
			t.Errorf("the control owner is offered %d controls, want their 2", offered)
		}
	})
}
