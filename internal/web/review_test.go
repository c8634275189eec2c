package web

import (
	"context"
	"crypto/sha256"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// submitted stores an attestation for vuln-scan as otto, as an upload
// would, and returns its id.
func submitted(t *testing.T, st *sqlstore.Store) string {
	t.Helper()
	ctx := context.Background()
	evs := []evident.Evidence{{Kind: evident.RawEvidence, Digest: sha256.Sum256([]byte("scan attestation")), MediaType: "text/plain",
		Filename: "attestation.txt", Actor: "otto", Controls: []string{"vuln-scan"},
		Detail: []byte(`{"method":"attestation","attestation":{"by":"otto","statement":"all CA hosts scanned, no finding above medium"}}`)}}
	if err := st.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertEvidence(ctx, evs) }); err != nil {
		t.Fatal(err)
	}
	return evs[0].ID
}

func TestReviewInboxAcceptsOnlyASecondLogin(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t, testClock)
	s := newSite(t, st)
	putModel(t, st, smallProgram())
	owner := s.signIn(t, "otto", evident.RoleControlOwner, "vuln-scan")
	cm := s.signIn(t, "carla", evident.RoleComplianceManager)
	id := submitted(t, st)

	if _, page := cm.get("/controls/vuln-scan"); !strings.Contains(page, "awaiting review") {
		t.Errorf("the control page does not say the window awaits review")
	}
	if _, page := cm.get("/evidence/" + id); !strings.Contains(page, `id="review-state">awaiting review<`) {
		t.Errorf("the evidence page does not say the record awaits review")
	}
	_, inbox := cm.get("/reviews")
	if !strings.Contains(inbox, `id="sub-`+id+`"`) || !strings.Contains(inbox, "attestation.txt") {
		t.Fatalf("carla's inbox does not list the submission:\n%s", inbox)
	}
	if _, mine := owner.get("/reviews"); strings.Contains(mine, `id="sub-`+id+`"`) {
		t.Errorf("otto's inbox lists his own submission as his to decide")
	}
	token := owner.csrf("/reviews?mine=false")
	code, body, _ := owner.post("/reviews/"+id, url.Values{"csrf_token": {token}, "verb": {"accept"}})
	if code != http.StatusForbidden || !strings.Contains(body, "four eyes") {
		t.Errorf("self-acceptance in the browser: %d, want 403 naming four eyes", code)
	}
	token = cm.csrf("/reviews")
	code, _, _ = cm.post("/reviews/"+id, url.Values{"csrf_token": {token}, "verb": {"reject"}})
	if code != http.StatusBadRequest {
		t.Errorf("rejection without a reason: %d, want 400", code)
	}
	code, _, loc := cm.post("/reviews/"+id, url.Values{"csrf_token": {token}, "verb": {"accept"}, "reason": {"matches the scan report"}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/reviews?decided=") {
		t.Fatalf("accept: %d to %q", code, loc)
	}
	if _, page := owner.get("/evidence/" + id); !strings.Contains(page, `id="review-state">accepted<`) || !strings.Contains(page, "accepted by carla") {
		t.Errorf("the evidence page does not show carla's acceptance")
	}
	_, page := cm.get("/controls/vuln-scan")
	if strings.Contains(page, "awaiting review") || !strings.Contains(page, `data-state="satisfied"`) {
		t.Errorf("after acceptance the control page should show the window satisfied")
	}
	if _, all := cm.get("/reviews?state=all&mine=false"); !strings.Contains(all, "accepted by carla") || !strings.Contains(all, "matches the scan report") {
		t.Errorf("the inbox's history does not show carla's acceptance and reason")
	}
}
