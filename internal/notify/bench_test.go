package notify_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/notify"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// BenchmarkSteadyTick measures the tick every replica runs each minute
// when nothing is new: 200 events already delivered to 20 users and one
// webhook, on SQLite. Its cost is what notifications add to a quiet
// server. Run: go test -run '^$' -bench SteadyTick ./internal/notify/
func BenchmarkSteadyTick(b *testing.B) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	s := storetest.SQLite(b, func() time.Time { return now })
	for i := range 20 {
		u := evident.User{Name: fmt.Sprintf("user%02d", i), Email: fmt.Sprintf("user%02d@example.org", i), Role: evident.RoleControlOwner}
		if err := s.CreateUser(ctx, u, "", "admin"); err != nil {
			b.Fatal(err)
		}
		// Digest for all: the first tick queues, nothing is sent by mail.
		prefs := []sqlstore.NotifyPref{}
		for _, k := range notify.Kinds {
			prefs = append(prefs, sqlstore.NotifyPref{Event: k, Channel: notify.ChannelDigest})
		}
		if err := s.SetNotifyPrefs(ctx, u.Name, prefs); err != nil {
			b.Fatal(err)
		}
	}
	var evs []notify.Event
	for i := range 200 {
		evs = append(evs, notify.Event{Key: fmt.Sprintf("task:%d", i), Kind: notify.KindTaskOverdue, At: now, Subject: "overdue"})
	}
	n := notify.New(notify.Config{Store: s, Holder: "r1", DigestHour: 23,
		Sources: []notify.Source{notify.SourceFunc(func(context.Context, time.Time) ([]notify.Event, error) { return evs, nil })}})
	if _, err := n.Tick(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := n.Tick(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
