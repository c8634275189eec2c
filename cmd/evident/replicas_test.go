package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/blob/s3test"
	"github.com/evidenthq/evident/internal/notify/mailpittest"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// replica is one `evident serve` process of a test: a real process, so a
// test can kill it as an operator's machine would die.
type replica struct {
	name string
	base string // http://127.0.0.1:PORT
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{}
}

var listening = regexp.MustCompile(`Evident is listening on (http://\S+?)/`)

// startReplica runs bin serve on a free port with env alone (plus PATH
// and HOME) and returns once the replica reports ready on /readyz.
func startReplica(t *testing.T, bin, name string, env map[string]string) *replica {
	t.Helper()
	r := &replica{name: name, log: &syncBuffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	r.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		r.cmd.Env = append(r.cmd.Env, k+"="+v)
	}
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start replica %s: %v", name, err)
	}
	go func() { r.cmd.Wait(); close(r.done) }()
	t.Cleanup(r.kill)
	// A guard against a hung start, not a measure of speed.
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-r.done:
			t.Fatalf("replica %s exited during start:\n%s", name, r.log.String())
		case <-time.After(50 * time.Millisecond):
		}
		if r.base == "" {
			if m := listening.FindStringSubmatch(r.log.String()); m != nil {
				r.base = m[1]
			}
			continue
		}
		if code, _ := r.get(t, "/readyz", ""); code == http.StatusOK {
			return r
		}
	}
	t.Fatalf("replica %s did not become ready:\n%s", name, r.log.String())
	return nil
}

// kill ends the process at once, as a lost machine would.
func (r *replica) kill() {
	r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
}

// stop ends the process as an orchestrator does, with SIGTERM.
func (r *replica) stop(t *testing.T) {
	t.Helper()
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(2 * time.Minute):
		t.Errorf("replica %s did not stop on SIGTERM:\n%s", r.name, r.log.String())
		r.kill()
	}
}

