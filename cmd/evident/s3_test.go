package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/blob/s3test"
)

// TestEvidenceInS3 keeps a program's evidence in a bucket on a real
// S3-compatible server: evidence add stores there, serve reports the
// bucket in /readyz and its figures in /metrics, and verify names the
// record whose object was deleted and the one whose object was
// overwritten behind the store's back, as with a blob directory.
func TestEvidenceInS3(t *testing.T) {
	srv := s3test.Start(t)
	env := ledgerEnv(t)
	env["EVIDENT_BLOBS"] = "s3://" + s3test.Bucket + "/tsp"
	for k, v := range srv.Env() {
		env[k] = v
	}
	var ids []string
	for _, f := range writeFiles(t, 3, "scan") {
		ids = append(ids, addEvidence(t, env, f, "--control", "vuln-scan", "--req", "REQ-7.8-14", "--period", "2026-Q3")...)
	}
	if code, out, errs := cli(t, env, "verify"); code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errs)
	}

	base, stop := startServe(t, env)
	defer stop()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/readyz"); code != 200 {
		t.Errorf("/readyz = %d %q; want 200", code, body)
	}
	code, body := get("/metrics")
	// serve may append leaves of its own at start (the catalog's sync).
	if m := regexp.MustCompile(`(?m)^evident_ledger_leaves (\d+)$`).FindStringSubmatch(body); m == nil || atoi(m[1]) < 5 {
		t.Errorf("/metrics does not count the 5 leaves written: %v", m)
	}
	for _, want := range []string{`evident_http_request_duration_seconds_count{code="200",route="GET /readyz"} 1`,
		"evident_checkpoint_age_seconds", `evident_notification_queue{state="pending"} 0`, `evident_regulatory_clocks{state="running"} 0`} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics (%d) lacks %q:\n%s", code, want, body)
		}
	}

	digest := map[string]string{}
	for _, e := range listEvidence(t, env) {
		digest[e.ID] = e.Digest.String()
	}
	ctx := context.Background()
	c := srv.Client(t)
	if err := c.RemoveObject(ctx, s3test.Bucket, "tsp/sha256/"+digest[ids[1]], minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	forged := []byte("a more convenient result\n")
	if _, err := c.PutObject(ctx, s3test.Bucket, "tsp/sha256/"+digest[ids[2]], bytes.NewReader(forged), int64(len(forged)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cli(t, env, "verify")
	if code != 1 {
		t.Errorf("verify after tampering with the bucket: exit %d, want 1\n%s%s", code, out, errs)
	}
	for _, want := range []string{"missing blob: evidence " + ids[1], "changed blob: evidence " + ids[2], "has changed"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, ids[0]) {
		t.Errorf("verify blames the untouched record %s:\n%s", ids[0], out)
	}

	srv.Stop()
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "blob store unavailable") {
		t.Errorf("/readyz with the S3 server down = %d %q; want 503 naming the blob store", code, body)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz with the S3 server down = %d; want 200 (the process is alive)", code)
	}
}

// TestLargeEvidenceFileInS3 adds a file of more than one upload part to a
// bucket: it is stored at its content address with nothing left in
// staging, its media type is sniffed from its first bytes as for a small
// file, verify passes, and verify names it once its object is gone.
func TestLargeEvidenceFileInS3(t *testing.T) {
	srv := s3test.Start(t)
	env := ledgerEnv(t)
	env["EVIDENT_BLOBS"] = "s3://" + s3test.Bucket + "/tsp"
	for k, v := range srv.Env() {
		env[k] = v
	}
	data := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("penetration test report, page after page\n"), 500_000)...)
	path := filepath.Join(t.TempDir(), "pentest-2026")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ids := addEvidence(t, env, path, "--control", "vuln-scan", "--req", "REQ-7.8-14", "--period", "2026-Q3")
	evs := listEvidence(t, env)
	if len(ids) != 1 || len(evs) != 1 || evs[0].Digest != evident.Digest(sha256.Sum256(data)) || evs[0].Size != int64(len(data)) || evs[0].MediaType != "application/pdf" {
		t.Fatalf("evidence add of a %d-byte PDF recorded %+v", len(data), evs)
	}
	ctx := context.Background()
	c := srv.Client(t)
	var keys []string
	for obj := range c.ListObjects(ctx, s3test.Bucket, minio.ListObjectsOptions{Prefix: "tsp/", Recursive: true}) {
		if obj.Err != nil {
			t.Fatal(obj.Err)
		}
		keys = append(keys, obj.Key)
	}
	if want := "tsp/sha256/" + evs[0].Digest.String(); len(keys) != 1 || keys[0] != want {
		t.Errorf("the bucket holds %v; want only %s", keys, want)
	}
	if code, out, errs := cli(t, env, "verify"); code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errs)
	}
	if err := c.RemoveObject(ctx, s3test.Bucket, "tsp/sha256/"+evs[0].Digest.String(), minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := cli(t, env, "verify"); code != 1 || !strings.Contains(out, "missing blob: evidence "+ids[0]) {
		t.Errorf("verify with the object deleted: exit %d, want 1 naming %s\n%s", code, ids[0], out)
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
