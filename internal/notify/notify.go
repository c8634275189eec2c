// Package notify tells people what needs them: a regulatory clock at half
// time, two hours before and when missed, tasks due and overdue, a failing
// verdict, a significant change, an approval request. Events come from
// sources (Source), each computed from the store as of the notifier's
// clock; they reach users by e-mail at once or in a daily digest, as each
// user chose, and admin-configured webhooks as signed JSON.
//
// Several `serve` replicas may run a notifier against one database. Each
// tick is claimed with the scheduler's lease, so one replica works at a
// time, and every delivery is a row whose unique key is (event, recipient,
// channel): a replica that slipped through after its lease expired inserts
// nothing, and claiming a row to send it is a conditional update only one
// replica wins. So each event reaches each recipient once per channel.
//
// Deliveries and their attempts are operational state (see
// sqlstore.ColumnStatus): the events themselves are recomputed from the
// ledger, so losing the log loses no compliance fact.
package notify

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/scheduler"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Event kinds, the names preferences and endpoint subscriptions use.
const (
	KindClockHalf         = "clock-half"
	KindClock2h           = "clock-2h"
	KindClockMissed       = "clock-missed"
	KindTaskDue           = "task-due"
	KindTaskOverdue       = "task-overdue"
	KindVerdictFailing    = "verdict-failing"
	KindSignificantChange = "significant-change"
	KindApprovalRequested = "approval-requested"
)

// Kinds lists every event kind, in the order forms show them.
var Kinds = []string{KindClockHalf, KindClock2h, KindClockMissed, KindTaskDue, KindTaskOverdue,
	KindVerdictFailing, KindSignificantChange, KindApprovalRequested}

// Channels a user can choose for an event kind.
const (
	ChannelEmail  = "email"  // one e-mail per event, at once
	ChannelDigest = "digest" // one e-mail a day listing the events
	ChannelOff    = "off"
	// ChannelWebhook is the channel of endpoint deliveries; users do not
	// choose it, an admin adds endpoints.
	ChannelWebhook = "webhook"
)

// ParsePref reads one preference as a user gives it, naming the field at
// fault.
func ParsePref(event, channel string) (sqlstore.NotifyPref, error) {
	if !slices.Contains(Kinds, event) {
		return sqlstore.NotifyPref{}, evident.ErrorAt(evident.EINVALID, "event", "%q: want one of %s", event, strings.Join(Kinds, ", "))
	}
	switch channel {
	case ChannelEmail, ChannelDigest, ChannelOff:
	default:
		return sqlstore.NotifyPref{}, evident.ErrorAt(evident.EINVALID, "channel", "%q: want email, digest or off", channel)
	}
	return sqlstore.NotifyPref{Event: event, Channel: channel}, nil
}

// Event is something to tell people about. Key identifies it for ever
// (the same clock's half-time is the same event on every tick and every
// replica), so it is what deliveries are deduplicated on.
type Event struct {
	Key     string
	Kind    string
	At      time.Time // when the event happened (the half-time instant, the due time)
	Subject string
	Body    string
	// To names the users the event is for; empty means every user who
	// receives notifications (see Notifier.recipients).
	To []string
}

