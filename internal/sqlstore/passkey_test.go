package sqlstore_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// TestPasskeysSignInOnceEachAndEndWithRemoval: the store refuses a second
// registration of one credential, a label with control characters, a
// passkey made for another user handle, a sign-in whose counter did not
// grow (a cloned key), and a sign-in with a removed passkey; removal ends
// the passkey sessions, and each registration and removal is a leaf.
func TestPasskeysSignInOnceEachAndEndWithRemoval(t *testing.T) {
	storetest.Each(t, fixed, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		if err := s.CreateUser(ctx, evident.User{Name: "ann", Role: evident.RoleAdmin}, "$argon2id$fake", "root"); err != nil {
			t.Fatal(err)
		}
		key := sqlstore.Passkey{ID: "Y3JlZA", User: "ann", UserHandle: "aGFuZGxl", Label: "laptop", PublicKey: "a2V5", SignCount: 3}
		if err := s.AddPasskey(ctx, key); err != nil {
			t.Fatal(err)
		}
		for name, bad := range map[string]sqlstore.Passkey{
			"the same credential again": key,
			"another user handle":       {ID: "b3RoZXI", User: "ann", UserHandle: "b3RoZXI", Label: "phone", PublicKey: "a2V5"},
			"a label with a line break": {ID: "dGhyZWU", User: "ann", UserHandle: "aGFuZGxl", Label: "lap\ntop", PublicKey: "a2V5"},
			"no label":                  {ID: "Zm91cg", User: "ann", UserHandle: "aGFuZGxl", PublicKey: "a2V5"},
			"a user who does not exist": {ID: "Zml2ZQ", User: "bob", UserHandle: "aGFuZGxl", Label: "x", PublicKey: "a2V5"},
		} {
			if err := s.AddPasskey(ctx, bad); err == nil {
				t.Errorf("%s: registered", name)
			}
		}
		keys, err := s.Passkeys(ctx, "ann")
		if err != nil || len(keys) != 1 || keys[0].Label != "laptop" || !keys[0].LastUsedAt.IsZero() {
			t.Fatalf("passkeys of ann = %+v, %v; want the laptop, never used", keys, err)
		}
		session := func(id string, count uint32) error {
			return s.CreateSession(ctx, sqlstore.Session{IDHash: []byte(id), User: "ann", Method: "passkey", ExpiresAt: t0.Add(time.Hour),
				Passkey: &sqlstore.PasskeyUse{ID: key.ID, SignCount: count}})
		}
		if err := session("s1", 3); evident.ErrorCode(err) != evident.EUNAUTHORIZED {
			t.Errorf("a counter that did not grow: %v, want EUNAUTHORIZED", err)
		}
		if err := session("s1", 4); err != nil {
			t.Fatalf("a passkey sign-in: %v", err)
		}
		if se, _, err := s.SessionUser(ctx, []byte("s1")); err != nil || se.MustEnrolMFA {
			t.Errorf("a passkey session of an admin: MustEnrolMFA=%v %v; a passkey is both factors", se.MustEnrolMFA, err)
		}
		if err := s.CreateSession(ctx, sqlstore.Session{IDHash: []byte("s2"), User: "ann", Method: "passkey", ExpiresAt: t0.Add(time.Hour)}); err == nil {
			t.Errorf("a passkey session without its passkey was created")
		}
		if keys, _ := s.Passkeys(ctx, "ann"); keys[0].SignCount != 4 || keys[0].LastUsedAt.IsZero() {
			t.Errorf("after a sign-in: counter %d, last used %v", keys[0].SignCount, keys[0].LastUsedAt)
		}
		if err := s.RemovePasskey(ctx, "ann", key.ID, "root"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SessionUser(ctx, []byte("s1")); evident.ErrorCode(err) != evident.EUNAUTHORIZED {
			t.Errorf("the passkey's session after removal: %v, want EUNAUTHORIZED", err)
		}
		if err := session("s3", 9); evident.ErrorCode(err) != evident.EUNAUTHORIZED {
			t.Errorf("a removed passkey signs in: %v", err)
		}
		if err := s.RemovePasskey(ctx, "ann", key.ID, "root"); evident.ErrorCode(err) != evident.ENOTFOUND {
			t.Errorf("removing it twice: %v, want ENOTFOUND", err)
		}
		kinds := auditKinds(t, s, "ann")
		if !slices.Contains(kinds, "user.passkey.add") || !slices.Contains(kinds, "user.passkey.remove") {
			t.Errorf("leaves of ann: %v; want user.passkey.add and user.passkey.remove", kinds)
		}
	})
}

// TestPasskeyChallengeIsTakenOnceAndExpires: a ceremony's challenge
// answers once, for its own user only, and not after its time.
func TestPasskeyChallengeIsTakenOnceAndExpires(t *testing.T) {
	now := t0
	storetest.Each(t, func() time.Time { return now }, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		data := json.RawMessage(`{"challenge":"abc"}`)
		if err := s.PutPasskeyChallenge(ctx, "h1", "ann", data); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TakePasskeyChallenge(ctx, "h1", "bob"); evident.ErrorCode(err) != evident.ECONFLICT {
			t.Errorf("another user's challenge: %v", err)
		}
		got, err := s.TakePasskeyChallenge(ctx, "h1", "ann")
		if err != nil || string(got) != string(data) {
			t.Fatalf("take = %s, %v", got, err)
		}
		if _, err := s.TakePasskeyChallenge(ctx, "h1", "ann"); evident.ErrorCode(err) != evident.ECONFLICT {
			t.Errorf("the same challenge twice: %v", err)
		}
		if err := s.PutPasskeyChallenge(ctx, "h2", "", data); err != nil {
			t.Fatal(err)
		}
		now = now.Add(sqlstore.PasskeyChallengeTTL + time.Second)
		defer func() { now = t0 }()
		if _, err := s.TakePasskeyChallenge(ctx, "h2", ""); evident.ErrorCode(err) != evident.ECONFLICT {
			t.Errorf("an expired challenge: %v", err)
		}
	})
}
