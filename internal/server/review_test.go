package server_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// attested makes time-sync a control verified by attestation.
func (e *env) attested(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	err := e.store.Write(ctx, func(tx *sqlstore.Tx) error {
		m, err := tx.Model(ctx)
		if err != nil {
			return err
		}
		c := *m.ControlByID("time-sync")
		c.Method = evident.VerificationMethod{Kind: evident.MethodAttestation, Description: "the operator attests the daily check"}
		return tx.PutObject(ctx, sqlstore.Controls, c.ID, c, "root")
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) timeSyncPeriod(t *testing.T) *evident.Period {
	t.Helper()
	var r readiness.Report
	// As of now explicitly: the "now" report may be answered stale while
	// it is recomputed.
	e.getJSON(t, "cm", "/api/v1/status?at="+url.QueryEscape(evident.UTC(e.now)), &r)
	for _, c := range r.Controls {
		if c.ID == "time-sync" {
			return c.Period
		}
	}
	t.Fatal("no time-sync in the status")
	return nil
}

func TestReviewOverTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.attested(t)
	q := url.Values{"control": {"time-sync"}, "submission": {`{"method":"attestation","attestation":{"statement":"clock within 100 ms all day"}}`}}
	code, body := e.upload(t, "owner", q, "chrony tracking, checked by hand\n")
	if code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	var added struct{ Items []evident.Evidence }
	json.Unmarshal(body, &added)
	id := added.Items[0].ID
	sub, _ := evident.ParseSubmission(added.Items[0].Detail)
	if sub == nil || sub.Attestation.By != "otto" {
		t.Errorf("the attestation is not signed by the uploader's login: %s", added.Items[0].Detail)
	}
	if p := e.timeSyncPeriod(t); p.State == evident.PeriodSatisfied || p.Review != evident.ReasonAwaitingReview {
		t.Errorf("time-sync after the upload: %+v, want awaiting review", p)
	}
	var inbox struct{ Items []sqlstore.Submission }
	e.getJSON(t, "cm", "/api/v1/reviews?mine=true", &inbox)
	if len(inbox.Items) != 1 || inbox.Items[0].Evidence.ID != id || inbox.Items[0].Incomplete != "" {
		t.Fatalf("cora's inbox: %+v", inbox.Items)
	}
	code, body = e.do(t, "owner", "POST", "/api/v1/evidence/"+id+"/accept", strings.NewReader(`{}`), "application/json")
	if code != 403 || !strings.Contains(string(body), "four eyes") {
		t.Errorf("self-acceptance: %d %s, want 403 naming four eyes", code, body)
	}
	code, body = e.do(t, "cm", "POST", "/api/v1/evidence/"+id+"/reject", strings.NewReader(`{}`), "application/json")
	if code != 400 || !strings.Contains(string(body), "reason") {
		t.Errorf("a rejection without a reason: %d %s", code, body)
	}
	code, body = e.do(t, "cm", "POST", "/api/v1/evidence/"+id+"/accept", strings.NewReader(`{"reason":"matches the tracking log"}`), "application/json")
	if code != 201 {
		t.Fatalf("accept: %d %s", code, body)
	}
	var act evident.Act
	json.Unmarshal(body, &act)
	if act.Actor != "cora" || act.SHA256 != added.Items[0].Digest {
		t.Errorf("the act: %+v, want cora binding the evidence digest", act)
	}
	if p := e.timeSyncPeriod(t); p.State != evident.PeriodSatisfied {
		t.Errorf("time-sync after acceptance: %+v, want satisfied", p)
	}
}
