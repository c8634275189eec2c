package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evidenthq/evident/internal/notify"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// events is a source that yields fixed events, standing in for a source
// not built yet (approvals) the way a plugged-in one would.
func events(evs ...notify.Event) notify.Source {
	return notify.SourceFunc(func(context.Context, time.Time) ([]notify.Event, error) { return evs, nil })
}

// TestFailingEndpointIsRetriedThenMarkedFailed points one endpoint at a
// receiver that always answers 500: the delivery is tried Attempts times
// with doubling waits, every attempt is in the endpoint's delivery log,
// the endpoint is marked failed and gets nothing more, while a healthy
// endpoint beside it receives every event.
func TestFailingEndpointIsRetriedThenMarkedFailed(t *testing.T) {
	start := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	storetest.Each(t, storetest.NewClock(start).Now, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		var broken, healthy atomic.Int32
		down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			broken.Add(1)
			http.Error(w, "internal details the user must not see", http.StatusInternalServerError)
		}))
		defer down.Close()
		up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { healthy.Add(1) }))
		defer up.Close()
		for id, url := range map[string]string{"down": down.URL, "up": up.URL} {
			if _, err := s.AddNotifyEndpoint(ctx, sqlstore.NotifyEndpoint{ID: id, URL: url, Secret: "k"}, "admin"); err != nil {
				t.Fatal(err)
			}
		}
		var slept []time.Duration
		src := []notify.Event{{Key: "approval:1", Kind: notify.KindApprovalRequested, At: start, Subject: "Approve policy P-1"},
			{Key: "approval:2", Kind: notify.KindApprovalRequested, At: start, Subject: "Approve policy P-2"}}
		n := notify.New(notify.Config{Store: s, Sources: []notify.Source{events(src...)}, Allow: notify.Allow{Loopback: true},
			Holder: "r1", Attempts: 4, Backoff: time.Second,
			Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }})
		if _, err := n.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}; !slices.Equal(slept, want) {
			t.Errorf("waits between attempts: got %v, want %v", slept, want)
		}
		// The second event's delivery fails at once: the endpoint failed
		// with the first, and waiting through retries again helps no one.
		if broken.Load() != 4 || healthy.Load() != 2 {
			t.Errorf("requests: broken endpoint %d (want 4), healthy %d (want 2)", broken.Load(), healthy.Load())
		}
		log, err := s.Deliveries(ctx, sqlstore.DeliveryFilter{Recipient: "endpoint:down"})
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 2 || log[0].State != sqlstore.DeliveryFailed || log[0].Attempts != 4 ||
			log[1].State != sqlstore.DeliveryFailed || log[1].Attempts != 1 || !strings.Contains(log[1].LastError, "marked failed") {
			t.Fatalf("delivery log of the broken endpoint: %+v, want a failed delivery after 4 attempts, then one refused at once", log)
		}
		attempts, err := s.DeliveryAttempts(ctx, log[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range attempts {
			if a.N != i+1 || a.Status != 500 || strings.Contains(a.Error, "internal details") {
				t.Errorf("attempt %d: %+v, want status 500 and no response body", i+1, a)
			}
		}
		if last, err := notify.Log(ctx, s, "down", 1); err != nil || len(last) != 1 || last[0].Delivery.EventKey != "approval:2" ||
			len(last[0].Attempts) != 1 {
			t.Errorf("the endpoint's latest log entry: %+v, %v; want approval:2 with its one attempt", last, err)
		}
		e, err := s.NotifyEndpoint(ctx, "down")
		if err != nil || e.FailedAt.IsZero() {
			t.Fatalf("broken endpoint: %+v, %v; want it marked failed", e, err)
		}

		// A later event goes to the healthy endpoint only.
		src = append(src, notify.Event{Key: "approval:3", Kind: notify.KindApprovalRequested, At: start, Subject: "Approve policy P-3"})
		n = notify.New(notify.Config{Store: s, Sources: []notify.Source{events(src...)}, Allow: notify.Allow{Loopback: true},
			Holder: "r1", Sleep: func(context.Context, time.Duration) error { return nil }})
		if _, err := n.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if broken.Load() != 4 || healthy.Load() != 3 {
			t.Errorf("after the endpoint failed: broken %d (want still 4), healthy %d (want 3)", broken.Load(), healthy.Load())
		}
	})
}

