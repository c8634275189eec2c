package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
	"github.com/google/go-cmp/cmp"
)

// auditKinds returns the kinds of the ledger records about ref, in order.
func auditKinds(t *testing.T, s *sqlstore.Store, ref string) []string {
	t.Helper()
	var kinds []string
	err := s.Read(context.Background(), func(tx *sqlstore.Tx) error {
		n, err := tx.LedgerSize(context.Background())
		if err != nil {
			return err
		}
		leaves, err := tx.LedgerLeaves(context.Background(), 0, n)
		for _, l := range leaves {
			if l.Ref == ref {
				kinds = append(kinds, l.Kind)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return kinds
}

func TestUserLifecycleIsAudited(t *testing.T) {
	storetest.Each(t, fixed, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		u := evident.User{Name: "carol", DisplayName: "Carol Auditor", Role: evident.RoleAssessor,
			PeriodFrom: t0.AddDate(-1, 0, 0), PeriodTo: t0}
		if err := s.CreateUser(ctx, u, "$argon2id$fake", "admin"); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateUser(ctx, u, "", "admin"); evident.ErrorCode(err) != evident.ECONFLICT {
			t.Fatalf("second CreateUser: got %v, want ECONFLICT", err)
		}
		got, hash, err := s.UserCredentials(ctx, "carol")
		if err != nil {
			t.Fatal(err)
		}
		want := u
		want.CreatedAt, want.CreatedBy = t0, "admin"
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("user (-want +got):\n%s", diff)
		}
		if hash != "$argon2id$fake" {
			t.Errorf("hash = %q", hash)
		}
		up := evident.User{Name: "carol", Role: evident.RoleControlOwner, Controls: []string{"vuln-scan", "time-sync"}}
		if err := s.SetUserRole(ctx, up, "admin"); evident.ErrorCode(err) != evident.EINVALID || !strings.Contains(err.Error(), "vuln-scan") {
			t.Fatalf("granting controls the program lacks: got %v, want EINVALID naming one", err)
		}
		putControls(t, s, "vuln-scan", "time-sync")
		if err := s.SetUserRole(ctx, up, "admin"); err != nil {
			t.Fatal(err)
		}
		got, err = s.User(ctx, "carol")
		if err != nil {
			t.Fatal(err)
		}
		if got.Role != evident.RoleControlOwner || !got.PeriodFrom.IsZero() || !cmp.Equal(got.Controls, []string{"time-sync", "vuln-scan"}) {
			t.Errorf("after role change: %+v", got)
		}
		if err := s.SetUserDisabled(ctx, "carol", true, "admin"); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"user.add", "user.role", "user.disable"}, auditKinds(t, s, "carol")); diff != "" {
			t.Errorf("audit trail (-want +got):\n%s", diff)
		}
	})
}

func TestRoleChangeRecordsPreviousRoleAndNoSecret(t *testing.T) {
	storetest.Each(t, fixed, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		if err := s.CreateUser(ctx, evident.User{Name: "dave", Role: evident.RoleAdmin}, "$argon2id$secret-hash", "root"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetUserRole(ctx, evident.User{Name: "dave", Role: evident.RoleApprover}, "root"); err != nil {
			t.Fatal(err)
		}
		var bodies []string
		s.Read(ctx, func(tx *sqlstore.Tx) error {
			leaves, err := tx.LedgerLeaves(ctx, 0, 100)
			for _, l := range leaves {
				bodies = append(bodies, string(l.Data))
			}
			return err
		})
		all := strings.Join(bodies, "\n")
		if strings.Contains(all, "secret-hash") {
			t.Errorf("audit trail contains the password hash:\n%s", all)
		}
		if !strings.Contains(all, `previous_role`) || !strings.Contains(all, `management-approver`) {
			t.Errorf("role change not recorded with old and new role:\n%s", all)
		}
	})
}

func TestInvalidUsersAreRefusedAndNotStored(t *testing.T) {
	storetest.Each(t, fixed, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		for _, u := range []evident.User{
			{Name: "eve", Role: "superuser"},
			{Name: "eve", Role: evident.RoleAssessor},                                           // no period
			{Name: "eve", Role: evident.RoleAssessor, PeriodFrom: t0, PeriodTo: t0},             // empty period
			{Name: "eve", Role: evident.RoleAdmin, Controls: []string{"x"}},                     // controls for an admin
			{Name: "eve smith", Role: evident.RoleAdmin},                                        // space in name
			{Name: "token:eve", Role: evident.RoleAdmin},                                        // reserved prefix
			{Name: "eve", Role: evident.RoleAdmin, PeriodFrom: t0, PeriodTo: t0.Add(time.Hour)}, // period for an admin
		} {
			if err := s.CreateUser(ctx, u, "", "root"); evident.ErrorCode(err) != evident.EINVALID {
				t.Errorf("CreateUser(%+v): got %v, want EINVALID", u, err)
			}
		}
		if _, err := s.User(ctx, "eve"); evident.ErrorCode(err) != evident.ENOTFOUND {
			t.Errorf("a refused user was stored: %v", err)
		}
	})
}

