package notify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/evidenthq/evident"
)

// SMTP sends notification e-mail through one relay, configured by
// EVIDENT_SMTP_URL:
//
//	smtp://user:pass@host:port?from=evident@example.org[&starttls=off]
//
// STARTTLS is required unless starttls=off: a relay that does not offer
// it gets nothing, so credentials and incident details never cross the
// network in clear by accident.
type SMTP struct {
	Addr     string // host:port
	Host     string
	User     string
	Password string
	From     string
	NoTLS    bool // starttls=off
	Allow    Allow
	// TLS is the STARTTLS configuration; nil verifies the relay's
	// certificate against the system roots for Host.
	TLS *tls.Config
}

// ParseSMTPURL reads EVIDENT_SMTP_URL, naming what is wrong.
func ParseSMTPURL(s string, allow Allow) (*SMTP, error) {
	bad := func(format string, args ...any) (*SMTP, error) {
		return nil, evident.ErrorAt(evident.EINVALID, "EVIDENT_SMTP_URL", format, args...)
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return bad("want smtp://user:pass@host:port?from=address")
	}
	m := &SMTP{Host: u.Hostname(), Allow: allow}
	port := u.Port()
	if port == "" {
		port = "587"
	}
	m.Addr = net.JoinHostPort(m.Host, port)
	if u.User != nil {
		m.User = u.User.Username()
		m.Password, _ = u.User.Password()
	}
	q := u.Query()
	from, err := mail.ParseAddress(q.Get("from"))
	if err != nil {
		return bad("from=%q: want the sender's address", q.Get("from"))
	}
	m.From = from.Address
	switch q.Get("starttls") {
	case "", "on", "required":
	case "off":
		m.NoTLS = true
	default:
		return bad("starttls=%q: want off, or leave it out to require STARTTLS", q.Get("starttls"))
	}
	return m, nil
}

// Send delivers one plain-text message to one address.
func (m *SMTP) Send(ctx context.Context, to, subject, body string, now time.Time) error {
	if _, err := mail.ParseAddress(to); err != nil {
		return fmt.Errorf("%w: recipient %q: %v", errPermanent, to, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := m.Allow.dial(ctx, m.Addr)
	if err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, m.Host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := m.secure(c); err != nil {
		return err
	}
	if m.User != "" {
		if err := c.Auth(smtp.PlainAuth("", m.User, m.Password, m.Host)); err != nil {
			return err
		}
	}
	if err := c.Mail(m.From); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(m.message(to, subject, body, now)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// secure upgrades the session with STARTTLS, or refuses to go on when
// the relay does not offer it and it was not disabled.
func (m *SMTP) secure(c *smtp.Client) error {
	if m.NoTLS {
		return nil
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return fmt.Errorf("SMTP relay %s does not offer STARTTLS (add starttls=off to EVIDENT_SMTP_URL to send in clear)", m.Addr)
	}
	cfg := m.TLS
	if cfg == nil {
		cfg = &tls.Config{ServerName: m.Host, MinVersion: tls.VersionTLS12}
	}
	return c.StartTLS(cfg)
}

// message formats the RFC 5322 message, with the subject encoded so any
// title survives and CR/LF in it cannot inject a header.
func (m *SMTP) message(to, subject, body string, now time.Time) []byte {
	var id [12]byte
	rand.Read(id[:])
	subject = strings.NewReplacer("\r", " ", "\n", " ").Replace(subject)
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\n", m.From)
	fmt.Fprintf(&b, "To: %s\r\n", to)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", subject))
	fmt.Fprintf(&b, "Date: %s\r\n", now.UTC().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@evident>\r\n", hex.EncodeToString(id[:]))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n"))
	b.WriteString("\r\n")
	return []byte(b.String())
}
