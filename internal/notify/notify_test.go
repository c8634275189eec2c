package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/notify"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// replicas opens two stores on one database, as two `serve` processes
// would, for each dialect, with a clock standing at start.
func replicas(t *testing.T, start time.Time, fn func(t *testing.T, clock *storetest.Clock, a, b *sqlstore.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		clock := storetest.NewClock(start)
		path := filepath.Join(t.TempDir(), "evident.db")
		fn(t, clock, open(t, path, clock.Now), open(t, path, clock.Now))
	})
	t.Run("postgres", func(t *testing.T) {
		clock := storetest.NewClock(start)
		dsn := storetest.PostgresDSN(t)
		fn(t, clock, open(t, dsn, clock.Now), open(t, dsn, clock.Now))
	})
}

func open(t *testing.T, dsn string, now func() time.Time) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// program prepares what `evident init` leaves: the catalog and a program.
func program(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	storetest.Init(t, s, "QTSP", "alice")
}

func user(t *testing.T, s *sqlstore.Store, name string, role evident.UserRole) {
	t.Helper()
	u := evident.User{Name: name, Email: name + "@example.org", Role: role}
	if role == evident.RoleAssessor {
		u.PeriodFrom, u.PeriodTo = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if err := s.CreateUser(context.Background(), u, "", "admin"); err != nil {
		t.Fatal(err)
	}
}

// receiver is a webhook endpoint that checks every signature the way the
// docs tell a receiver to, and counts what it accepted.
type receiver struct {
	secret string
	mu     sync.Mutex
	got    map[string]int // event key -> deliveries accepted
	bad    int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !validSignature(rc.secret, r.Header.Get("Evident-Signature"), body) {
		rc.bad++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var p notify.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		rc.bad++
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	rc.got[p.Event]++
}

// validSignature checks "t=<unix>,v1=<hex HMAC-SHA256(secret, t.body)>"
// from the documented format, not through the package's own code.
func validSignature(secret, header string, body []byte) bool {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	if _, err := strconv.ParseInt(ts, 10, 64); err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(body)))
	want, err := hex.DecodeString(sig)
	return err == nil && hmac.Equal(m.Sum(nil), want)
}

// TestClockEmailsArriveOnceWithTwoReplicas opens an incident and moves
// the clock hour by hour through its first day while two notifiers tick
// side by side on one database: every half-time and two-hour warning
// reaches the user's mailbox and the webhook exactly once, and an
// assessor gets nothing.
func TestClockEmailsArriveOnceWithTwoReplicas(t *testing.T) {
	aware := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	replicas(t, aware, func(t *testing.T, clock *storetest.Clock, a, b *sqlstore.Store) {
		ctx := context.Background()
		mp := startMailpit(t)
		program(t, a)
		user(t, a, "alice", evident.RoleComplianceManager)
		user(t, a, "ivan", evident.RoleAssessor)
		inc, err := a.OpenIncident(ctx, evident.Incident{Kind: evident.KindIncident, Title: "OCSP responder down",
			Reporter: "noc", AwareAt: aware}, "alice")
		if err != nil {
			t.Fatal(err)
		}
		rc := &receiver{secret: "s3cret", got: map[string]int{}}
		hook := httptest.NewServer(rc)
		defer hook.Close()
		if _, err := a.AddNotifyEndpoint(ctx, sqlstore.NotifyEndpoint{ID: "siem", URL: hook.URL, Secret: rc.secret}, "admin"); err != nil {
			t.Fatal(err)
		}
		smtp, err := notify.ParseSMTPURL("smtp://"+mp.SMTP+"?from=evident@example.org&starttls=off", notify.Allow{Loopback: true})
		if err != nil {
			t.Fatal(err)
		}
		var ns []*notify.Notifier
		for i, s := range []*sqlstore.Store{a, b} {
			ns = append(ns, notify.New(notify.Config{Store: s, Sources: notify.Sources(s), SMTP: smtp,
				Allow: notify.Allow{Loopback: true}, Holder: "replica-" + strconv.Itoa(i), Now: clock.Now}))
		}
		for h := 0; h < 24; h++ {
			var wg sync.WaitGroup
			for _, n := range ns {
				wg.Go(func() {
					if _, err := n.Tick(ctx); err != nil {
						t.Errorf("tick at +%dh: %v", h, err)
					}
				})
			}
			wg.Wait()
			clock.Move(time.Hour)
		}

		want := map[string]bool{}
		for _, c := range inc.Clocks(aware) {
			if c.Due.Sub(c.Start) == 24*time.Hour {
				want["["+inc.ID+"] "+c.Title+": half its time is gone"] = true
				want["["+inc.ID+"] "+c.Title+": 2 hours left"] = true
			}
		}
		if len(want) == 0 {
			t.Fatal("the incident has no 24-hour clock to warn about")
		}
		got := map[string]int{}
		for _, m := range mp.messages(t) {
			if len(m.To) != 1 || m.To[0].Address != "alice@example.org" {
				t.Errorf("message %q went to %v, want alice only (not the assessor)", m.Subject, m.To)
			}
			got[m.Subject]++
		}
		// What a reader needs to act: which incident, which deadline.
		if ms := mp.messages(t); len(ms) > 0 {
			m := ms[0]
			body := mp.text(t, m.ID)
			if !strings.Contains(body, "OCSP responder down") || !strings.Contains(body, "Due:     2026-03-03T08:00:00Z") {
				t.Errorf("message %q reads %q, want the incident's title and the deadline", m.Subject, body)
			}
		}
		for s := range want {
			if got[s] != 1 {
				t.Errorf("%q arrived %d times, want once", s, got[s])
			}
		}
		for s, n := range got {
			if !want[s] {
				t.Errorf("unexpected message %q (%d times)", s, n)
			}
		}
		if rc.bad != 0 || len(rc.got) != len(want) {
			t.Errorf("webhook accepted %d events with %d bad signatures, want %d and none bad", len(rc.got), rc.bad, len(want))
		}
		for k, n := range rc.got {
			if n != 1 {
				t.Errorf("webhook got %s %d times, want once", k, n)
			}
		}
	})
}

