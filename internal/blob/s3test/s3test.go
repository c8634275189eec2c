// Package s3test starts a real S3-compatible server for tests: rclone's
// `serve s3` over a temporary directory, installed by `sh scripts/tools.sh
// s3` (which `make test` runs). An in-process fake would agree with our
// client by construction; a server written by others does not have to.
// Without the server the test fails, so a missing tool is never a pass.
package s3test

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/evidenthq/evident/internal/blob"
)

// Bucket is the bucket every server started here holds.
const Bucket = "evidence"

const (
	accessKey = "evident-test"
	secretKey = "evident-test-secret"
)

// Server is a running S3-compatible server.
type Server struct {
	Endpoint string // http://127.0.0.1:PORT
	Dir      string // the directory behind the bucket's root
	cmd      *exec.Cmd
}

// Stop ends the server before the test does, as an outage would.
func (s *Server) Stop() { s.cmd.Process.Kill(); s.cmd.Wait() }

// Start runs a server on a free port until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, Bucket), 0o750); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve", "s3", dir, "--addr", addr, "--auth-key", accessKey+","+secretKey)
	cmd.Env = append(os.Environ(), "RCLONE_CONFIG="+filepath.Join(dir, "rclone.conf"))
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	srv := &Server{Endpoint: "http://" + addr, Dir: dir, cmd: cmd}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) || cmd.ProcessState != nil {
			t.Fatalf("the S3 server did not listen on %s: %v\n%s", addr, err, log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return srv
}

// Binary returns the path of the rclone binary, failing the test if it
// is not installed.
func Binary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("rclone"); err == nil {
		return p
	}
	out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output()
	if err == nil {
		// One line each, GOBIN first and usually empty: trimming the
		// whole output first would drop that empty line and take GOPATH
		// for GOBIN.
		lines := strings.Split(string(out), "\n")
		bindir := strings.TrimSpace(lines[0])
		if bindir == "" && len(lines) > 1 {
			bindir = filepath.Join(strings.TrimSpace(lines[1]), "bin")
		}
		p := filepath.Join(bindir, "rclone")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("the S3-compatible test server (rclone) is not installed: run `sh scripts/tools.sh s3`")
	return ""
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Env is the environment that points Evident at the server.
func (s *Server) Env() map[string]string {
	return map[string]string{"AWS_ENDPOINT_URL": s.Endpoint, "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey}
}

// Config is the store configuration for s3://Bucket/prefix.
func (s *Server) Config(prefix string) blob.S3Config {
	cfg, err := blob.ParseS3("s3://"+Bucket+"/"+prefix, func(k string) string { return s.Env()[k] })
	if err != nil {
		panic(err)
	}
	return cfg
}

// Store opens a store on the server under prefix.
func (s *Server) Store(t testing.TB, prefix string) *blob.S3 {
	t.Helper()
	st, err := blob.NewS3(context.Background(), s.Config(prefix))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Client is a plain S3 client of the server, for changing objects behind
// a store's back as an insider with bucket credentials could.
func (s *Server) Client(t testing.TB) *minio.Client {
	t.Helper()
	c, err := minio.New(strings.TrimPrefix(s.Endpoint, "http://"), &minio.Options{
		Creds: credentials.NewStaticV4(accessKey, secretKey, ""), Region: "us-east-1", BucketLookup: minio.BucketLookupPath})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
