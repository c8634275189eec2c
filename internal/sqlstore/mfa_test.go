package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// TestSecondFactorIsSpentOnceAndNeededOnceEnrolled: the store itself
// refuses a password session without the factor a user enrolled, a step
// at or before the last one accepted, a spent recovery code, and an
// enrolment confirmed against a secret that was replaced meanwhile.
func TestSecondFactorIsSpentOnceAndNeededOnceEnrolled(t *testing.T) {
	storetest.Each(t, fixed, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		if err := s.CreateUser(ctx, evident.User{Name: "mia", Role: evident.RoleApprover}, "$argon2id$fake", "admin"); err != nil {
			t.Fatal(err)
		}
		session := func(id string, proof *sqlstore.MFAProof) error {
			return s.CreateSession(ctx, sqlstore.Session{IDHash: []byte(id), User: "mia", Method: "password", ExpiresAt: t0.Add(time.Hour), Proof: proof})
		}
		if err := session("s0", nil); err != nil {
			t.Fatalf("password session before enrolling: %v", err)
		}
		se, _, err := s.SessionUser(ctx, []byte("s0"))
		if err != nil || !se.MustEnrolMFA {
			t.Errorf("session of an approver without a second factor: MustEnrolMFA=%v %v, want true", se.MustEnrolMFA, err)
		}
		if err := s.BeginMFA(ctx, "mia", "SECRETONE"); err != nil {
			t.Fatal(err)
		}
		if err := s.BeginMFA(ctx, "mia", "SECRETTWO"); err != nil {
			t.Fatal(err)
		}
		if err := s.ConfirmMFA(ctx, "mia", "SECRETONE", 100, [][]byte{[]byte("r1")}); evident.ErrorCode(err) != evident.ECONFLICT {
			t.Errorf("confirming a replaced secret: got %v, want ECONFLICT", err)
		}
		if err := s.ConfirmMFA(ctx, "mia", "SECRETTWO", 100, [][]byte{[]byte("r1"), []byte("r2")}); err != nil {
			t.Fatal(err)
		}
		if err := s.BeginMFA(ctx, "mia", "SECRETTHREE"); evident.ErrorCode(err) != evident.ECONFLICT {
			t.Errorf("beginning again once enrolled: got %v, want ECONFLICT", err)
		}
		if se, _, _ := s.SessionUser(ctx, []byte("s0")); se.MustEnrolMFA {
			t.Errorf("the session that enrolled is still held back")
		}
		logins := len(auditKinds(t, s, "mia"))
		for _, tc := range []struct {
			name  string
			proof *sqlstore.MFAProof
		}{
			{"no second factor", nil},
			{"the enrolment's step", &sqlstore.MFAProof{Step: 100}},
			{"an earlier step", &sqlstore.MFAProof{Step: 99}},
			{"an unknown recovery code", &sqlstore.MFAProof{RecoveryHash: []byte("r9")}},
		} {
			if err := session("x-"+tc.name, tc.proof); evident.ErrorCode(err) != evident.EUNAUTHORIZED {
				t.Errorf("%s: got %v, want EUNAUTHORIZED", tc.name, err)
			}
			if _, _, err := s.SessionUser(ctx, []byte("x-"+tc.name)); err == nil {
				t.Errorf("%s: a session was stored", tc.name)
			}
		}
		if n := len(auditKinds(t, s, "mia")); n != logins {
			t.Errorf("refused sessions wrote %d leaves", n-logins)
		}
		if err := session("s1", &sqlstore.MFAProof{Step: 101}); err != nil {
			t.Errorf("next step: %v", err)
		}
		if err := session("s2", &sqlstore.MFAProof{RecoveryHash: []byte("r2")}); err != nil {
			t.Errorf("recovery code: %v", err)
		}
		if err := session("s3", &sqlstore.MFAProof{RecoveryHash: []byte("r2")}); evident.ErrorCode(err) != evident.EUNAUTHORIZED {
			t.Errorf("the same recovery code again: got %v, want EUNAUTHORIZED", err)
		}
		if err := s.CreateSession(ctx, sqlstore.Session{IDHash: []byte("o1"), User: "mia", Method: "oidc", ExpiresAt: t0.Add(time.Hour)}); err != nil {
			t.Errorf("identity provider session: %v, want it not asked for a code", err)
		}
		m, err := s.UserMFA(ctx, "mia")
		if err != nil {
			t.Fatal(err)
		}
		if !m.EnrolledAt.Equal(t0) || m.LastStep != 101 || m.RecoveryLeft != 1 || !m.Required {
			t.Errorf("state: enrolled %v, last step %d, %d codes left, required %v; want %v, 101, 1, true", m.EnrolledAt, m.LastStep, m.RecoveryLeft, m.Required, t0)
		}
	})
}
