package sqlstore

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"time"

	"github.com/evidenthq/evident"
)

// NotifyPref is one user's choice for one event kind: the channel it
// reaches them on ("email" at once, "digest" in the daily digest, "off").
type NotifyPref struct {
	User    string `json:"-"`
	Event   string `json:"event"`
	Channel string `json:"channel"`
}

// NotifyEndpoint is a webhook an admin pointed notifications at. Secret
// keys the HMAC of every delivery; Failed is set once a delivery ran out
// of retries, and a failed endpoint receives nothing until it is re-added.
type NotifyEndpoint struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Secret    string    `json:"secret,omitempty"`
	Events    []string  `json:"events"`
	FailedAt  time.Time `json:"failed_at,omitzero"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}

// Wants reports whether the endpoint subscribes to the event kind.
func (e NotifyEndpoint) Wants(kind string) bool {
	if len(e.Events) == 0 {
		return true
	}
	for _, k := range e.Events {
		if k == kind {
			return true
		}
	}
	return false
}

// Delivery is one notification to one recipient on one channel, and what
// became of it.
type Delivery struct {
	ID        int64     `json:"id"`
	EventKey  string    `json:"event_key"`
	Recipient string    `json:"recipient"`
	Channel   string    `json:"channel"`
	Kind      string    `json:"kind"`
	Subject   string    `json:"subject"`
	Body      string    `json:"body"`
	EventAt   time.Time `json:"event_at"`
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `json:"sent_at,omitzero"`
}

// Delivery states. A row is inserted pending (or queued, for the digest),
// claimed into sending by the one replica that sends it, and ends sent or
// failed.
const (
	DeliveryPending = "pending"
	DeliveryQueued  = "queued"
	DeliverySending = "sending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
)

// SetNotifyPrefs replaces the user's preferences for the event kinds given;
// kinds not named keep theirs.
func (s *Store) SetNotifyPrefs(ctx context.Context, user string, prefs []NotifyPref) error {
	return s.Write(ctx, func(tx *Tx) error {
		if _, _, err := tx.UserByName(ctx, user); err != nil {
			return err
		}
		for _, p := range prefs {
			_, err := tx.Exec(ctx, `INSERT INTO notify_prefs (user_name, event, channel, updated_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (user_name, event) DO UPDATE SET channel = excluded.channel, updated_at = excluded.updated_at`,
				user, p.Event, p.Channel, TS(tx.Now))
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// NotifyPrefs returns every stored preference, keyed by user then event
// kind; a kind with no row takes the notifier's default.
func (s *Store) NotifyPrefs(ctx context.Context) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	err := s.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT user_name, event, channel FROM notify_prefs`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var u, e, c string
			if err := rows.Scan(&u, &e, &c); err != nil {
				return err
			}
			if out[u] == nil {
				out[u] = map[string]string{}
			}
			out[u][e] = c
		}
		return rows.Err()
	})
	return out, err
}

// AddNotifyEndpoint stores a webhook endpoint.
func (s *Store) AddNotifyEndpoint(ctx context.Context, e NotifyEndpoint, actor string) (NotifyEndpoint, error) {
	err := s.Write(ctx, func(tx *Tx) error {
		e.CreatedAt, e.CreatedBy = tx.Now, actor
		_, err := tx.Exec(ctx, `INSERT INTO notify_endpoints (id, url, secret, events, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)`,
			e.ID, e.URL, e.Secret, strings.Join(e.Events, ","), TS(e.CreatedAt), actor)
		if IsUniqueViolation(err) {
			return evident.ErrorAt(evident.ECONFLICT, "id", "endpoint %q already exists", e.ID)
		}
		if err != nil {
			return err
		}
		_, err = tx.Audit(ctx, "notify.endpoint.add", e.ID, actor, endpointAudit{ID: e.ID, Host: hostOf(e.URL), Events: e.Events})
		return err
	})
	return e, err
}

