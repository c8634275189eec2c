// Command webload measures the API and the web pages under load: it opens
// a filled store (bench/cadencegen makes one with a million evidence
// records), adds a benchmark user with an API token, serves the real
// server on a loopback port and sends every list and dashboard endpoint
// the same number of requests from N concurrent clients, after one
// untimed warm-up request, then prints the latency percentiles per
// endpoint.
//
// The server runs in a child process (this command again, with -serve),
// so that the CPU each request costs the server is measured apart from
// the load generator's: the clients' HTTP, and their decompression of
// the pages sent gzip'd, are no part of what the server spends.
//
// It refuses anything but loopback: a load test must not leave the
// machine. The number of requests and the time are both bounded.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/bench/cpuprof"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/server"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// endpoints are the lists and the dashboard: every route a person or a
// pipeline pages through, at its default page size. /healthz comes first:
// it reads nothing and checks no session, so its CPU per request is what
// a request costs this server and client over HTTP at all, the floor
// under every other figure.
var endpoints = []string{
	"/healthz",
	"/api/v1/evidence",
	"/api/v1/evidence?control=%CONTROL%",
	"/api/v1/log",
	"/api/v1/catalog",
	"/api/v1/program/controls",
	"/api/v1/program/risks",
	"/api/v1/incidents",
	"/api/v1/changes",
	"/api/v1/gaps",
	"/api/v1/users",
	"/api/v1/tasks",
	"/api/v1/status",
	"/api/v1/readiness",
	"/",
	"/controls",
	"/evidence",
	"/catalog",
	"/tasks",
	"/incidents",
}

func main() {
	dsn := flag.String("dsn", "", "filled store: SQLite file or postgres:// URL")
	clients := flag.Int("c", 50, "concurrent clients")
	perEndpoint := flag.Int("n", 500, "requests per endpoint")
	limit := flag.Duration("max", 2*time.Minute, "stop an endpoint after this long")
	only := flag.String("only", "", "comma-separated endpoints instead of the default set")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the server's process to this file")
	writeEvery := flag.Duration("write-every", 0, "while each endpoint is loaded, add an evidence record to the store this often (0: none): the figures then include the computations every write asks for")
	serve := flag.Bool("serve", false, "be the server: print its address, then answer each line \"cpu\" on standard input with the CPU time used so far, until standard input closes")
	flag.Parse()
	if *dsn == "" {
		log.Fatal("webload: -dsn is required")
	}
	if *serve {
		if err := serveChild(context.Background(), *dsn, *cpuprofile); err != nil {
			log.Fatal(err)
		}
		return
	}
	if *only != "" {
		endpoints = strings.Split(*only, ",")
	}
	if err := run(context.Background(), *dsn, *clients, *perEndpoint, *limit, *writeEvery, *cpuprofile); err != nil {
		log.Fatal(err)
	}
}

// serveChild is the server's process: the real server on a loopback port
// of its own, its address on the first line of standard output, then its
// CPU time (nanoseconds) for each line read from standard input. It stops
// when standard input closes, after writing the profile if one was asked
// for.
func serveChild(ctx context.Context, dsn, cpuprofile string) error {
	stopProfile, err := cpuprof.Start(cpuprofile)
	if err != nil {
		return err
	}
	defer stopProfile()
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	cat, err := catalog.Load()
	if err != nil {
		return err
	}
	// Listing evidence needs the ledger but no key and no blob: the
	// benchmark reads records only.
	dir, err := os.MkdirTemp("", "evident-webload-blobs-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	blobs, err := blob.NewDisk(dir)
	if err != nil {
		return err
	}
	srv, err := server.New(server.Config{Store: st, Catalog: cat, Ledger: ledger.Open(st, blobs, nil, nil)})
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	addrc := make(chan string, 1)
	go srv.Serve(sctx, "127.0.0.1:0", func(a net.Addr) { addrc <- a.String() })
	fmt.Println(<-addrc)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Println(int64(cpuTime()))
	}
	return in.Err()
}

// child is the process serving the requests: where it listens, and a
// way to ask it for its CPU time.
type child struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Scanner
	base    string
	stopped bool
	err     error
}

// startServer starts this command again with -serve on dsn and reads the
// address it listens on.
func startServer(dsn, cpuprofile string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-serve", "-dsn", dsn, "-cpuprofile", cpuprofile)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &child{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	if !s.out.Scan() {
		s.stop()
		return nil, fmt.Errorf("server: no address (%v)", s.out.Err())
	}
	s.base = "http://" + s.out.Text()
	if !loopback(s.base) {
		s.stop()
		return nil, fmt.Errorf("refusing to load %s: loopback only", s.base)
	}
	return s, nil
}

// cpu is the CPU time the server's process has used so far.
func (s *child) cpu() (time.Duration, error) {
	if _, err := io.WriteString(s.in, "cpu\n"); err != nil {
		return 0, err
	}
	if !s.out.Scan() {
		return 0, fmt.Errorf("server: no CPU time (%v)", s.out.Err())
	}
	n, err := strconv.ParseInt(s.out.Text(), 10, 64)
	return time.Duration(n), err
}

// stop closes the server's input, which ends it, and waits for it; once.
func (s *child) stop() error {
	if !s.stopped {
		s.stopped = true
		s.in.Close()
		s.err = s.cmd.Wait()
	}
	return s.err
}

