package notify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/notify"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

func TestParseSMTPURL(t *testing.T) {
	good, err := notify.ParseSMTPURL("smtp://mailer:p%40ss@mail.example.org:2525?from=Evident+%3Cevident@example.org%3E", notify.Allow{})
	if err != nil {
		t.Fatal(err)
	}
	if good.Addr != "mail.example.org:2525" || good.User != "mailer" || good.Password != "p@ss" ||
		good.From != "evident@example.org" || good.NoTLS {
		t.Errorf("parsed %+v", good)
	}
	if d, err := notify.ParseSMTPURL("smtp://mail.example.org?from=a@example.org", notify.Allow{}); err != nil || d.Addr != "mail.example.org:587" {
		t.Errorf("default port: %+v, %v; want 587", d, err)
	}
	for _, bad := range []string{
		"", "http://mail.example.org?from=a@example.org", "smtp://?from=a@example.org",
		"smtp://mail.example.org", "smtp://mail.example.org?from=not-an-address",
		"smtp://mail.example.org?from=a@example.org&starttls=maybe",
	} {
		_, err := notify.ParseSMTPURL(bad, notify.Allow{})
		if err == nil || !strings.Contains(err.Error(), "EVIDENT_SMTP_URL") || evident.ErrorCode(err) != evident.EINVALID {
			t.Errorf("ParseSMTPURL(%q): %v, want EINVALID naming EVIDENT_SMTP_URL", bad, err)
		}
	}
}

// TestSMTPRequiresSTARTTLS: a relay that offers no STARTTLS gets nothing
// unless starttls=off was given; one that offers it gets the message over
// TLS, its certificate checked.
func TestSMTPRequiresSTARTTLS(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	allow := notify.Allow{Loopback: true}

	plain := startMailpit(t)
	m, err := notify.ParseSMTPURL("smtp://"+plain.SMTP+"?from=evident@example.org&starttls=off", notify.Allow{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(ctx, "alice@example.org", "to loopback", "body", now); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("send to a relay on loopback without allowing it: %v, want a refusal naming loopback", err)
	}
	m, err = notify.ParseSMTPURL("smtp://"+plain.SMTP+"?from=evident@example.org", allow)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(ctx, "alice@example.org", "clear", "body", now); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("send to a relay without STARTTLS: %v, want a refusal naming STARTTLS", err)
	}
	if got := plain.messages(t); len(got) != 0 {
		t.Errorf("the relay without STARTTLS received %d messages, want none", len(got))
	}

	cert, key, pool := selfSigned(t)
	secure := startMailpit(t, "--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-starttls")
	m, err = notify.ParseSMTPURL("smtp://"+secure.SMTP+"?from=evident@example.org", allow)
	if err != nil {
		t.Fatal(err)
	}
	m.TLS = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	if err := m.Send(ctx, "alice@example.org", "Über TLS", "line one\nline two", now); err != nil {
		t.Fatal(err)
	}
	got := secure.messages(t)
	if len(got) != 1 || got[0].Subject != "Über TLS" {
		t.Fatalf("messages: %+v, want one with the encoded subject intact", got)
	}
	if body := secure.text(t, got[0].ID); !strings.Contains(body, "line one\r\nline two") && !strings.Contains(body, "line one\nline two") {
		t.Errorf("body %q", body)
	}
	if m.TLS = nil; m.Send(ctx, "alice@example.org", "untrusted", "x", now) == nil {
		t.Error("a self-signed relay certificate was accepted without being trusted")
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// their paths and a pool that trusts it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mail"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	c, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(c)
	return certFile, keyFile, pool
}

// TestDigestOnceADay: a user who chose the digest for an event kind gets
// no e-mail per event, one digest listing them from the digest hour, and
// no second digest the same day.
func TestDigestOnceADay(t *testing.T) {
	start := time.Date(2026, 3, 2, 5, 0, 0, 0, time.UTC)
	replicas(t, start, func(t *testing.T, clock *storetest.Clock, s, _ *sqlstore.Store) {
		ctx := context.Background()
		mp := startMailpit(t)
		user(t, s, "carol", evident.RoleControlOwner)
		pref, err := notify.ParsePref(notify.KindSignificantChange, notify.ChannelDigest)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetNotifyPrefs(ctx, "carol", []sqlstore.NotifyPref{pref}); err != nil {
			t.Fatal(err)
		}
		smtp, err := notify.ParseSMTPURL("smtp://"+mp.SMTP+"?from=evident@example.org&starttls=off", notify.Allow{Loopback: true})
		if err != nil {
			t.Fatal(err)
		}
		evs := []notify.Event{
			{Key: "change:1", Kind: notify.KindSignificantChange, At: start, Subject: "HSM firmware 7.2"},
			{Key: "change:2", Kind: notify.KindSignificantChange, At: start, Subject: "CA moved to region B"},
			{Key: "clock:1", Kind: notify.KindClockHalf, At: start, Subject: "Clock at half time"},
		}
		n := notify.New(notify.Config{Store: s, SMTP: smtp, Holder: "r1", Now: clock.Now,
			Sources: []notify.Source{notify.SourceFunc(func(context.Context, time.Time) ([]notify.Event, error) { return evs, nil })}})
		subjects := func() []string {
			var out []string
			for _, m := range mp.messages(t) {
				out = append(out, m.Subject)
			}
			return out
		}
		for _, step := range []time.Duration{0, time.Hour, time.Hour, time.Hour} { // 05:00 .. 08:00
			clock.Move(step)
			if _, err := n.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			if clock.Now().Hour() < 7 && len(subjects()) != 1 {
				t.Errorf("at %s: %v, want only the clock e-mail before the digest hour", clock.Now(), subjects())
			}
		}
		got := subjects()
		if len(got) != 2 || !strings.Contains(strings.Join(got, "|"), "Evident daily digest for 2026-03-02") {
			t.Fatalf("messages: %v, want the clock e-mail and one digest", got)
		}
		for _, m := range mp.messages(t) {
			if strings.HasPrefix(m.Subject, "Evident daily digest") {
				body := mp.text(t, m.ID)
				if !strings.Contains(body, "HSM firmware 7.2") || !strings.Contains(body, "CA moved to region B") {
					t.Errorf("digest body %q does not list both changes", body)
				}
			}
		}
	})
}
