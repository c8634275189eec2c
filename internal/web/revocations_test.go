package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// A revocation request recorded from the form is listed with its result
// ("not published in time" while no signed CRL shows it); a bad serial is
// refused naming it and keeps what was typed; an issuance stop is listed
// once recorded.
func TestRevocationPageRecordsAndJudgesRequests(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		putModel(t, st, &evident.Model{Services: []evident.Service{{ID: "tls", Name: "TLS CA", Type: evident.ServiceCertificates, Qualification: evident.NonQualified, PubliclyTrusted: true}}})
		b := s.signIn(t, "carla", evident.RoleComplianceManager)
		post := func(path string, v url.Values) (int, string, string) {
			_, page := b.get("/revocations")
			m := idemField.FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("no form key on /revocations:\n%s", page)
			}
			v.Set("csrf_token", b.csrf("/revocations"))
			v.Set("idem", m[1])
			return b.post(path, v)
		}
		code, page, _ := post("/revocations", url.Values{"serial": {"12 zz"}, "reason": {"keyCompromise"}, "service": {"tls"}})
		if code != http.StatusBadRequest || !strings.Contains(page, "serial") || !strings.Contains(page, `value="12 zz"`) {
			t.Errorf("bad serial: %d, want 400 naming the serial and keeping it:\n%s", code, page)
		}
		if code, _, loc := post("/revocations", url.Values{"serial": {"1003"}, "reason": {"keyCompromise"}, "service": {"tls"}, "received": {"2026-02-27T10:00"}}); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/revocations") {
			t.Fatalf("record: %d to %q", code, loc)
		}
		_, page = b.get("/revocations")
		for _, want := range []string{"1003", "not published in time", "CABF-BR-4.9.1.1", "publicly trusted"} {
			if !strings.Contains(page, want) {
				t.Errorf("revocations page lacks %q", want)
			}
		}
		if code, _, _ := post("/issuance-stops", url.Values{"from": {"2026-02-28T10:00"}, "reason": {"clock left its accuracy"}}); code != http.StatusSeeOther {
			t.Fatalf("stop: %d", code)
		}
		if _, page = b.get("/revocations"); !strings.Contains(page, "clock left its accuracy") || !strings.Contains(page, "not resumed") {
			t.Errorf("the stop is not listed")
		}
		rs, _ := st.RevocationRequests(b.t.Context())
		if len(rs) != 1 || rs[0].Actor != "carla" {
			t.Errorf("stored requests %+v, want one by carla", rs)
		}
	})
}
