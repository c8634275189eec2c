package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// cliIn runs the binary in-process with stdin.
func cliIn(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUserAddRoleTokenRevoke(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"EVIDENT_DATA": data, "EVIDENT_ACTOR": "root@host"}
	if code, out, errs := cliIn(t, env, "", "init"); code != 0 {
		t.Fatalf("init: %d %s %s", code, out, errs)
	}
	code, out, errs := cliIn(t, env, "a long enough password\n", "user", "add", "cora", "--role", "compliance-manager", "--password-stdin")
	if code != 0 || !strings.Contains(out, "cora") || !strings.Contains(out, "compliance-manager") {
		t.Fatalf("user add: %d %q %q", code, out, errs)
	}
	for _, tc := range []struct {
		args  []string
		stdin string
		msg   string
	}{
		{[]string{"user", "add", "abe", "--role", "assessor"}, "", "audit period"},
		{[]string{"user", "add", "abe", "--role", "auditor"}, "", "unknown role \"auditor\""},
		{[]string{"user", "add", "abe", "--role", "admin", "--password-stdin"}, "short\n", "at least 12"},
		{[]string{"user", "add", "cora", "--role", "admin"}, "", "already exists"},
		{[]string{"user", "add", "abe", "--role", "assessor", "--from", "2026-07-01", "--to", "2026-01-01"}, "", "not before"},
		{[]string{"user", "role", "nobody", "admin"}, "", "no user \"nobody\""},
	} {
		code, _, errs := cliIn(t, env, tc.stdin, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.msg) {
			t.Errorf("%v: exit %d %q, want 2 with %q", tc.args, code, errs, tc.msg)
		}
	}
	code, out, errs = cliIn(t, env, "", "user", "add", "abe", "--role", "assessor", "--from", "2026-01-01", "--to", "2026-07-01")
	if code != 0 || !strings.Contains(out, "period=2026-01-01T00:00:00Z/2026-07-01T00:00:00Z") {
		t.Errorf("add assessor: %d %q %q", code, out, errs)
	}
	code, out, errs = cliIn(t, env, "", "user", "token", "cora", "--name", "ci")
	token := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(token, auth.TokenPrefix) || !strings.Contains(errs, "shown once") {
		t.Fatalf("user token: %d %q %q", code, out, errs)
	}
	st, err := sqlstore.Open(context.Background(), filepath.Join(data, "evident.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tok, u, err := st.TokenUser(context.Background(), auth.HashSecret(token))
	st.Close()
	if err != nil || u.Name != "cora" {
		t.Fatalf("the printed token does not authenticate: %v", err)
	}
	code, out, _ = cliIn(t, env, "", "user", "token", "list", "cora", "--json")
	if code != 0 || strings.Contains(out, token[len(auth.TokenPrefix):]) || !strings.Contains(out, tok.ID) {
		t.Errorf("token list: %d %s", code, out)
	}
	if code, _, errs := cliIn(t, env, "", "user", "role", "cora", "control-owner", "--controls", "no-such-control"); code != 2 || !strings.Contains(errs, "no-such-control") {
		t.Errorf("granting an unknown control: %d %q", code, errs)
	}
	if code, out, errs := cliIn(t, env, "", "user", "role", "cora", "management-approver"); code != 0 || !strings.Contains(out, "management-approver") {
		t.Errorf("role change: %d %q %q", code, out, errs)
	}
	if code, _, errs := cliIn(t, env, "", "user", "token", "revoke", tok.ID); code != 0 {
		t.Errorf("revoke: %d %q", code, errs)
	}
	if code, _, errs := cliIn(t, env, "", "user", "token", "revoke", tok.ID); code != 2 || !strings.Contains(errs, "already revoked") {
		t.Errorf("second revoke: %d %q", code, errs)
	}
	code, out, _ = cliIn(t, env, "", "user", "list", "--json")
	var users []evident.User
	if err := json.Unmarshal([]byte(out), &users); err != nil || code != 0 || len(users) != 2 {
		t.Fatalf("user list: %d %v %s", code, err, out)
	}
	// Every change is in the audit trail under the actor who made it.
	st, _ = sqlstore.Open(context.Background(), filepath.Join(data, "evident.db"), sqlstore.Options{})
	defer st.Close()
	var kinds []string
	st.Read(context.Background(), func(tx *sqlstore.Tx) error {
		n, _ := tx.LedgerSize(context.Background())
		leaves, err := tx.LedgerLeaves(context.Background(), 0, n)
		for _, l := range leaves {
			if l.Actor == "root@host" && (strings.HasPrefix(l.Kind, "user.") || strings.HasPrefix(l.Kind, "token.")) {
				kinds = append(kinds, l.Kind)
			}
		}
		return err
	})
	if got := strings.Join(kinds, " "); got != "user.add user.add token.create user.role token.revoke" {
		t.Errorf("audit trail: %s", got)
	}
}

// TestUserMFARequireAndReset: an admin decides which roles must use a
// second factor and removes a lost one; both are in the log.
func TestUserMFARequireAndReset(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"EVIDENT_DATA": data, "EVIDENT_ACTOR": "root@host"}
	if code, out, errs := cliIn(t, env, "", "init"); code != 0 {
		t.Fatalf("init: %d %s %s", code, out, errs)
	}
	code, out, errs := cliIn(t, env, "", "user", "mfa", "roles")
	if code != 0 || !strings.Contains(out, "management-approver  second factor required") || !strings.Contains(out, "assessor             second factor optional") {
		t.Fatalf("user mfa roles: %d %q %q", code, out, errs)
	}
	code, out, errs = cliIn(t, env, "", "user", "mfa", "require", "--role", "assessor")
	if code != 0 || !strings.Contains(out, "assessor             second factor required") {
		t.Errorf("require for assessors: %d %q %q", code, out, errs)
	}
	code, out, _ = cliIn(t, env, "", "user", "mfa", "require", "--role", "admin", "--off")
	if code != 0 || !strings.Contains(out, "admin                second factor optional") {
		t.Errorf("no longer for admins: %d %q", code, out)
	}
	if code, _, errs := cliIn(t, env, "", "user", "add", "mira", "--role", "management-approver"); code != 0 {
		t.Fatalf("user add: %s", errs)
	}
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"user", "mfa", "require", "--role", "auditor"}, `--role: unknown role "auditor"`},
		{[]string{"user", "mfa", "reset", "nobody"}, `no user "nobody"`},
		{[]string{"user", "mfa", "reset", "mira"}, "has no second factor"},
		{[]string{"user", "mfa", "forget"}, `unknown subcommand "forget"`},
	} {
		code, _, errs := cliIn(t, env, "", tc.args...)
		if code != 2 || !strings.Contains(errs, tc.msg) {
			t.Errorf("%v: exit %d %q, want 2 with %q", tc.args, code, errs, tc.msg)
		}
	}
	st, err := sqlstore.Open(context.Background(), filepath.Join(data, "evident.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := st.BeginMFA(ctx, "mira", "JBSWY3DPEHPK3PXP"); err != nil {
		t.Fatal(err)
	}
	if err := st.ConfirmMFA(ctx, "mira", "JBSWY3DPEHPK3PXP", 1, [][]byte{[]byte("h")}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	code, out, _ = cliIn(t, env, "", "user", "list")
	if code != 0 || !strings.Contains(out, "second-factor=") || !strings.Contains(out, "(1 recovery codes left)") {
		t.Errorf("user list does not show mira's second factor: %d %q", code, out)
	}
	code, out, errs = cliIn(t, env, "", "user", "mfa", "reset", "mira")
	if code != 0 || !strings.Contains(out, "second factor of mira removed") {
		t.Fatalf("reset: %d %q %q", code, out, errs)
	}
	code, out, _ = cliIn(t, env, "", "log", "--json")
	for _, kind := range []string{`"mfa.require"`, `"user.mfa.enrol"`, `"user.mfa.reset"`} {
		if code != 0 || !strings.Contains(out, kind) {
			t.Errorf("the log has no %s leaf (exit %d)", kind, code)
		}
	}
	if code, out, _ := cliIn(t, env, "", "user", "list"); code != 0 || !strings.Contains(out, "second-factor=missing (must enrol at next sign-in)") {
		t.Errorf("user list after the reset: %d %q, want mira flagged as missing a second factor", code, out)
	}
	if code, out, errs := cliIn(t, env, "", "verify"); code != 0 {
		t.Errorf("verify after second-factor changes: %d %s %s", code, out, errs)
	}
}