// endpointAudit is the leaf of an endpoint's addition: incident details
// leave the system through it, so who pointed them where is in the audit
// trail. It names the host, not the URL: a receiver's URL often carries
// its own access token, and packs carry the leaves.
type endpointAudit struct {
	ID     string   `json:"id"`
	Host   string   `json:"host,omitempty"`
	Events []string `json:"events,omitempty"`
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// NotifyEndpoints returns every endpoint, secrets included (the notifier
// needs them; handlers blank them before answering).
func (s *Store) NotifyEndpoints(ctx context.Context) ([]NotifyEndpoint, error) {
	var out []NotifyEndpoint
	err := s.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, url, secret, events, failed_at, created_at, created_by FROM notify_endpoints ORDER BY created_at, id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e NotifyEndpoint
			var events, created string
			var failed sql.NullString
			if err := rows.Scan(&e.ID, &e.URL, &e.Secret, &events, &failed, &created, &e.CreatedBy); err != nil {
				return err
			}
			if events != "" {
				e.Events = strings.Split(events, ",")
			}
			if e.FailedAt, err = ParseNullTS(failed); err != nil {
				return err
			}
			if e.CreatedAt, err = ParseTS(created); err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// MarkEndpointFailed records that a delivery to the endpoint ran out of
// retries.
func (s *Store) MarkEndpointFailed(ctx context.Context, id string) error {
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE notify_endpoints SET failed_at = ? WHERE id = ? AND failed_at IS NULL`, TS(tx.Now), id)
		return err
	})
}

// EnableEndpoint clears an endpoint's failed mark, once an admin has
// mended the receiver, and records who did; it reports ENOTFOUND for an
// unknown id.
func (s *Store) EnableEndpoint(ctx context.Context, id, actor string) error {
	return s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE notify_endpoints SET failed_at = NULL WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = evident.ErrorAt(evident.ENOTFOUND, "endpoint", "no endpoint %q", id)
			}
			return err
		}
		_, err = tx.Audit(ctx, "notify.endpoint.enable", id, actor, endpointAudit{ID: id})
		return err
	})
}

// EnqueueDeliveries records every delivery in one transaction, each
// unless its key exists (as EnqueueDelivery), and returns how many were
// new: a tick that finds nothing new costs one commit, not one per row.
func (s *Store) EnqueueDeliveries(ctx context.Context, ds []Delivery) (int, error) {
	n := 0
	err := s.Write(ctx, func(tx *Tx) error {
		n = 0
		for _, d := range ds {
			k, err := tx.enqueue(ctx, d)
			if err != nil {
				return err
			}
			n += int(k)
		}
		return nil
	})
	return n, err
}

func (tx *Tx) enqueue(ctx context.Context, d Delivery) (int64, error) {
	res, err := tx.Exec(ctx, `INSERT INTO notify_deliveries
		(event_key, recipient, channel, kind, subject, body, event_at, state, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_key, recipient, channel) DO NOTHING`,
		d.EventKey, d.Recipient, d.Channel, d.Kind, d.Subject, d.Body, TS(d.EventAt), d.State, TS(tx.Now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// EnqueueDelivery inserts d unless a delivery of the same event to the
// same recipient on the same channel exists, and reports whether it did.
// The unique key, not the caller, is what keeps a second replica from
// sending the same notification again.
func (s *Store) EnqueueDelivery(ctx context.Context, d Delivery) (bool, error) {
	n, err := s.EnqueueDeliveries(ctx, []Delivery{d})
	return n == 1, err
}

// ClaimDelivery moves a delivery from state from to sending and reports
// whether this caller won it: of two replicas that both saw it pending,
// only one sends it.
func (s *Store) ClaimDelivery(ctx context.Context, id int64, from string) (bool, error) {
	var n int64
	err := s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE notify_deliveries SET state = ?, claimed_at = ? WHERE id = ? AND state = ?`,
			DeliverySending, TS(tx.Now), id, from)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}

// ReleaseStaleDeliveries hands back to pending every delivery claimed
// before cutoff and never finished: its replica died while sending. The
// message may have gone out just before, so this trades a rare duplicate
// for never losing a deadline warning. It returns how many it released.
func (s *Store) ReleaseStaleDeliveries(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE notify_deliveries SET state = ? WHERE state = ? AND claimed_at < ?`,
			DeliveryPending, DeliverySending, TS(cutoff))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// RecordAttempt logs one attempt at a delivery: its number, the HTTP
// status (0 for none) and the error ("" when it went through).
func (s *Store) RecordAttempt(ctx context.Context, id int64, n, status int, msg string) error {
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO notify_attempts (delivery_id, n, at, status, error) VALUES (?, ?, ?, ?, ?)`,
			id, n, TS(tx.Now), status, msg)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE notify_deliveries SET attempts = ?, last_error = ? WHERE id = ?`, n, msg, id)
		return err
	})
}

// FinishDelivery sets a claimed delivery's final state.
func (s *Store) FinishDelivery(ctx context.Context, id int64, state string) error {
	return s.Write(ctx, func(tx *Tx) error {
		sent := sql.NullString{}
		if state == DeliverySent {
			sent = NullTS(tx.Now)
		}
		_, err := tx.Exec(ctx, `UPDATE notify_deliveries SET state = ?, sent_at = ? WHERE id = ?`, state, sent, id)
		return err
	})
}

// DeliveryFilter selects deliveries; empty fields select all.
type DeliveryFilter struct {
	State     string
	EventKey  string
	Channel   string
	Recipient string
	Limit     int // the first Limit
	Last      int // the last Last, still oldest first
}

const deliveryCols = `id, event_key, recipient, channel, kind, subject, body, event_at, state, attempts, last_error, created_at, sent_at`

// Deliveries returns deliveries matching f, oldest first: the delivery log.
func (s *Store) Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error) {
	q := `SELECT ` + deliveryCols + ` FROM notify_deliveries WHERE 1 = 1`
	var args []any
	for _, c := range []struct{ col, v string }{{"state", f.State}, {"event_key", f.EventKey}, {"channel", f.Channel}, {"recipient", f.Recipient}} {
		if c.v != "" {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	switch {
	case f.Last > 0:
		q = `SELECT * FROM (` + q + ` ORDER BY id DESC LIMIT ?) AS recent ORDER BY id`
		args = append(args, f.Last)
	case f.Limit > 0:
		q += ` ORDER BY id LIMIT ?`
		args = append(args, f.Limit)
	default:
		q += ` ORDER BY id`
	}
	var out []Delivery
	err := s.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

func scanDelivery(row interface{ Scan(...any) error }) (Delivery, error) {
	var d Delivery
	var at, created string
	var sent sql.NullString
	err := row.Scan(&d.ID, &d.EventKey, &d.Recipient, &d.Channel, &d.Kind, &d.Subject, &d.Body, &at, &d.State,
		&d.Attempts, &d.LastError, &created, &sent)
	if err != nil {
		return d, err
	}
	if d.EventAt, err = ParseTS(at); err != nil {
		return d, err
	}
	if d.CreatedAt, err = ParseTS(created); err != nil {
		return d, err
	}
	d.SentAt, err = ParseNullTS(sent)
	return d, err
}

// DeliveryAttempt is one try at a delivery, as the delivery log shows it.
type DeliveryAttempt struct {
	N      int       `json:"n"`
	At     time.Time `json:"at"`
	Status int       `json:"status,omitempty"`
	Error  string    `json:"error,omitempty"`
}

// DeliveryAttempts returns a delivery's attempts in order.
func (s *Store) DeliveryAttempts(ctx context.Context, id int64) ([]DeliveryAttempt, error) {
	var out []DeliveryAttempt
	err := s.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT n, at, status, error FROM notify_attempts WHERE delivery_id = ? ORDER BY n`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a DeliveryAttempt
			var at string
			if err := rows.Scan(&a.N, &at, &a.Status, &a.Error); err != nil {
				return err
			}
			if a.At, err = ParseTS(at); err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

// NotifyEndpoint returns one endpoint.
func (s *Store) NotifyEndpoint(ctx context.Context, id string) (NotifyEndpoint, error) {
	all, err := s.NotifyEndpoints(ctx)
	if err != nil {
		return NotifyEndpoint{}, err
	}
	for _, e := range all {
		if e.ID == id {
			return e, nil
		}
	}
	return NotifyEndpoint{}, evident.ErrorAt(evident.ENOTFOUND, "endpoint", "no endpoint %q", id)
}
