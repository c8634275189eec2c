package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
	// From here on the key is pinned, as the page's settings say.
	pub, err := os.ReadFile(filepath.Join(env["EVIDENT_DATA"], "ledger.pub"))
	if err != nil {
		t.Fatal(err)
	}
	env["EVIDENT_LEDGER_KEY"] = strings.TrimSpace(string(pub))
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
	checkProxy(t, string(doc), a, b, token, ids[0])
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

// checkProxy runs Caddy with the Caddyfile of docs/deploy.md as written,
// its upstreams the two replicas, and checks what the page promises
// through it: the replicas' readiness and evidence over TLS, HSTS,
// compression, and no /metrics. Global options go before the site block only to keep the test
// to itself: free ports, no admin endpoint, and a certificate from
// Caddy's local authority, trusted by the test alone.
func checkProxy(t *testing.T, doc string, a, b *replica, token, id string) {
	t.Helper()
	m := regexp.MustCompile("(?ms)^```caddyfile\n(.*?)^```").FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("docs/deploy.md has no caddyfile block")
	}
	site := strings.NewReplacer("10.0.0.11:8319", strings.TrimPrefix(a.base, "http://"), "10.0.0.12:8319", strings.TrimPrefix(b.base, "http://")).Replace(m[1])
	caddy, err := exec.LookPath("caddy")
	if err != nil {
		t.Fatal("caddy is not installed: run `sh scripts/tools.sh caddy`")
	}
	dir := t.TempDir()
	httpsAddr, httpAddr := freeAddr(t), freeAddr(t)
	_, httpsPort, _ := net.SplitHostPort(httpsAddr)
	_, httpPort, _ := net.SplitHostPort(httpAddr)
	global := fmt.Sprintf("{\n\tadmin off\n\tlocal_certs\n\tskip_install_trust\n\thttp_port %s\n\thttps_port %s\n\tstorage file_system %s\n}\n", httpPort, httpsPort, filepath.Join(dir, "storage"))
	conf := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(conf, []byte(global+site), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(caddy, "run", "--config", conf, "--adapter", "caddyfile")
	cmd.Env = []string{"HOME=" + dir, "XDG_DATA_HOME=" + dir, "XDG_CONFIG_HOME=" + dir}
	var log syncBuffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	rootFile := filepath.Join(dir, "storage", "pki", "authorities", "local", "root.crt")
	var client *http.Client
	deadline := time.Now().Add(2 * time.Minute)
	for client == nil {
		if time.Now().After(deadline) {
			t.Fatalf("caddy did not come up:\n%s", log.String())
		}
		time.Sleep(100 * time.Millisecond)
		pem, err := os.ReadFile(rootFile)
		if err != nil {
			continue
		}
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(pem)
		c := &http.Client{Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "evident.example.org"},
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, httpsAddr)
			},
		}}
		if resp, err := c.Get("https://evident.example.org/readyz"); err == nil {
			resp.Body.Close()
			client = c
		}
	}
	get := func(path string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", "https://evident.example.org"+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s through the proxy: %v\n%s", path, err, log.String())
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	if resp, body := get("/readyz"); resp.StatusCode != 200 || !strings.Contains(body, "ready") {
		t.Errorf("GET /readyz through the proxy: %d %q", resp.StatusCode, body)
	} else if hsts := resp.Header.Get("Strict-Transport-Security"); hsts == "" {
		t.Error("the proxy sends no Strict-Transport-Security header")
	}
	// Go's client asks for gzip and unpacks it, telling that it did.
	if resp, body := get("/api/v1/catalog"); resp.StatusCode != 200 || !strings.Contains(body, `"items"`) {
		t.Errorf("GET /api/v1/catalog through the proxy: %d %.200q", resp.StatusCode, body)
	} else if !resp.Uncompressed {
		t.Error("the proxy sends the requirement catalogue uncompressed to a client that accepts gzip")
	}
	if resp, _ := get("/metrics"); resp.StatusCode != 404 {
		t.Errorf("GET /metrics through the proxy: %d, want 404", resp.StatusCode)
	}
	// Several requests, so both upstreams answer some: each serves the
	// evidence, whichever replica stored it.
	for i := 0; i < 4; i++ {
		if resp, body := get("/api/v1/evidence/" + id + "/content"); resp.StatusCode != 200 || body != "scan report 0\n" {
			t.Errorf("GET the evidence through the proxy: %d %q", resp.StatusCode, body)
		}
	}
}
