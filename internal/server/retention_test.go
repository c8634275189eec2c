package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/program"
)

// Retention over the API, on both dialects, with the test clock: a
// compliance manager reads the plan and places a hold, a bad hold is
// refused naming the field, the administrator's apply keeps held evidence
// after its period and deletes it once the hold is released, and the plan
// then says when retention deleted it.
func TestRetentionOverTheAPI(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		m, err := e.store.Model(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m.Program.Retention, err = evident.ParseRetention("1y"); err != nil {
			t.Fatal(err)
		}
		if _, err := program.Apply(ctx, e.store, m, "root"); err != nil {
			t.Fatal(err)
		}
		code, body := e.upload(t, "cm", url.Values{"control": {"vuln-scan"}}, "scan report")
		if code != 201 {
			t.Fatalf("upload: %d %s", code, body)
		}
		var up struct{ Items []evident.Evidence }
		if err := json.Unmarshal(body, &up); err != nil || len(up.Items) != 1 {
			t.Fatalf("upload answer %s: %v", body, err)
		}
		id := up.Items[0].ID

		type item struct {
			Evidence []string `json:"evidence"`
			Due      bool     `json:"due"`
			Reason   string   `json:"reason"`
			Deleted  string   `json:"deleted"`
		}
		planItem := func(role, method, path string) item {
			t.Helper()
			code, body := e.do(t, role, method, path, nil, "")
			if code != 200 {
				t.Fatalf("%s %s as %s: %d %s", method, path, role, code, body)
			}
			var plan struct{ Items []item }
			if err := json.Unmarshal(body, &plan); err != nil {
				t.Fatal(err)
			}
			for _, it := range plan.Items {
				for _, ev := range it.Evidence {
					if ev == id {
						return it
					}
				}
			}
			t.Fatalf("%s %s has no item for %s: %s", method, path, id, body)
			return item{}
		}
		if it := planItem("cm", "GET", "/api/v1/retention"); it.Due || it.Deleted != "" {
			t.Errorf("fresh evidence: %+v, want kept", it)
		}
		if code, body := e.do(t, "cm", "POST", "/api/v1/retention/holds", strings.NewReader(`{"evidence":"`+id+`"}`), "application/json"); code != 400 || !bytes.Contains(body, []byte("reason")) {
			t.Errorf("hold without a reason: %d %s, want 400 naming the reason", code, body)
		}
		if code, body := e.do(t, "cm", "POST", "/api/v1/retention/holds", strings.NewReader(`{"evidence":"`+id+`","reason":"x","placed_by":"someone"}`), "application/json"); code != 400 {
			t.Errorf("placed_by in the body: %d %s, want 400", code, body)
		}
		code, body = e.do(t, "cm", "POST", "/api/v1/retention/holds", strings.NewReader(`{"evidence":"`+id+`","reason":"subscriber dispute"}`), "application/json")
		if code != 201 {
			t.Fatalf("hold: %d %s", code, body)
		}
		var h evident.Hold
		if err := json.Unmarshal(body, &h); err != nil || h.ID == "" || h.PlacedBy == "" {
			t.Fatalf("hold answer %s: %v", body, err)
		}

		e.now = e.now.AddDate(2, 0, 0) // past the year's retention
		if it := planItem("admin", "POST", "/api/v1/retention/apply"); it.Deleted != "" || !strings.Contains(it.Reason, "subscriber dispute") {
			t.Errorf("apply with the hold standing: %+v, want kept for the hold", it)
		}
		if code, body := e.do(t, "cm", "POST", "/api/v1/retention/holds/"+h.ID+"/release", strings.NewReader(`{}`), "application/json"); code != 400 || !bytes.Contains(body, []byte("reason")) {
			t.Errorf("release without a reason: %d %s, want 400 naming the reason", code, body)
		}
		if code, body := e.do(t, "cm", "POST", "/api/v1/retention/holds/"+h.ID+"/release", strings.NewReader(`{"reason":"settled"}`), "application/json"); code != 200 {
			t.Fatalf("release: %d %s", code, body)
		}
		if it := planItem("cm", "GET", "/api/v1/retention"); !it.Due || it.Deleted != "" {
			t.Errorf("plan after the release: %+v, want due and not yet deleted (a plan does not act)", it)
		}
		if it := planItem("admin", "POST", "/api/v1/retention/apply"); it.Deleted == "" {
			t.Errorf("apply after the release: %+v, want deleted", it)
		}
		if it := planItem("cm", "GET", "/api/v1/retention"); it.Deleted == "" {
			t.Errorf("plan after the deletion: %+v, want it to say when retention deleted it", it)
		}
		var holds struct{ Items []evident.Hold }
		e.getJSON(t, "cm", "/api/v1/retention/holds", &holds)
		if len(holds.Items) != 1 || holds.Items[0].Released.IsZero() || holds.Items[0].ReleaseReason != "settled" {
			t.Errorf("holds: %+v, want the one hold, released as settled", holds.Items)
		}
	})
}