func TestSessionsExpireAndEndOnRoleChange(t *testing.T) {
	now := t0
	clock := func() time.Time { return now }
	storetest.Each(t, clock, func(t *testing.T, s *sqlstore.Store) {
		now = t0
		ctx := context.Background()
		if err := s.CreateUser(ctx, evident.User{Name: "alice", Role: evident.RoleComplianceManager}, "", "root"); err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256([]byte("cookie value"))
		if err := s.CreateSession(ctx, sqlstore.Session{IDHash: h[:], User: "alice", Method: "password", ExpiresAt: t0.Add(time.Hour), IP: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
		if _, u, err := s.SessionUser(ctx, h[:]); err != nil || u.Name != "alice" {
			t.Fatalf("SessionUser = %v, %v", u.Name, err)
		}
		now = t0.Add(time.Hour)
		if _, _, err := s.SessionUser(ctx, h[:]); evident.ErrorCode(err) != evident.EUNAUTHORIZED {
			t.Errorf("expired session: got %v, want EUNAUTHORIZED", err)
		}
		now = t0
		if err := s.SetUserRole(ctx, evident.User{Name: "alice", Role: evident.RoleAssessor, PeriodFrom: t0, PeriodTo: t0.AddDate(0, 1, 0)}, "root"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SessionUser(ctx, h[:]); evident.ErrorCode(err) != evident.EUNAUTHORIZED {
			t.Errorf("session after role change: got %v, want EUNAUTHORIZED", err)
		}
		if diff := cmp.Diff([]string{"user.add", "auth.login", "user.role"}, auditKinds(t, s, "alice")); diff != "" {
			t.Errorf("audit trail (-want +got):\n%s", diff)
		}
	})
}

func TestTokensAreFoundByHashAndRevoked(t *testing.T) {
	storetest.Each(t, fixed, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		putControls(t, s, "vuln-scan", "fw-review")
		if err := s.CreateUser(ctx, evident.User{Name: "ci", Role: evident.RoleControlOwner, Controls: []string{"vuln-scan", "fw-review"}}, "", "root"); err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256([]byte("evt_secret"))
		tok, err := s.CreateToken(ctx, sqlstore.APIToken{User: "ci", Name: "nmap"}, h[:], "root")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateToken(ctx, sqlstore.APIToken{User: "ci", Name: "nmap"}, []byte("other"), "root"); evident.ErrorCode(err) != evident.ECONFLICT {
			t.Errorf("second live token with one name: got %v, want ECONFLICT", err)
		}
		got, u, err := s.TokenUser(ctx, h[:])
		if err != nil || got.ID != tok.ID || u.Name != "ci" || got.Actor() != "token:ci/nmap" {
			t.Fatalf("TokenUser = %+v %q %v", got, u.Name, err)
		}
		// A control owner's token acts for the owner's controls alone.
		if diff := cmp.Diff([]string{"fw-review", "vuln-scan"}, u.Controls); diff != "" {
			t.Errorf("the token's user's controls (-want +got):\n%s", diff)
		}
		// root minted the token for ci: the token acts as ci, and its
		// record says who minted it.
		if ts, err := s.Tokens(ctx, "ci"); err != nil || len(ts) != 1 || ts[0].CreatedBy != "root" || got.CreatedBy != "root" {
			t.Errorf("tokens of ci: %+v (%v); TokenUser %+v; want one, created by root", ts, err, got)
		}
		if err := s.RevokeToken(ctx, tok.ID, "root"); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeToken(ctx, tok.ID, "root"); evident.ErrorCode(err) != evident.ECONFLICT {
			t.Errorf("second revoke: got %v, want ECONFLICT", err)
		}
		if _, _, err := s.TokenUser(ctx, h[:]); evident.ErrorCode(err) != evident.EUNAUTHORIZED {
			t.Errorf("revoked token: got %v, want EUNAUTHORIZED", err)
		}
		kinds := auditKinds(t, s, tok.ID)
		if diff := cmp.Diff([]string{"token.create", "token.revoke"}, kinds); diff != "" {
			t.Errorf("audit trail (-want +got):\n%s", diff)
		}
		// The token hash is not in the audit record: the ledger is
		// exported in packs, and a hash of a short secret is guessable.
		s.Read(ctx, func(tx *sqlstore.Tx) error {
			leaves, _ := tx.LedgerLeaves(ctx, 0, 100)
			for _, l := range leaves {
				var m map[string]any
				json.Unmarshal(l.Data, &m)
				if strings.Contains(string(l.Data), "hash") {
					t.Errorf("ledger leaf %d mentions a hash: %s", l.Index, l.Data)
				}
			}
			return nil
		})
	})
}
