package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// send delivers every pending delivery this replica wins the claim of.
func (n *Notifier) send(ctx context.Context) (int, error) {
	pending, err := n.cfg.Store.Deliveries(ctx, sqlstore.DeliveryFilter{State: sqlstore.DeliveryPending})
	if err != nil {
		return 0, err
	}
	var endpoints map[string]sqlstore.NotifyEndpoint
	sent := 0
	for _, d := range pending {
		if d.Channel == ChannelEmail && n.cfg.SMTP == nil {
			continue // kept pending until e-mail is configured
		}
		if d.Channel == ChannelWebhook && endpoints == nil {
			if endpoints, err = n.endpoints(ctx); err != nil {
				return sent, err
			}
		}
		won, err := n.cfg.Store.ClaimDelivery(ctx, d.ID, sqlstore.DeliveryPending)
		if err != nil || !won {
			if err != nil {
				return sent, err
			}
			continue
		}
		ok, err := n.deliver(ctx, d, endpoints)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

func (n *Notifier) endpoints(ctx context.Context) (map[string]sqlstore.NotifyEndpoint, error) {
	all, err := n.cfg.Store.NotifyEndpoints(ctx)
	out := map[string]sqlstore.NotifyEndpoint{}
	for _, e := range all {
		out["endpoint:"+e.ID] = e
	}
	return out, err
}

// deliver tries a claimed delivery up to Attempts times, waiting Backoff,
// then twice that, and so on between tries, logging each attempt. A
// delivery that never went through is marked failed, and so is its
// webhook endpoint: an endpoint that keeps failing stops receiving.
func (n *Notifier) deliver(ctx context.Context, d sqlstore.Delivery, endpoints map[string]sqlstore.NotifyEndpoint) (bool, error) {
	wait := n.cfg.Backoff
	for i := 1; i <= n.cfg.Attempts; i++ {
		if i > 1 {
			if err := n.cfg.Sleep(ctx, wait); err != nil {
				// Shutting down: hand the delivery back for the next replica.
				return false, n.cfg.Store.FinishDelivery(context.WithoutCancel(ctx), d.ID, sqlstore.DeliveryPending)
			}
			wait *= 2
		}
		status, err := n.attempt(ctx, d, endpoints)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if err := n.cfg.Store.RecordAttempt(ctx, d.ID, i, status, msg); err != nil {
			return false, err
		}
		if err == nil {
			return true, n.cfg.Store.FinishDelivery(ctx, d.ID, sqlstore.DeliverySent)
		}
		n.cfg.Logger.Warn("notification attempt failed", "event", d.EventKey, "to", d.Recipient, "attempt", i, "err", err)
		if errors.Is(err, errPermanent) {
			break
		}
	}
	if err := n.cfg.Store.FinishDelivery(ctx, d.ID, sqlstore.DeliveryFailed); err != nil {
		return false, err
	}
	if e, ok := endpoints[d.Recipient]; ok && e.FailedAt.IsZero() {
		// Later deliveries of this tick to the endpoint fail at once
		// rather than each waiting through its own retries.
		e.FailedAt = n.cfg.Now()
		endpoints[d.Recipient] = e
		return false, n.cfg.Store.MarkEndpointFailed(ctx, e.ID)
	}
	return false, nil
}

// errPermanent marks a failure no retry can mend (a user without an
// address, an endpoint that was removed).
var errPermanent = errors.New("permanent")

// attempt makes one try, returning the HTTP status of a webhook (0 for
// e-mail).
func (n *Notifier) attempt(ctx context.Context, d sqlstore.Delivery, endpoints map[string]sqlstore.NotifyEndpoint) (int, error) {
	switch d.Channel {
	case ChannelEmail:
		u, err := n.cfg.Store.User(ctx, d.Recipient)
		if err != nil || u.Email == "" {
			return 0, fmt.Errorf("%w: user %q has no e-mail address", errPermanent, d.Recipient)
		}
		return 0, n.cfg.SMTP.Send(ctx, u.Email, d.Subject, d.Body, n.cfg.Now())
	case ChannelWebhook:
		e, ok := endpoints[d.Recipient]
		if !ok {
			return 0, fmt.Errorf("%w: endpoint %q is gone", errPermanent, d.Recipient)
		}
		if !e.FailedAt.IsZero() {
			return 0, fmt.Errorf("%w: endpoint %q was marked failed at %s", errPermanent, e.ID, evident.UTC(e.FailedAt))
		}
		return post(ctx, n.cfg.HTTP, e, d, n.cfg.Now())
	}
	return 0, fmt.Errorf("%w: unknown channel %q", errPermanent, d.Channel)
}

// digest sends each user, once a day from DigestHour, one e-mail listing
// the events they chose to receive in the digest and not yet listed. The
// digest is itself a delivery keyed on the day, so it goes out once
// across replicas.
func (n *Notifier) digest(ctx context.Context, now time.Time) error {
	if now.Hour() < n.cfg.DigestHour {
		return nil
	}
	queued, err := n.cfg.Store.Deliveries(ctx, sqlstore.DeliveryFilter{State: sqlstore.DeliveryQueued, Channel: ChannelDigest})
	if err != nil {
		return err
	}
	byUser := map[string][]sqlstore.Delivery{}
	var order []string
	for _, d := range queued {
		if byUser[d.Recipient] == nil {
			order = append(order, d.Recipient)
		}
		byUser[d.Recipient] = append(byUser[d.Recipient], d)
	}
	day := now.Format(time.DateOnly)
	for _, user := range order {
		if err := n.digestFor(ctx, user, day, byUser[user]); err != nil {
			return err
		}
	}
	return nil
}

func (n *Notifier) digestFor(ctx context.Context, user, day string, ds []sqlstore.Delivery) error {
	key := "digest:" + day
	done, err := n.cfg.Store.Deliveries(ctx, sqlstore.DeliveryFilter{EventKey: key, Recipient: user, Channel: ChannelEmail})
	if err != nil || len(done) > 0 {
		return err // today's went out: what queued since waits for tomorrow's
	}
	var won []sqlstore.Delivery
	for _, d := range ds {
		ok, err := n.cfg.Store.ClaimDelivery(ctx, d.ID, sqlstore.DeliveryQueued)
		if err != nil {
			return err
		}
		if ok {
			won = append(won, d)
		}
	}
	if len(won) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d notification(s) since your last digest:\n\n", len(won))
	for _, d := range won {
		fmt.Fprintf(&b, "- %s  %s\n", evident.UTC(d.EventAt), d.Subject)
	}
	added, err := n.cfg.Store.EnqueueDelivery(ctx, sqlstore.Delivery{
		EventKey: key, Recipient: user, Channel: ChannelEmail, Kind: "digest",
		Subject: fmt.Sprintf("Evident daily digest for %s", day), Body: b.String(),
		EventAt: n.cfg.Now(), State: sqlstore.DeliveryPending,
	})
	if err != nil {
		return err
	}
	state := sqlstore.DeliverySent
	if !added {
		// Another replica's digest for today went in between the check
		// above and this one (its lease ran out mid-tick): the lines this
		// replica claimed are not in it, so they go back to wait for
		// tomorrow's rather than being marked sent and never read.
		state = sqlstore.DeliveryQueued
	}
	for _, d := range won {
		if err := n.cfg.Store.FinishDelivery(ctx, d.ID, state); err != nil {
			return err
		}
	}
	return nil
}