func run(ctx context.Context, dsn string, clients, n int, limit, writeEvery time.Duration, cpuprofile string) error {
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	token, err := benchUser(ctx, st)
	if err != nil {
		return err
	}
	control, err := someControl(ctx, st)
	if err != nil {
		return err
	}
	srv, err := startServer(dsn, cpuprofile)
	if err != nil {
		return err
	}
	defer srv.stop()
	base := srv.base
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	fmt.Printf("%-40s %7s %8s %8s %8s %8s %9s %10s %10s %7s\n", "endpoint", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "req/s", "server cpu", "client cpu", "writes")
	for _, ep := range endpoints {
		ep = strings.ReplaceAll(ep, "%CONTROL%", control)
		// One untimed request first: the figures are the steady state, not
		// the first computation of a shared report after start-up.
		if _, err := load(client, base+ep, token, 1, 1, limit); err != nil {
			return fmt.Errorf("%s: %w", ep, err)
		}
		srv0, err := srv.cpu()
		if err != nil {
			return err
		}
		cpu0 := cpuTime()
		writes, stopWrites := writer(ctx, st, control, writeEvery)
		r, err := load(client, base+ep, token, clients, n, limit)
		if werr := stopWrites(); err == nil {
			err = werr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", ep, err)
		}
		cpu := (cpuTime() - cpu0) / time.Duration(max(len(r.lat), 1))
		srv1, err := srv.cpu()
		if err != nil {
			return err
		}
		scpu := (srv1 - srv0) / time.Duration(max(len(r.lat), 1))
		fmt.Printf("%-40s %7d %8.1f %8.1f %8.1f %8.1f %9.0f %10.3f %10.3f %7d\n", ep, len(r.lat), ms(r.pct(50)), ms(r.pct(95)), ms(r.pct(99)), ms(r.pct(100)), float64(len(r.lat))/r.wall.Seconds(), ms(scpu), ms(cpu), writes.Load())
	}
	return srv.stop()
}

// writer adds a raw evidence record for control to the store every
// interval until stop is called, which returns the first error. Records
// go into the store as an upload's do, without a blob (the benchmark
// reads records only): each grows the ledger, so every kept figure is
// computed again by the next reader, as after a real upload. Its CPU is
// the load generator's; what the server computes again after each write
// is the server's. With a zero interval it does nothing.
func writer(ctx context.Context, st *sqlstore.Store, control string, every time.Duration) (*atomic.Int64, func() error) {
	var n atomic.Int64
	if every <= 0 {
		return &n, func() error { return nil }
	}
	m, err := st.Model(ctx)
	if err != nil {
		return &n, func() error { return err }
	}
	var systems []evident.SystemVersion
	if c := m.ControlByID(control); c != nil {
		for _, id := range c.Systems {
			systems = append(systems, evident.SystemVersion{Name: id, Version: m.SystemByID(id).Version})
		}
	}
	done, errc := make(chan struct{}), make(chan error, 1)
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				errc <- nil
				return
			case <-t.C:
			}
			ev := []evident.Evidence{{Kind: evident.RawEvidence, Digest: evident.Digest(sha256.Sum256([]byte(time.Now().String()))),
				MediaType: "text/plain", Actor: "bench", Effective: evident.Effective{From: time.Now().UTC().Add(-time.Minute)},
				Controls: []string{control}, Systems: systems}}
			if err := st.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertEvidence(ctx, ev) }); err != nil {
				<-done
				errc <- err
				return
			}
			n.Add(1)
		}
	}()
	return &n, func() error { close(done); return <-errc }
}

// cpuTime is the CPU time this process has used: on a shared machine,
// CPU per request says more than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loopback(u string) bool {
	host := strings.TrimPrefix(u, "http://")
	h, _, err := net.SplitHostPort(host)
	ip := net.ParseIP(h)
	return err == nil && ip != nil && ip.IsLoopback()
}

// benchUser adds (or reuses) an admin with a fresh token: admin, so that
// every endpoint answers and the user list is included.
func benchUser(ctx context.Context, st *sqlstore.Store) (string, error) {
	if _, err := st.User(ctx, "bench"); evident.ErrorCode(err) == evident.ENOTFOUND {
		if err := st.CreateUser(ctx, evident.User{Name: "bench", Role: evident.RoleAdmin}, "", "bench"); err != nil {
			return "", err
		}
	}
	plain, hash := auth.NewToken()
	_, err := st.CreateToken(ctx, sqlstore.APIToken{User: "bench", Name: fmt.Sprintf("load-%d", time.Now().UnixNano())}, hash, "bench")
	return plain, err
}

func someControl(ctx context.Context, st *sqlstore.Store) (string, error) {
	m, err := st.Model(ctx)
	if err != nil {
		return "", err
	}
	if len(m.Controls) == 0 {
		return "none", nil
	}
	return m.Controls[len(m.Controls)/2].ID, nil
}

type result struct {
	lat  []time.Duration
	wall time.Duration
}

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(float64(len(r.lat)-1) * p / 100)
	return r.lat[i]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// load sends n GETs to url from c clients, each request timed from send
// to the last byte of the body. Any status but 200 is an error: a fast
// refusal must not pass for a fast answer.
func load(client *http.Client, url, token string, c, n int, limit time.Duration) (result, error) {
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	next := make(chan struct{}, n)
	for range n {
		next <- struct{}{}
	}
	close(next)
	deadline := time.Now().Add(limit)
	start := time.Now()
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				if time.Now().After(deadline) {
					return
				}
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != 200 {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				d := time.Since(t0)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.Sort(lat)
	return result{lat: lat, wall: time.Since(start)}, firstErr
}
