package notify_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/notify"
	programfiles "github.com/evidenthq/evident/internal/program"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// TestApprovalRequestsReachTheApprovers: the example program applied, its
// policy versions and acceptances wait for the management body; each is
// one "approval requested" event addressed to the approvers only, keyed
// on the object's digest so an edit makes a new request.
func TestApprovalRequestsReachTheApprovers(t *testing.T) {
	replicas(t, time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), func(t *testing.T, clock *storetest.Clock, a, _ *sqlstore.Store) {
		ctx := context.Background()
		cat, err := catalog.Load()
		if err != nil {
			t.Fatal(err)
		}
		reqs, _ := cat.Requirements("3.2.1", "eidas-ia-2025")
		if _, err := a.SyncCatalog(ctx, reqs); err != nil {
			t.Fatal(err)
		}
		if err := a.CreateProgram(ctx, evident.Program{Name: "Example", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "carla"}); err != nil {
			t.Fatal(err)
		}
		m, err := programfiles.Load("../../examples/qtsp", cat)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := programfiles.Apply(ctx, a, m, "carla"); err != nil {
			t.Fatal(err)
		}
		src := notify.Approvals{Store: a}
		if evs, err := src.Events(ctx, clock.Now()); err != nil || len(evs) != 0 {
			t.Fatalf("with no approver login: %d events, %v; want none (nobody to tell)", len(evs), err)
		}
		user(t, a, "mira", evident.RoleApprover)
		user(t, a, "carla", evident.RoleComplianceManager)
		pending, err := a.PendingApprovals(ctx, clock.Now())
		if err != nil || len(pending) == 0 {
			t.Fatalf("pending approvals of the example: %d, %v", len(pending), err)
		}
		evs, err := src.Events(ctx, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != len(pending) {
			t.Fatalf("%d approval events for %d objects waiting", len(evs), len(pending))
		}
		keys := map[string]bool{}
		for _, ev := range evs {
			if ev.Kind != notify.KindApprovalRequested || !slices.Equal(ev.To, []string{"mira"}) || keys[ev.Key] {
				t.Fatalf("event %+v: want an approval request to mira alone, keyed once", ev)
			}
			keys[ev.Key] = true
		}
		if !slices.ContainsFunc(notify.Sources(a), func(s notify.Source) bool { _, ok := s.(notify.Approvals); return ok }) {
			t.Error("serve's sources do not include the approval requests")
		}
	})
}