// TestWebhookToLoopbackIsRefusedUnlessAllowed: an endpoint on localhost
// receives nothing from a notifier that was not told to allow loopback,
// and the delivery log says why.
func TestWebhookToLoopbackIsRefusedUnlessAllowed(t *testing.T) {
	start := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	s := storetest.SQLite(t, storetest.NewClock(start).Now)
	ctx := context.Background()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	if _, err := s.AddNotifyEndpoint(ctx, sqlstore.NotifyEndpoint{ID: "local", URL: srv.URL, Secret: "k"}, "admin"); err != nil {
		t.Fatal(err)
	}
	n := notify.New(notify.Config{Store: s, Attempts: 1,
		Sources: []notify.Source{events(notify.Event{Key: "e1", Kind: notify.KindSignificantChange, At: start, Subject: "x"})}})
	if _, err := n.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	log, err := s.Deliveries(ctx, sqlstore.DeliveryFilter{Recipient: "endpoint:local"})
	if err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 0 || len(log) != 1 || !strings.Contains(log[0].LastError, "refused to connect to loopback") {
		t.Errorf("hits %d, log %+v; want no request and a refusal in the log", hits.Load(), log)
	}
}

// TestDeliveryKeyAndClaimAcrossReplicas covers a lease that expired in
// the middle of a tick: both replicas then record and claim the same
// delivery, and the database lets one of each through.
func TestDeliveryKeyAndClaimAcrossReplicas(t *testing.T) {
	replicas(t, time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), func(t *testing.T, _ *storetest.Clock, a, b *sqlstore.Store) {
		ctx := context.Background()
		d := sqlstore.Delivery{EventKey: "clock:I-1:eidas-notification:half", Recipient: "endpoint:x", Channel: "webhook",
			Kind: notify.KindClockHalf, Subject: "s", State: sqlstore.DeliveryPending}
		okA, errA := a.EnqueueDelivery(ctx, d)
		okB, errB := b.EnqueueDelivery(ctx, d)
		if errA != nil || errB != nil || !okA || okB {
			t.Fatalf("enqueue on both replicas: %v/%v %v/%v, want the first only", okA, errA, okB, errB)
		}
		ds, err := a.Deliveries(ctx, sqlstore.DeliveryFilter{})
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries: %d, %v; want 1", len(ds), err)
		}
		wonA, errA := a.ClaimDelivery(ctx, ds[0].ID, sqlstore.DeliveryPending)
		wonB, errB := b.ClaimDelivery(ctx, ds[0].ID, sqlstore.DeliveryPending)
		if errA != nil || errB != nil || !wonA || wonB {
			t.Errorf("claim on both replicas: %v/%v %v/%v, want the first only", wonA, errA, wonB, errB)
		}
	})
}

// TestDeliveryOfAStoppedReplicaIsSentLater: a replica that claimed a
// delivery and died before finishing it does not lose the warning; once
// the claim is stale another replica sends it, and not before.
func TestDeliveryOfAStoppedReplicaIsSentLater(t *testing.T) {
	replicas(t, time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), func(t *testing.T, clock *storetest.Clock, dead, live *sqlstore.Store) {
		ctx := context.Background()
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
		defer srv.Close()
		if _, err := live.AddNotifyEndpoint(ctx, sqlstore.NotifyEndpoint{ID: "siem", URL: srv.URL, Secret: "k"}, "admin"); err != nil {
			t.Fatal(err)
		}
		d := sqlstore.Delivery{EventKey: "clock:I-1:eidas-notification:2h", Recipient: "endpoint:siem", Channel: notify.ChannelWebhook,
			Kind: notify.KindClock2h, Subject: "2 hours left", EventAt: clock.Now(), State: sqlstore.DeliveryPending}
		if _, err := dead.EnqueueDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
		ds, _ := dead.Deliveries(ctx, sqlstore.DeliveryFilter{})
		if won, err := dead.ClaimDelivery(ctx, ds[0].ID, sqlstore.DeliveryPending); err != nil || !won {
			t.Fatalf("claim: %v %v", won, err)
		}
		n := notify.New(notify.Config{Store: live, Allow: notify.Allow{Loopback: true}, Now: clock.Now, Holder: "live"})
		clock.Move(5 * time.Minute)
		if _, err := n.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if hits.Load() != 0 {
			t.Fatalf("a delivery claimed 5 minutes ago was sent again")
		}
		clock.Move(11 * time.Minute)
		if _, err := n.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		ds, _ = live.Deliveries(ctx, sqlstore.DeliveryFilter{})
		if hits.Load() != 1 || ds[0].State != sqlstore.DeliverySent {
			t.Errorf("16 minutes after its replica stopped: %d requests, state %s; want it sent once", hits.Load(), ds[0].State)
		}
	})
}
