package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident/internal/ledger"
)

// TestListingsShowStoredNamesInert prints evidence and the audit trail
// holding a file name and an actor with terminal escape sequences (as
// stored before names were checked, or by another writer): every listing
// shows them escaped, never as bytes a terminal obeys. New names with such
// bytes are refused with exit 2.
func TestListingsShowStoredNamesInert(t *testing.T) {
	env := ledgerEnv(t)
	a := &app{ctx: context.Background(), getenv: func(k string) string { return env[k] }, now: func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }, stdout: io.Discard, stderr: io.Discard}
	a.flags("test")
	l, st, err := a.openLedger()
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.AddEvidence(a.ctx, ledger.EvidenceInput{Actor: "mallory\x1b[2J", Filename: "scan\x1b]0;owned\x07.xml", MediaType: "text/plain", Controls: []string{"vuln-scan"}}, strings.NewReader("x"))
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"evidence", "list"}, {"log"}} {
		code, out, errs := cli(t, env, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("%v prints raw escape sequences:\n%q", args, out)
		}
		if !strings.Contains(out, `mallory\x1b[2J`) && !strings.Contains(out, `scan\x1b]0;owned\x07.xml`) {
			t.Errorf("%v does not show the stored name escaped:\n%s", args, out)
		}
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "report\x1b[31m.txt")
	if err := os.WriteFile(bad, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := cli(t, env, "evidence", "add", "--control", "vuln-scan", bad); code != 2 || !strings.Contains(errs, "control character") {
		t.Errorf("evidence add of a file named with an escape: exit %d\n%s%s, want 2 naming it", code, out, errs)
	}
}