// TestTwoRunningNotifiersSendEachWarningOnce runs two notifiers as serve
// runs them, each in its own loop ticking every few milliseconds on its
// own connection to one database, while the clock jumps to an incident's
// half time and then to two hours before its deadlines.
func TestTwoRunningNotifiersSendEachWarningOnce(t *testing.T) {
	aware := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	replicas(t, aware, func(t *testing.T, clock *storetest.Clock, a, b *sqlstore.Store) {
		ctx := context.Background()
		mp := startMailpit(t)
		program(t, a)
		user(t, a, "alice", evident.RoleComplianceManager)
		inc, err := a.OpenIncident(ctx, evident.Incident{Kind: evident.KindIncident, Title: "HSM unreachable",
			Reporter: "noc", AwareAt: aware}, "alice")
		if err != nil {
			t.Fatal(err)
		}
		smtp, err := notify.ParseSMTPURL("smtp://"+mp.SMTP+"?from=evident@example.org&starttls=off", notify.Allow{Loopback: true})
		if err != nil {
			t.Fatal(err)
		}
		var stops []func()
		for i, s := range []*sqlstore.Store{a, b} {
			stops = append(stops, notify.Start(ctx, notify.Config{Store: s, Sources: notify.Sources(s), SMTP: smtp,
				Holder: "replica-" + strconv.Itoa(i), Every: 5 * time.Millisecond, Now: clock.Now}))
		}
		want := 0
		for _, c := range inc.Clocks(aware) {
			if c.Due.Sub(c.Start) == 24*time.Hour {
				want++
			}
		}
		// sent waits until n e-mails of a stage went out.
		sent := func(stage string, n int) {
			t.Helper()
			deadline := time.Now().Add(60 * time.Second)
			for time.Now().Before(deadline) {
				ds, err := a.Deliveries(ctx, sqlstore.DeliveryFilter{State: sqlstore.DeliverySent, Channel: notify.ChannelEmail})
				if err != nil {
					t.Fatal(err)
				}
				k := 0
				for _, d := range ds {
					if strings.HasSuffix(d.EventKey, ":"+stage) {
						k++
					}
				}
				if k >= n {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
			t.Fatalf("the %s e-mails were not all sent within a minute", stage)
		}
		clock.Move(12 * time.Hour)
		sent("half", want)
		clock.Move(10 * time.Hour)
		sent("2h", want)
		time.Sleep(200 * time.Millisecond) // dozens more ticks on each replica
		for _, stop := range stops {
			stop()
		}
		got := map[string]int{}
		for _, m := range mp.messages(t) {
			got[m.Subject]++
		}
		if len(got) != 2*want {
			t.Errorf("%d distinct messages, want %d: %v", len(got), 2*want, got)
		}
		for s, n := range got {
			if n != 1 {
				t.Errorf("%q arrived %d times, want once", s, n)
			}
		}
	})
}

// TestAMetClockIsNotWarnedAbout: once the supervisory body was notified,
// its clock gets no two-hour warning, while the clocks still running do.
func TestAMetClockIsNotWarnedAbout(t *testing.T) {
	aware := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	replicas(t, aware, func(t *testing.T, clock *storetest.Clock, s, _ *sqlstore.Store) {
		ctx := context.Background()
		program(t, s)
		inc, err := s.OpenIncident(ctx, evident.Incident{Kind: evident.KindIncident, Title: "CA key ceremony aborted",
			Reporter: "noc", AwareAt: aware}, "alice")
		if err != nil {
			t.Fatal(err)
		}
		rc := &receiver{secret: "k", got: map[string]int{}}
		hook := httptest.NewServer(rc)
		defer hook.Close()
		if _, err := s.AddNotifyEndpoint(ctx, sqlstore.NotifyEndpoint{ID: "siem", URL: hook.URL, Secret: rc.secret}, "admin"); err != nil {
			t.Fatal(err)
		}
		n := notify.New(notify.Config{Store: s, Sources: notify.Sources(s), Allow: notify.Allow{Loopback: true}, Holder: "r1", Now: clock.Now})
		clock.Move(13 * time.Hour)
		if _, err := s.NotifyIncident(ctx, inc.ID, evident.Notification{To: []evident.Recipient{evident.ToSupervisoryBody},
			Kind: evident.NoticeNotification, SentAt: clock.Now()}, nil, "alice"); err != nil {
			t.Fatal(err)
		}
		clock.Move(9 * time.Hour) // 22 h after awareness
		if _, err := n.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		met := "clock:" + inc.ID + ":" + string(evident.ClockEIDAS) + ":2h"
		running := "clock:" + inc.ID + ":" + string(evident.ClockEarlyWarning) + ":2h"
		if rc.got[met] != 0 || rc.got[running] != 1 {
			t.Errorf("webhook got %v; want the running early-warning clock's 2h warning and none for the met eIDAS clock", rc.got)
		}
	})
}