// do sends one request to the replica; a transport error is returned, not
// fatal, so a test can see a request that the replica's death cut short.
func (r *replica) do(method, path, token, ctype string, body io.Reader) (int, []byte, error) {
	req, err := http.NewRequest(method, r.base+path, body)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (r *replica) get(t *testing.T, path, token string) (int, string) {
	t.Helper()
	code, b, err := r.do("GET", path, token, "", nil)
	if err != nil {
		t.Fatalf("GET %s on replica %s: %v", path, r.name, err)
	}
	return code, string(b)
}

// upload posts one raw-body evidence file and returns the record's id when
// the replica acknowledged it with 201.
func (r *replica) upload(token, control, filename string, body io.Reader) (string, error) {
	q := url.Values{"control": {control}, "filename": {filename}}
	code, b, err := r.do("POST", "/api/v1/evidence?"+q.Encode(), token, "application/octet-stream", body)
	if err != nil {
		return "", err
	}
	if code != http.StatusCreated {
		return "", fmt.Errorf("POST /api/v1/evidence on replica %s: %d %s", r.name, code, b)
	}
	var out struct {
		Items []struct {
			ID       string `json:"id"`
			Filename string `json:"filename"`
		} `json:"items"`
	}
	if err := json.Unmarshal(b, &out); err != nil || len(out.Items) == 0 {
		return "", fmt.Errorf("POST /api/v1/evidence on replica %s answered %s (%v)", r.name, b, err)
	}
	return out.Items[0].ID, nil
}

// addDailyControl puts a control checked every day into the store with
// the program.apply leaf that records it, as apply writes both, so the
// scheduler has periods to judge.
func addDailyControl(t *testing.T, dsn, id string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	daily, err := evident.ParseCadence("continuous")
	if err != nil {
		t.Fatal(err)
	}
	c := evident.Control{ID: id, Title: "Daily UTC synchronisation", Owner: "ops", Cadence: daily,
		Requirements: []evident.RequirementRef{{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.10-06"}}}
	err = st.Write(ctx, func(tx *sqlstore.Tx) error {
		if err := tx.PutObject(ctx, sqlstore.Controls, id, c, "test"); err != nil {
			return err
		}
		_, err := tx.Audit(ctx, "program.apply", "program", "test", map[string]any{
			"steps": []map[string]any{{"op": "add", "section": "controls", "id": id, "object": c}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReplicasShareOnePostgresAndOneBucket runs two `evident serve`
// processes on one PostgreSQL database and one S3 bucket, as docs/deploy.md
// deploys them: evidence uploaded through either is served by both,
// readiness and incident clocks read the same on both, the scheduler's
// missed-period records and the notifier's e-mails happen once across the
// two, and a replica killed in the middle of a large upload loses nothing
// it acknowledged and leaves nothing `evident verify` complains about.
func TestReplicasShareOnePostgresAndOneBucket(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	s3 := s3test.Start(t)
	mail := mailpittest.Start(t)
	bin := buildBinary(t)

	env := map[string]string{
		"EVIDENT_DATA":         filepath.Join(t.TempDir(), "data"),
		"EVIDENT_DB":           dsn,
		"EVIDENT_BLOBS":        "s3://" + s3test.Bucket + "/evident",
		"EVIDENT_ACTOR":        "alice@ops",
		"EVIDENT_SMTP_URL":     "smtp://" + mail.SMTP + "?from=evident@example.org&starttls=off",
		"EVIDENT_NOTIFY_ALLOW": "loopback",
	}
	for k, v := range s3.Env() {
		env[k] = v
	}
	mustCLI := func(args ...string) string {
		t.Helper()
		code, out, errs := cli(t, env, args...)
		if code != 0 {
			t.Fatalf("evident %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}
	mustCLI("init", "--name", "Example QTSP")
	addControls(t, dsn, "vuln-scan")
	addDailyControl(t, dsn, "time-sync")
	mustCLI("checkpoint")
	// The replicas are the real binary, whose scheduler and clocks run on
	// the system clock (a served evidence store takes no time from its
	// caller, by design), so every instant here is set from it and every
	// assertion holds at any hour of any date: "at least 2" of the four or
	// five missed days, clocks that ran out ten days ago, and the views
	// compared at one fixed ?at.
	now := time.Now().UTC()
	// Evidence from five days ago puts the daily control in force since
	// then: the days after it, with no evidence, are missed periods for
	// the scheduler to record.
	mustCLI("evidence", "add", writeFiles(t, 1, "chrony")[0], "--control", "time-sync", "--effective", now.Add(-5*24*time.Hour).Format(time.RFC3339))
	// An incident whose clocks all ran out long ago: each clock is one
	// "deadline missed" e-mail to each user, whenever the test runs.
	mustCLI("incident", "open", "--title", "HSM firmware fault", "--customers-affected", "--aware", now.Add(-10*24*time.Hour).Format(time.RFC3339))
	mustCLI("user", "add", "alice", "--role", "admin", "--email", "alice@example.org")
	mustCLI("user", "add", "carol", "--role", "compliance-manager", "--email", "carol@example.org")
	token := strings.TrimSpace(mustCLI("user", "token", "alice", "--name", "replicas"))

	// Both replicas start together, so their first scheduler and notifier
	// ticks race for the same work.
	var a, b *replica
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a = startReplica(t, bin, "a", env) }()
	go func() { defer wg.Done(); b = startReplica(t, bin, "b", env) }()
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	t.Run("uploads through either replica are served by both", func(t *testing.T) {
		sent := map[string][]byte{}
		for i, r := range []*replica{a, b, a, b, b, a} {
			body := []byte(fmt.Sprintf("scan report %d through replica %s\n", i, r.name))
			id, err := r.upload(token, "vuln-scan", fmt.Sprintf("scan-%d.txt", i), bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			sent[id] = body
		}
		for id, body := range sent {
			for _, r := range []*replica{a, b} {
				if code, got := r.get(t, "/api/v1/evidence/"+id+"/content", token); code != 200 || got != string(body) {
					t.Errorf("replica %s serves evidence %s as %d %q; want 200 %q", r.name, id, code, got, body)
				}
			}
		}
	})

	t.Run("readiness and clocks read the same on both replicas", func(t *testing.T) {
		// Open an incident through one replica: the other shows its clocks.
		inc := fmt.Sprintf(`{"kind": "incident", "title": "Time source drift", "aware_at": %q, "customers_affected": true}`, now.Add(-time.Hour).Format(time.RFC3339))
		if code, body, err := a.do("POST", "/api/v1/incidents", token, "application/json", strings.NewReader(inc)); err != nil || code != 201 {
			t.Fatalf("POST /api/v1/incidents on a: %d %s %v", code, body, err)
		}
		at := url.QueryEscape(time.Now().UTC().Format(time.RFC3339))
		for _, path := range []string{"/api/v1/status?at=" + at, "/api/v1/readiness?at=" + at, "/api/v1/incidents/clocks", "/api/v1/tasks?due=all&at=" + at,
			"/api/v1/evidence?limit=500", "/api/v1/incidents"} {
			codeA, bodyA := a.get(t, path, token)
			codeB, bodyB := b.get(t, path, token)
			if codeA != 200 || codeB != 200 || bodyA != bodyB {
				t.Errorf("GET %s differs between the replicas:\na: %d %.600s\nb: %d %.600s", path, codeA, bodyA, codeB, bodyB)
			}
		}
		if _, clocks := b.get(t, "/api/v1/incidents/clocks", token); !strings.Contains(clocks, "Time source drift") || !strings.Contains(clocks, "HSM firmware fault") {
			t.Errorf("replica b's clocks lack an incident:\n%.600s", clocks)
		}
	})

	t.Run("scheduled work and notifications happen once", func(t *testing.T) {
		sentMail := waitNotified(t, dsn)
		if sentMail == 0 {
			t.Fatal("no e-mail was sent: the test proves nothing about exactly once")
		}
		ms := mail.Messages(t)
		seen := map[string]int{}
		for _, m := range ms {
			for _, to := range m.To {
				seen[to.Address+" "+m.Subject]++
			}
		}
		for k, n := range seen {
			if n != 1 {
				t.Errorf("%d copies of %q; want 1", n, k)
			}
		}
		if len(ms) != sentMail {
			t.Errorf("mailpit holds %d messages, the delivery log says %d sent; want one message per delivery", len(ms), sentMail)
		}
		for _, to := range []string{"alice@example.org", "carol@example.org"} {
			n := 0
			for k := range seen {
				if strings.HasPrefix(k, to+" ") && strings.HasSuffix(k, "deadline missed") {
					n++
				}
			}
			if n == 0 {
				t.Errorf("%s received no \"deadline missed\" e-mail for the incident whose clocks ran out: %v", to, seen)
			}
		}
		missed := missedPeriods(t, dsn)
		t.Logf("%d e-mails sent once each, %d missed periods recorded once each", len(ms), len(missed))
		if len(missed) < 2 {
			t.Errorf("the scheduler recorded %d missed periods of the daily control since five days ago; want at least 2", len(missed))
		}
		for k, n := range missed {
			if n != 1 {
				t.Errorf("missed period %s is in the ledger %d times; want once", k, n)
			}
		}
	})

	t.Run("a replica killed mid-upload loses nothing acknowledged", func(t *testing.T) {
		acked := killDuringLargeUpload(t, a, b, token)
		if len(acked) == 0 {
			t.Fatal("no small upload was acknowledged while the large one ran")
		}
		stored := map[string]string{}
		for _, e := range listEvidence(t, env) {
			stored[e.ID] = e.Filename
		}
		for id, name := range acked {
			if stored[id] != name {
				t.Errorf("acknowledged upload %s (%s) is not stored after the SIGKILL", id, name)
			}
		}
		for id, name := range stored {
			if name == "disk-image.bin" {
				t.Logf("the large upload %s was committed before the kill cut its answer; verify below checks its bytes", id)
			}
		}
		t.Logf("%d small uploads acknowledged while the large one ran, all stored", len(acked))
		if code, out, errs := cli(t, env, "verify"); code != 0 {
			t.Errorf("verify after the SIGKILL: exit %d\n%s%s", code, out, errs)
		}
		// The killed replica comes back on the same database and bucket and
		// serves what the survivor stored meanwhile.
		b2 := startReplica(t, bin, "b2", env)
		for id := range acked {
			if code, _ := b2.get(t, "/api/v1/evidence/"+id, token); code != 200 {
				t.Errorf("the restarted replica answers %d for acknowledged evidence %s", code, id)
			}
		}
		b2.stop(t)
	})
	a.stop(t)
	if t.Failed() {
		t.Logf("replica a:\n%s\nreplica b:\n%s", a.log.String(), b.log.String())
	}
}

// waitNotified waits until the notifiers have sent every e-mail delivery
// recorded (none pending or being sent) and returns how many were sent.
func waitNotified(t *testing.T, dsn string) int {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		ds, err := st.Deliveries(ctx, sqlstore.DeliveryFilter{Channel: "email"})
		if err != nil {
			t.Fatal(err)
		}
		sent, busy := 0, 0
		for _, d := range ds {
			switch d.State {
			case sqlstore.DeliverySent:
				sent++
			case sqlstore.DeliveryPending, sqlstore.DeliverySending:
				busy++
			}
		}
		if len(ds) > 0 && busy == 0 {
			return sent
		}
		if time.Now().After(deadline) {
			t.Fatalf("the notifiers did not finish: %d deliveries, %d still pending or sending", len(ds), busy)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// missedPeriods counts the scheduler's missed-period leaves by control and
// period start.
func missedPeriods(t *testing.T, dsn string) map[string]int {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	out := map[string]int{}
	err = st.Read(ctx, func(tx *sqlstore.Tx) error {
		leaves, err := tx.LedgerLeavesOfKind(ctx, "period.")
		for _, l := range leaves {
			out[l.Kind+" "+l.Ref]++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// killDuringLargeUpload streams a 40 MiB upload to victim (more than one
// 16 MiB part, so it goes through the bucket's staging prefix) while small
// uploads go to both replicas, and SIGKILLs victim once 24 MiB of the
// large one are sent. It returns the small uploads acknowledged, id to
// file name.
func killDuringLargeUpload(t *testing.T, survivor, victim *replica, token string) map[string]string {
	t.Helper()
	const size, killAt = 40 << 20, 24 << 20
	pr, pw := io.Pipe()
	bigDone := make(chan error, 1)
	go func() {
		_, err := victim.upload(token, "vuln-scan", "disk-image.bin", pr)
		pr.CloseWithError(io.ErrClosedPipe)
		bigDone <- err
	}()
	stopSmall := make(chan struct{})
	var mu sync.Mutex
	acked := map[string]string{}
	var wg sync.WaitGroup
	for _, r := range []*replica{survivor, victim} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stopSmall:
					return
				default:
				}
				name := fmt.Sprintf("during-%s-%d.txt", r.name, i)
				id, err := r.upload(token, "vuln-scan", name, strings.NewReader(name+"\n"))
				if err == nil {
					mu.Lock()
					acked[id] = name
					mu.Unlock()
				} else if r == victim {
					return // the victim is gone
				}
			}
		}()
	}
	chunk := make([]byte, 1<<20)
	written := 0
	for written < size {
		rand.Read(chunk)
		if _, err := pw.Write(chunk); err != nil {
			break // the victim died and the request ended
		}
		if written += len(chunk); written == killAt {
			victim.kill()
		}
	}
	pw.Close()
	if err := <-bigDone; err == nil {
		t.Errorf("the large upload to the killed replica was acknowledged")
	}
	// Keep the survivor busy a little after the kill, then stop.
	time.Sleep(500 * time.Millisecond)
	close(stopSmall)
	wg.Wait()
	return acked
}

// holderLine is the log line in which serve names the holder its
// background jobs' leases are held under.
var holderLine = regexp.MustCompile(`background jobs run under leases.* holder=(replica-[0-9a-f]+)`)

// TestKilledReplicaHandsItsJobsOver runs two replicas whose background
// jobs run every second, kills the one holding the missed-period
// recorder's lease as a lost machine dies (SIGKILL: nothing released),
// and checks that the other takes over every lease the dead one held
// once it runs out, on the real clock, with no test clock anywhere.
func TestKilledReplicaHandsItsJobsOver(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	bin := buildBinary(t)
	env := map[string]string{
		"EVIDENT_DATA":       filepath.Join(t.TempDir(), "data"),
		"EVIDENT_DB":         dsn,
		"EVIDENT_BLOBS":      t.TempDir(),
		"EVIDENT_ACTOR":      "alice@ops",
		"EVIDENT_JOBS_EVERY": "1s",
	}
	if code, out, errs := cli(t, env, "init", "--name", "Example QTSP"); code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, errs)
	}
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	leases := func() map[string]string {
		t.Helper()
		out := map[string]string{}
		err := st.Read(ctx, func(tx *sqlstore.Tx) error {
			rows, err := tx.Query(ctx, `SELECT name, holder FROM leases`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var name, holder string
				if err := rows.Scan(&name, &holder); err != nil {
					return err
				}
				out[name] = holder
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b := startReplica(t, bin, "a", env), startReplica(t, bin, "b", env)
	holder := map[*replica]string{}
	for _, r := range []*replica{a, b} {
		m := holderLine.FindStringSubmatch(r.log.String())
		if m == nil {
			t.Fatalf("replica %s does not log the holder of its jobs' leases:\n%s", r.name, r.log.String())
		}
		holder[r] = m[1]
	}
	// A guard against a hang, not a measure: the jobs run every second,
	// and the leases are looked at up to 600 times, 100 ms apart, without
	// reading the clock.
	wait := func(what string, ok func(map[string]string) bool) map[string]string {
		t.Helper()
		var l map[string]string
		for range 600 {
			if l = leases(); ok(l) {
				return l
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s: the leases are %v\nreplica a:\n%s\nreplica b:\n%s", what, l, a.log.String(), b.log.String())
		return nil
	}
	jobs := []string{"scheduler.periods", "notify.deliver"}
	before := wait("the jobs' leases are not all held", func(l map[string]string) bool {
		for _, j := range jobs {
			if l[j] != holder[a] && l[j] != holder[b] {
				return false
			}
		}
		return true
	})
	victim, survivor := a, b
	if before["scheduler.periods"] == holder[b] {
		victim, survivor = b, a
	}
	victim.kill()
	after := wait("the surviving replica did not take over the dead one's leases", func(l map[string]string) bool {
		for _, j := range jobs {
			if l[j] != holder[survivor] {
				return false
			}
		}
		return true
	})
	t.Logf("leases before the SIGKILL of replica %s: %v; after: %v", victim.name, before, after)
	// The survivor still works: it is ready, and its jobs keep their
	// leases tick after tick.
	if code, body := survivor.get(t, "/readyz", ""); code != http.StatusOK {
		t.Errorf("replica %s after the other's death: /readyz %d %s", survivor.name, code, body)
	}
	survivor.stop(t)
	if l := leases(); len(l) != 0 {
		t.Errorf("replica %s stopped cleanly but left leases held: %v", survivor.name, l)
	}
}

// A jobs interval that is not a duration, or is under a second, is
// refused before serve opens anything, naming the setting.
func TestServeRefusesABadJobsInterval(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	for _, every := range []string{"10ms", "soon", "-1m"} {
		code, _, errs := cli(t, map[string]string{"EVIDENT_DATA": data, "EVIDENT_JOBS_EVERY": every}, "serve", "--addr", "127.0.0.1:0")
		if code == 0 || !strings.Contains(errs, "jobs-every") || !strings.Contains(errs, every) {
			t.Errorf("serve with EVIDENT_JOBS_EVERY=%s: exit %d, %q", every, code, errs)
		}
		if _, err := os.Stat(data); err == nil {
			t.Errorf("serve with EVIDENT_JOBS_EVERY=%s made the data directory before refusing", every)
		}
	}
}
