package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
)

func TestPasswordHashIsArgon2idAndChecks(t *testing.T) {
	h, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, password) {
		t.Errorf("hash %q is not an argon2id PHC string", h)
	}
	h2, _ := auth.HashPassword(password)
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{password, true}, {password + " ", false}, {"", false}, {strings.ToUpper(password), false}} {
		ok, err := auth.CheckPassword(h, tc.pw)
		if err != nil || ok != tc.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
	if ok, err := auth.CheckPassword("$2a$10$bcrypt...", password); ok || err == nil {
		t.Errorf("a hash of another kind: got %v, %v; want an error and no match", ok, err)
	}
}

func TestShortPasswordsAreRefused(t *testing.T) {
	_, err := auth.HashPassword("short")
	if evident.ErrorCode(err) != evident.EINVALID || !strings.Contains(err.Error(), "at least 12") {
		t.Errorf("short password: got %v", err)
	}
}

func TestTokensAreRandomAndPrefixed(t *testing.T) {
	a, ha := auth.NewToken()
	b, _ := auth.NewToken()
	if a == b || !strings.HasPrefix(a, auth.TokenPrefix) || len(a) != len(auth.TokenPrefix)+43 {
		t.Errorf("tokens %q %q", a, b)
	}
	if string(ha) != string(auth.HashSecret(a)) || len(ha) != 32 {
		t.Errorf("token hash is not SHA-256 of the token")
	}
}

func TestPermissionsFollowTheRoleTable(t *testing.T) {
	// Segregation of duties a user would notice: the admin cannot approve,
	// the approver and the assessor cannot write evidence, only the
	// assessor among the non-managers exports packs.
	for _, tc := range []struct {
		perm auth.Permission
		want string
	}{
		{auth.Read, "[admin compliance-manager control-owner management-approver assessor]"},
		{auth.WriteEvidence, "[admin compliance-manager control-owner]"},
		{auth.Approve, "[management-approver]"},
		{auth.ExportPack, "[admin compliance-manager assessor]"},
		{auth.ManageUsers, "[admin]"},
		{auth.ManageRetention, "[admin compliance-manager]"},
		{auth.ApplyRetention, "[admin]"},
		{auth.Permission("typo"), "[]"},
	} {
		if got := fmtRoles(tc.perm.Roles()); got != tc.want {
			t.Errorf("%s: roles %s, want %s", tc.perm, got, tc.want)
		}
	}
}

func fmtRoles(rs []evident.UserRole) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return "[" + strings.Join(s, " ") + "]"
}

func TestControlOwnerWritesOnlyOwnControls(t *testing.T) {
	owner := auth.Principal{User: evident.User{Name: "olga", Role: evident.RoleControlOwner, Controls: []string{"time-sync"}}}
	if err := owner.CheckEvidenceControls([]string{"time-sync"}); err != nil {
		t.Errorf("own control: %v", err)
	}
	err := owner.CheckEvidenceControls([]string{"time-sync", "vuln-scan"})
	if evident.ErrorCode(err) != evident.EFORBIDDEN || !strings.Contains(err.Error(), "vuln-scan") {
		t.Errorf("foreign control: got %v, want forbidden naming vuln-scan", err)
	}
	assessor := auth.Principal{User: evident.User{Name: "ann", Role: evident.RoleAssessor}}
	if err := assessor.CheckEvidenceControls([]string{"time-sync"}); evident.ErrorCode(err) != evident.EFORBIDDEN {
		t.Errorf("assessor writing evidence: got %v", err)
	}
	cm := auth.Principal{User: evident.User{Name: "cm", Role: evident.RoleComplianceManager}}
	if err := cm.CheckEvidenceControls([]string{"vuln-scan"}); err != nil {
		t.Errorf("compliance manager: %v", err)
	}
}

func TestAssessorIsLimitedToTheirPeriod(t *testing.T) {
	from, to := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	a := auth.Principal{User: evident.User{Name: "ann", Role: evident.RoleAssessor, PeriodFrom: from, PeriodTo: to}}
	for _, tc := range []struct {
		from, to time.Time
		ok       bool
	}{
		{from, to, true},
		{from.AddDate(0, 3, 0), to.AddDate(0, -3, 0), true},
		{from.Add(-time.Second), to, false},
		{from, to.Add(time.Second), false},
		{time.Time{}, to, false},
	} {
		err := a.CheckPeriod(tc.from, tc.to)
		if (err == nil) != tc.ok {
			t.Errorf("CheckPeriod(%v, %v) = %v, want ok=%v", tc.from, tc.to, err, tc.ok)
		}
	}
	if err := a.CheckInstant(to); evident.ErrorCode(err) != evident.EFORBIDDEN {
		t.Errorf("instant at the period's end: got %v, want forbidden (the period is half-open)", err)
	}
	admin := auth.Principal{User: evident.User{Name: "root", Role: evident.RoleAdmin}}
	if err := admin.CheckPeriod(time.Time{}, time.Time{}); err != nil {
		t.Errorf("admin has no period limit: %v", err)
	}
}
