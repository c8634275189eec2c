package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident/internal/blob/s3test"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// TestDeployDocRuns runs the shell blocks of docs/deploy.md as written, in
// order, as an operator deploying two replicas would: the program created
// once on a fresh PostgreSQL database and an S3 bucket, the key pair
// carried, two real `evident serve` replicas checked, evidence uploaded
// through both, a backup taken (pg_dump and a checked copy of the blobs)
// and restored into a new database and a new bucket, where `evident
// verify` passes and every record is there. The replicas run under the
// test, on its own addresses, which replace the example addresses
// 10.0.0.11:8319 and 10.0.0.12:8319.
func TestDeployDocRuns(t *testing.T) {
	db := storetest.PostgresDatabase(t)
	restored := storetest.PostgresDatabase(t)
	s3 := s3test.Start(t)
	for _, bucket := range []string{"tsp-evidence", "tsp-evidence-restored"} {
		if err := os.Mkdir(filepath.Join(s3.Dir, bucket), 0o750); err != nil {
			t.Fatal(err)
		}
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	env := map[string]string{
		"EVIDENT_DB":    db,
		"EVIDENT_BLOBS": "s3://tsp-evidence/evident",
		"EVIDENT_DATA":  filepath.Join(dir, "data"),
		"EVIDENT_ACTOR": "ops@example",
		"RESTORE_DB":    restored,
	}
	for k, v := range s3.Env() {
		env[k] = v
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "deploy.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := shellBlocks(string(doc))
	split := -1
	for i, b := range blocks {
		if strings.Contains(b, "10.0.0.11:8319") {
			split = i
			break
		}
	}
	if split < 1 || len(blocks) < split+3 {
		t.Fatalf("docs/deploy.md has %d shell blocks, the first naming a replica at %d: want set-up blocks, then checks of the replicas, a backup and a restore", len(blocks), split)
	}
	runBlocks(t, dir, bin, env, strings.Join(blocks[:split], ""))
	addControls(t, db, "vuln-scan")

	a := startReplica(t, bin, "a", env)
	b := startReplica(t, bin, "b", env)
	code, out, errs := cli(t, env, "user", "add", "alice", "--role", "admin")
	if code != 0 {
		t.Fatalf("user add: exit %d\n%s%s", code, out, errs)
	}
	code, token, errs := cli(t, env, "user", "token", "alice", "--name", "deploy")
	if code != 0 {
		t.Fatalf("user token: exit %d\n%s", code, errs)
	}
	token = strings.TrimSpace(token)
	var ids []string
	for i, r := range []*replica{a, b, a, b} {
		// One file above the 16 MiB single-request limit, so the backup
		// also carries a blob that went through the staging prefix.
		body := []byte(fmt.Sprintf("scan report %d\n", i))
		if i == 3 {
			body = bytes.Repeat(body, (17<<20)/len(body))
		}
		id, err := r.upload(token, "vuln-scan", fmt.Sprintf("scan-%d.txt", i), bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	after := strings.Join(blocks[split:], "")
	after = strings.NewReplacer("http://10.0.0.11:8319", a.base, "http://10.0.0.12:8319", b.base).Replace(after)
	runBlocks(t, dir, bin, env, after)

	renv := map[string]string{}
	for k, v := range env {
		renv[k] = v
	}
	renv["EVIDENT_DB"], renv["EVIDENT_BLOBS"] = restored, "s3://tsp-evidence-restored/evident"
	got := map[string]bool{}
	for _, e := range listEvidence(t, renv) {
		got[e.ID] = true
	}
	for _, id := range ids {
		if !got[id] {
			t.Errorf("evidence %s, uploaded before the backup, is not in the restored copy", id)
		}
	}
	a.stop(t)
	b.stop(t)
}

// runBlocks runs script under sh -eu in dir, with the built evident first
// on PATH and env as the operator's settings, failing the test on any
// command that fails.
func runBlocks(t *testing.T, dir, bin string, env map[string]string, script string) {
	t.Helper()
	// A command that never ends fails the test instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", "set -eu\n"+script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + dir}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("the shell blocks of docs/deploy.md failed (%v):\n%s\n--- script ---\n%s", err, out.String(), script)
	}
	t.Logf("%s", out.String())
}
