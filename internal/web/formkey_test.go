package web

import (
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

var idemField = regexp.MustCompile(`name="idem" value="([0-9a-f]{32})"`)

// A reload of the result of a form, or a second click, sends the same
// form key again: the change is recorded once and the second submission
// lands where the first did.
func TestFormSubmittedTwiceRecordsOnce(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		putModel(t, st, &evident.Model{Systems: []evident.System{{ID: "ca-issuing", Name: "Issuing CA", Kind: evident.SystemTrustworthy, Version: "4.2"}}})
		b := s.signIn(t, "carla", evident.RoleComplianceManager)
		_, page := b.get("/changes")
		m := idemField.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("the change form carries no idempotency key:\n%s", page)
		}
		form := url.Values{"csrf_token": {b.csrf("/changes")}, "idem": {m[1]}, "system": {"ca-issuing"}, "version": {"5.0"},
			"summary": {"new major release"}, "at": {"2026-11-26T09:00"}}
		code1, _, loc1 := b.post("/changes", form)
		code2, _, loc2 := b.post("/changes", form)
		if code1 != http.StatusSeeOther || code2 != http.StatusSeeOther || loc1 != loc2 {
			t.Errorf("the same form twice: %d to %q, then %d to %q; want both 303 to the same page", code1, loc1, code2, loc2)
		}
		if all, err := st.Changes(t.Context()); err != nil || len(all) != 1 {
			t.Errorf("changes stored after submitting one form twice: %d (%v), want 1", len(all), err)
		}
		// A failed submission releases its key: the corrected form goes through.
		_, page = b.get("/changes")
		form.Set("idem", idemField.FindStringSubmatch(page)[1])
		form.Set("version", "")
		if code, _, _ := b.post("/changes", form); code != http.StatusBadRequest {
			t.Errorf("change without a version: %d, want 400", code)
		}
		form.Set("version", "5.1")
		if code, _, _ := b.post("/changes", form); code != http.StatusSeeOther {
			t.Errorf("the corrected form with the same key: %d, want 303", code)
		}
		other := s.signIn(t, "olga", evident.RoleComplianceManager)
		form.Set("csrf_token", other.csrf("/changes"))
		if code, _, _ := other.post("/changes", form); code != http.StatusConflict {
			t.Errorf("another login replaying a used key: %d, want 409", code)
		}
		form.Set("csrf_token", b.csrf("/changes"))
		form.Set("idem", "not-hex")
		if code, body, _ := b.post("/changes", form); code != http.StatusBadRequest || !strings.Contains(body, "idem") {
			t.Errorf("malformed key: %d, want 400 naming the field", code)
		}
		if all, _ := st.Changes(t.Context()); len(all) != 2 {
			t.Errorf("changes stored: %d, want 2", len(all))
		}
	})
}

// Every form that changes something carries a key, so no page's reload
// can write twice; a multipart form carries it in its action, since its
// body is streamed. The pack export is a download, not a write to repeat.
func TestEveryFormCarriesAKey(t *testing.T) {
	form := regexp.MustCompile(`(?s)<form[^>]*method="post"[^>]*>.*?</form>`)
	pages, _ := fs.Glob(files, "templates/*.html")
	for _, p := range pages {
		b, _ := files.ReadFile(p)
		for _, f := range form.FindAllString(string(b), -1) {
			if strings.Contains(f, `action="/packs"`) {
				continue
			}
			if !strings.Contains(f, `name="idem" value="{{idem}}"`) && !strings.Contains(f, `?idem={{idem}}"`) {
				t.Errorf("%s: a form carries no idempotency key: %.120s", p, f)
			}
		}
	}
}