// Source yields the events that have happened as of now. A source is
// asked on every tick and returns every event still relevant; the
// delivery table remembers which were sent. To add a kind of event (an
// approvals workflow's "approval requested", say), implement Source and
// pass it in Config.Sources:
//
//	type approvals struct{ store *sqlstore.Store }
//	func (a approvals) Events(ctx context.Context, now time.Time) ([]notify.Event, error) {
//		// one Event per open request: Key "approval:<request id>",
//		// Kind notify.KindApprovalRequested, To the approvers' user names.
//	}
type Source interface {
	Events(ctx context.Context, now time.Time) ([]Event, error)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(ctx context.Context, now time.Time) ([]Event, error)

// Events calls f.
func (f SourceFunc) Events(ctx context.Context, now time.Time) ([]Event, error) { return f(ctx, now) }

// leaseName is the work the notifier's lease covers; it is separate from
// the period scheduler's, so a slow send never delays missed-period records.
const leaseName = "notify.deliver"

// Config tunes a notifier. Zero values take the defaults.
type Config struct {
	Store   *sqlstore.Store
	Logger  *slog.Logger
	Sources []Source
	// SMTP sends e-mail; nil leaves e-mail deliveries pending until one
	// is configured.
	SMTP *SMTP
	// Allow opens webhooks to loopback or private addresses.
	Allow Allow
	// HTTP posts webhooks; default a client that refuses addresses Allow
	// does not open and follows no redirect.
	HTTP *http.Client
	// Holder names this replica in the lease; default a random id.
	Holder string
	// Every is the time between ticks; default 1 minute.
	Every time.Duration
	// Lease is how long a claim lasts; default 3 ticks.
	Lease time.Duration
	// Attempts is how often a delivery is tried before it is marked
	// failed (and, for a webhook, its endpoint with it); default 5.
	Attempts int
	// Backoff is the wait before the second attempt, doubled before each
	// later one; default 2 seconds.
	Backoff time.Duration
	// Stale is how long a delivery may stay claimed before another tick
	// takes it for lost with its replica and sends it again; default 15
	// minutes, well over the longest run of retries.
	Stale time.Duration
	// DigestHour is the UTC hour from which the day's digest goes out;
	// default 7.
	DigestHour int
	// Now is the clock; default the store's.
	Now func() time.Time
	// Sleep waits between attempts; default a timer that ends with ctx.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Notifier turns events into deliveries and sends them.
type Notifier struct {
	cfg Config
}

// New returns a notifier with cfg's defaults filled in.
func New(cfg Config) *Notifier {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Holder == "" {
		cfg.Holder = scheduler.NewHolder()
	}
	if cfg.Every <= 0 {
		cfg.Every = time.Minute
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 3 * cfg.Every
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 5
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 2 * time.Second
	}
	if cfg.Stale <= 0 {
		cfg.Stale = 15 * time.Minute
	}
	if cfg.DigestHour <= 0 || cfg.DigestHour > 23 {
		cfg.DigestHour = 7
	}
	if cfg.Now == nil {
		cfg.Now = cfg.Store.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.HTTP == nil {
		cfg.HTTP = Client(cfg.Allow)
	}
	return &Notifier{cfg: cfg}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Start runs a notifier in a goroutine until ctx ends or the returned stop
// function is called; stop waits for it to exit.
func Start(ctx context.Context, cfg Config) (stop func()) {
	return scheduler.Go(ctx, New(cfg).Run)
}

// Run ticks until ctx ends, releasing the lease on the way out.
func (n *Notifier) Run(ctx context.Context) {
	scheduler.Leased{Store: n.cfg.Store, Lease: leaseName, Holder: n.cfg.Holder, Every: n.cfg.Every, Logger: n.cfg.Logger,
		Failed: "notify tick", Did: "sent notifications"}.Run(ctx, n.Tick)
}

// Tick does one pass if this replica holds the lease: it asks every source
// for events, records a delivery for each recipient and channel not
// recorded yet, sends the day's digests when they are due, and sends what
// is pending. It returns how many deliveries it sent.
func (n *Notifier) Tick(ctx context.Context) (int, error) {
	held, err := n.cfg.Store.Claim(ctx, leaseName, n.cfg.Holder, n.cfg.Lease)
	if err != nil || !held {
		return 0, err
	}
	now := n.cfg.Now().UTC()
	if k, err := n.cfg.Store.ReleaseStaleDeliveries(ctx, now.Add(-n.cfg.Stale)); err != nil {
		return 0, err
	} else if k > 0 {
		n.cfg.Logger.Warn("resending notifications a stopped replica had claimed", "count", k)
	}
	if err := n.enqueue(ctx, now); err != nil {
		return 0, err
	}
	if err := n.digest(ctx, now); err != nil {
		return 0, err
	}
	return n.send(ctx)
}

// recipient is a user who receives notifications, with their choices.
type recipient struct {
	user  evident.User
	prefs map[string]string
}

// channel is the user's channel for kind: e-mail unless they chose
// otherwise.
func (r recipient) channel(kind string) string {
	if c, ok := r.prefs[kind]; ok {
		return c
	}
	return ChannelEmail
}

// recipients returns every enabled user with an e-mail address, except
// assessors: they see the program as it was, they do not work it.
func (n *Notifier) recipients(ctx context.Context) (map[string]recipient, error) {
	prefs, err := n.cfg.Store.NotifyPrefs(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]recipient{}
	after := ""
	for {
		us, err := n.cfg.Store.Users(ctx, after, 200)
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			if !u.Disabled && u.Email != "" && u.Role != evident.RoleAssessor {
				out[u.Name] = recipient{user: u, prefs: prefs[u.Name]}
			}
		}
		if len(us) < 200 {
			return out, nil
		}
		after = us[len(us)-1].Name
	}
}

// enqueue records a delivery for every event, recipient and channel.
func (n *Notifier) enqueue(ctx context.Context, now time.Time) error {
	var events []Event
	for _, s := range n.cfg.Sources {
		evs, err := s.Events(ctx, now)
		if err != nil {
			// One broken source must not silence the others.
			n.cfg.Logger.Error("notification source", "err", err)
			continue
		}
		events = append(events, evs...)
	}
	if len(events) == 0 {
		return nil
	}
	users, err := n.recipients(ctx)
	if err != nil {
		return err
	}
	endpoints, err := n.cfg.Store.NotifyEndpoints(ctx)
	if err != nil {
		return err
	}
	var ds []sqlstore.Delivery
	for _, ev := range events {
		ds = append(ds, deliveries(ev, users, endpoints)...)
	}
	if _, err := n.cfg.Store.EnqueueDeliveries(ctx, ds); err != nil {
		return fmt.Errorf("record notifications: %w", err)
	}
	return nil
}

// deliveries returns one delivery per recipient and channel of ev.
func deliveries(ev Event, users map[string]recipient, endpoints []sqlstore.NotifyEndpoint) []sqlstore.Delivery {
	var out []sqlstore.Delivery
	d := sqlstore.Delivery{EventKey: ev.Key, Kind: ev.Kind, Subject: ev.Subject, Body: ev.Body, EventAt: ev.At}
	names := ev.To
	if len(names) == 0 {
		for name := range users {
			names = append(names, name)
		}
		slices.Sort(names)
	}
	for _, name := range names {
		r, ok := users[name]
		if !ok {
			continue
		}
		d.Recipient = name
		switch r.channel(ev.Kind) {
		case ChannelEmail:
			d.Channel, d.State = ChannelEmail, sqlstore.DeliveryPending
		case ChannelDigest:
			d.Channel, d.State = ChannelDigest, sqlstore.DeliveryQueued
		default:
			continue
		}
		out = append(out, d)
	}
	for _, e := range endpoints {
		if !e.FailedAt.IsZero() || !e.Wants(ev.Kind) {
			continue
		}
		d.Recipient, d.Channel, d.State = "endpoint:"+e.ID, ChannelWebhook, sqlstore.DeliveryPending
		out = append(out, d)
	}
	return out
}
