package auth_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// signInFrom posts a sign-in as if from client address peer and returns
// the status and Retry-After.
func (s *site) signInFrom(t *testing.T, c *http.Client, peer, name, pw string) (int, string) {
	t.Helper()
	_, tok := get(t, c, s.URL+"/form")
	form := url.Values{"name": {name}, "password": {pw}, auth.CSRFField: {tok}}
	req, _ := http.NewRequest("POST", s.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Test-Peer", peer)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// refusals returns the audited refused sign-ins: the name recorded and
// the reason, in order.
func (s *site) refusals(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	err := s.store.Read(ctx, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, `SELECT ref, data FROM ledger_leaves WHERE kind = 'auth.login.refused' ORDER BY idx`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ref string
			var data []byte
			if err := rows.Scan(&ref, &data); err != nil {
				return err
			}
			out = append(out, ref+" "+string(data))
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOthersCannotLockTheAccountHolderOut guesses alice's password from
// one address until it is rate-limited, then from others: alice, from her
// own address, still signs in at once, while the guesser waits with a
// Retry-After. The refusals are in the audit trail.
func TestOthersCannotLockTheAccountHolderOut(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			s := newSiteOn(t, auth.Config{InsecureCookies: true, AccountBurst: 3, AccountEvery: time.Minute}, func(now func() time.Time) *sqlstore.Store {
				if dialect == "sqlite" {
					return storetest.SQLite(t, now)
				}
				return storetest.Postgres(t, now)
			})
			c := browser(t)
			var last int
			var retry string
			for i := range 8 {
				last, retry = s.signInFrom(t, c, "203.0.113.7", "alice", "guess "+string(rune('a'+i)))
			}
			if last != http.StatusTooManyRequests || retry == "" || retry == "0" {
				t.Errorf("the guesser's 8th attempt: %d Retry-After %q, want 429 with a wait", last, retry)
			}
			for i := range 8 {
				s.signInFrom(t, c, "198.51.100."+string(rune('1'+i)), "alice", "guess")
			}
			if code, _ := s.signInFrom(t, browser(t), "192.0.2.10", "alice", password); code != http.StatusOK {
				t.Errorf("alice from her own address after others' guesses: %d, want 200", code)
			}
			var rateLimited int
			for _, r := range s.refusals(t) {
				if strings.Contains(r, "rate limited") {
					rateLimited++
				}
			}
			if n := len(s.refusals(t)); n < 11 || rateLimited != 1 {
				t.Errorf("audited refusals: %d, %d of them rate limits; want every wrong password and the first rate limit:\n%s", n, rateLimited, strings.Join(s.refusals(t), "\n"))
			}
		})
	}
}

// TestPasswordTypedAsUserNameIsNotKept types a password into the name
// field: the refusal is audited under "unknown user", and the typed text
// is nowhere in the append-only trail.
func TestPasswordTypedAsUserNameIsNotKept(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			s := newSiteOn(t, auth.Config{InsecureCookies: true, AccountBurst: 1, AccountEvery: time.Minute}, func(now func() time.Time) *sqlstore.Store {
				if dialect == "sqlite" {
					return storetest.SQLite(t, now)
				}
				return storetest.Postgres(t, now)
			})
			c := browser(t)
			secret := "Tr0ub4dor&3-secret"
			for range 3 { // the second and third are rate-limited
				s.signInFrom(t, c, "192.0.2.10", secret, "x")
			}
			s.signInFrom(t, c, "192.0.2.10", "alice", "wrong")
			got := s.refusals(t)
			if len(got) < 3 {
				t.Fatalf("audited refusals: %q, want the unknown name's and alice's", got)
			}
			for _, r := range got {
				if strings.Contains(r, "Tr0ub4dor") {
					t.Errorf("the audit trail keeps the typed name: %s", r)
				}
			}
			if !strings.HasPrefix(got[0], auth.UnknownUser+" ") || !strings.HasPrefix(got[len(got)-1], "alice ") {
				t.Errorf("refusals recorded as %q, want the unknown name as %q and alice by name", got, auth.UnknownUser)
			}
		})
	}
}
