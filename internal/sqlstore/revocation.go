package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/evidenthq/evident"
)

// AddRevocationRequest records a revocation request with its ledger leaf
// in one transaction. ReceivedAt defaults to the time of recording; a
// named service must exist in the program.
func (s *Store) AddRevocationRequest(ctx context.Context, r evident.RevocationRequest) (evident.RevocationRequest, error) {
	err := s.Write(ctx, func(tx *Tx) error {
		now := tx.Now.UTC().Truncate(time.Microsecond)
		r.ID, r.RecordedAt = evident.NewID(now), now
		if r.ReceivedAt.IsZero() {
			r.ReceivedAt = now
		}
		r.ReceivedAt = r.ReceivedAt.UTC().Truncate(time.Microsecond)
		r.Serial = strings.TrimLeft(strings.ToUpper(strings.TrimSpace(r.Serial)), "0")
		if err := r.Validate(); err != nil {
			return err
		}
		if err := tx.checkService(ctx, r.Service); err != nil {
			return err
		}
		body, _ := json.Marshal(r)
		if _, err := tx.Exec(ctx, `INSERT INTO revocation_requests (id, service, serial, reason, received_at, recorded_at, actor, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Service, r.Serial, r.Reason, TS(r.ReceivedAt), TS(r.RecordedAt), r.Actor, string(body)); err != nil {
			return fmt.Errorf("record revocation request: %w", err)
		}
		_, err := tx.Audit(ctx, "revocation.request", r.ID, r.Actor, r)
		return err
	})
	return r, err
}

// AddIssuanceStop records that a time-stamping unit stopped issuing, with
// its ledger leaf, in one transaction.
func (s *Store) AddIssuanceStop(ctx context.Context, st evident.IssuanceStop) (evident.IssuanceStop, error) {
	err := s.Write(ctx, func(tx *Tx) error {
		now := tx.Now.UTC().Truncate(time.Microsecond)
		st.ID, st.RecordedAt = evident.NewID(now), now
		st.From = st.From.UTC().Truncate(time.Microsecond)
		if !st.To.IsZero() {
			st.To = st.To.UTC().Truncate(time.Microsecond)
		}
		if err := st.Validate(); err != nil {
			return err
		}
		if err := tx.checkService(ctx, st.Service); err != nil {
			return err
		}
		body, _ := json.Marshal(st)
		if _, err := tx.Exec(ctx, `INSERT INTO issuance_stops (id, service, from_at, to_at, recorded_at, actor, body) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			st.ID, st.Service, TS(st.From), optTS(st.To), TS(st.RecordedAt), st.Actor, string(body)); err != nil {
			return fmt.Errorf("record issuance stop: %w", err)
		}
		_, err := tx.Audit(ctx, "issuance.stop", st.ID, st.Actor, st)
		return err
	})
	return st, err
}

func (tx *Tx) checkService(ctx context.Context, service string) error {
	if service == "" {
		return nil
	}
	m, err := tx.Model(ctx)
	if err != nil {
		return err
	}
	if m.ServiceByID(service) == nil {
		return evident.ErrorAt(evident.EINVALID, "service", "no service %q in the program (see `evident list services`)", service)
	}
	return nil
}

func optTS(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return TS(t)
}

// RevocationRequests returns every recorded request, by time received; a
// reader with a grant sees those received in it.
func (s *Store) RevocationRequests(ctx context.Context) ([]evident.RevocationRequest, error) {
	out := []evident.RevocationRequest{}
	err := s.Read(ctx, func(tx *Tx) error {
		return scanBodies(ctx, tx, `SELECT body FROM revocation_requests ORDER BY received_at, id`, nil, func(r evident.RevocationRequest) {
			if g, narrowed := GrantOf(ctx); !narrowed || g.Contains(r.ReceivedAt) {
				out = append(out, r)
			}
		})
	})
	return out, err
}

// IssuanceStops returns every recorded stop, by start; a reader with a
// grant sees those that started in it.
func (s *Store) IssuanceStops(ctx context.Context) ([]evident.IssuanceStop, error) {
	out := []evident.IssuanceStop{}
	err := s.Read(ctx, func(tx *Tx) error {
		return scanBodies(ctx, tx, `SELECT body FROM issuance_stops ORDER BY from_at, id`, nil, func(st evident.IssuanceStop) {
			if g, narrowed := GrantOf(ctx); !narrowed || g.Contains(st.From) {
				out = append(out, st)
			}
		})
	})
	return out, err
}
