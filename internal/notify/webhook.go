package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// SignatureHeader carries a webhook's signature:
//
//	Evident-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>
//
// The timestamp is inside the MAC so a receiver can refuse a replay of an
// old delivery; v1 names the scheme so a later one can be added beside it.
const SignatureHeader = "Evident-Signature"

// Payload is the JSON body of a webhook delivery. Event is the event's key,
// the same on every retry, so a receiver can drop a duplicate.
type Payload struct {
	Event   string    `json:"event"`
	Kind    string    `json:"kind"`
	At      time.Time `json:"at"`
	Subject string    `json:"subject"`
	Body    string    `json:"body"`
}

// Sign returns the signature header value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// ParseEndpointURL checks a webhook URL as an admin gives it.
func ParseEndpointURL(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", evident.ErrorAt(evident.EINVALID, "url", "%q: want an absolute http or https URL", s)
	}
	if u.User != nil {
		return "", evident.ErrorAt(evident.EINVALID, "url", "put no credentials in the URL: the secret signs each delivery")
	}
	return u.String(), nil
}

// post makes one webhook attempt. Only the status is kept: the response
// body is never stored or shown, since it is whatever the endpoint says.
func post(ctx context.Context, c *http.Client, e sqlstore.NotifyEndpoint, d sqlstore.Delivery, now time.Time) (int, error) {
	body, err := json.Marshal(Payload{Event: d.EventKey, Kind: d.Kind, At: d.EventAt, Subject: d.Subject, Body: d.Body})
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "evident-notify")
	req.Header.Set(SignatureHeader, Sign(e.Secret, now, body))
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("endpoint answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}
