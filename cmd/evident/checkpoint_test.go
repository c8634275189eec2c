package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/ledger/tsatest"
)

// TestCheckpointVerifiesWithThePublicKeyAlone checks the printed
// checkpoint and an evidence record's proof as an assessor would: with
// DATA/ledger.pub and nothing else from Evident's store.
func TestCheckpointVerifiesWithThePublicKeyAlone(t *testing.T) {
	env := ledgerEnv(t)
	ids := addEvidence(t, env, append(writeFiles(t, 3, "scan"), "--control", "vuln-scan")...)
	code, cp, errs := cli(t, env, "checkpoint")
	if code != 0 {
		t.Fatalf("checkpoint: exit %d %s", code, errs)
	}
	pub, _ := os.ReadFile(filepath.Join(env["EVIDENT_DATA"], "ledger.pub"))
	v, err := note.NewVerifier(strings.TrimSpace(string(pub)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open([]byte(cp), note.VerifierList(v)); err != nil {
		t.Fatalf("checkpoint does not verify with ledger.pub: %v\n%s", err, cp)
	}
	code, out, _ := cli(t, env, "evidence", "show", ids[2], "--json")
	var shown struct {
		Proof struct {
			Leaf      string `json:"leaf"`
			TlogProof string `json:"tlog_proof"`
		}
	}
	if err := json.Unmarshal([]byte(out), &shown); code != 0 || err != nil {
		t.Fatalf("show --json: exit %d %v\n%s", code, err, out)
	}
	p, err := ledger.ParseProof([]byte(shown.Proof.TlogProof), []byte(shown.Proof.Leaf))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Check(v); err != nil {
		t.Errorf("the proof shown does not verify with ledger.pub: %v", err)
	}
	p.Leaf = []byte(strings.Replace(shown.Proof.Leaf, "scan-2.txt", "scan-9.txt", 1))
	if err := p.Check(v); err == nil {
		t.Error("a proof for an edited leaf verifies")
	}
}

func TestCheckpointAnchorWithLocalTSA(t *testing.T) {
	env := ledgerEnv(t)
	data := env["EVIDENT_DATA"]
	addEvidence(t, env, append(writeFiles(t, 2, "scan"), "--control", "vuln-scan")...)
	pki := tsatest.NewPKI(t, true)
	url := tsatest.Start(t, pki, nil)
	roots := filepath.Join(t.TempDir(), "tsa-roots.pem")
	os.WriteFile(roots, pki.RootPEM(), 0o644)

	if code, _, errs := cli(t, env, "checkpoint", "--anchor", url); code != 2 || !strings.Contains(errs, "--tsa-roots") {
		t.Errorf("anchor without roots: exit %d %q, want 2 asking for --tsa-roots", code, errs)
	}
	other := filepath.Join(t.TempDir(), "other.pem")
	os.WriteFile(other, tsatest.NewPKI(t, true).RootPEM(), 0o644)
	if code, _, errs := cli(t, env, "checkpoint", "--anchor", url, "--tsa-roots", other); code != 1 || !strings.Contains(errs, "does not chain to a trusted root") {
		t.Errorf("anchor with the wrong roots: exit %d %q, want 1", code, errs)
	}
	code, out, errs := cli(t, env, "checkpoint", "--anchor", url, "--tsa-roots", roots)
	if code != 0 || !strings.Contains(out, "Anchored checkpoint 5 at ") {
		t.Fatalf("anchor: exit %d\n%s%s", code, out, errs)
	}
	// The roots are kept in the data directory, so verify checks the token
	// without being told again.
	if _, err := os.Stat(filepath.Join(data, "tsa-roots.pem")); err != nil {
		t.Errorf("roots not kept: %v", err)
	}
	code, out, errs = cli(t, env, "verify")
	if code != 0 || !strings.Contains(out, "1 anchor checked") {
		t.Errorf("verify after anchoring: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = cli(t, env, "log", "--kind", "ledger.anchor", "--json")
	if code != 0 || !strings.Contains(out, `"checkpoint_size": 5`) {
		t.Errorf("the anchor is not in the audit trail:\n%s", out)
	}
	code, out, _ = cli(t, env, "verify", "--tsa-roots", other)
	if code != 1 || !strings.Contains(out, "bad anchor") {
		t.Errorf("verify against other roots: exit %d, want 1 naming the anchor\n%s", code, out)
	}
}
