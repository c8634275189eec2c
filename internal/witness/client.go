package witness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident"
)

// Client submits a log's checkpoints to one witness.
type Client struct {
	URL      string        // the witness's base URL; requests go to URL/add-checkpoint
	Verifier note.Verifier // the witness's key: every answer is checked with it
	HTTP     *http.Client

	size int64 // the size the witness last cosigned, as far as we know
}

// Prover returns the consistency proof from the tree of size old to the
// tree of size n of the log being submitted.
type Prover func(ctx context.Context, old, n int64) (tlog.TreeProof, error)

// Submit sends a signed checkpoint of size n and returns the checkpoint
// with the witness's cosignature appended, checked with the witness's
// key. A witness that has cosigned a larger tree, or a tree the
// checkpoint does not extend, is a refusal (EFAILED naming what happened):
// the log was rolled back or forked since.
func (c *Client) Submit(ctx context.Context, cp []byte, n int64, prove Prover) ([]byte, error) {
	old := c.size
	// A stale size gets 409 with the right one; two tries reach it unless
	// the witness's state moved meanwhile.
	for try := 0; try < 3; try++ {
		if old > n {
			return nil, refused("witness %s has cosigned a tree of %d records but the ledger holds %d: the ledger was rolled back", c.Verifier.Name(), old, n)
		}
		var proof tlog.TreeProof
		if old > 0 && old < n {
			var err error
			if proof, err = prove(ctx, old, n); err != nil {
				return nil, err
			}
		}
		status, body, ctype, err := c.post(ctx, Request{OldSize: old, Proof: proof, Checkpoint: cp}.Marshal())
		if err != nil {
			return nil, err
		}
		switch status {
		case http.StatusOK:
			return c.accept(cp, n, body)
		case http.StatusConflict:
			got, err := parseSize(body)
			if err != nil || ctype != "text/x.tlog.size" {
				return nil, evident.Errorf(evident.EFAILED, "witness %s: 409 without a tree size", c.Verifier.Name())
			}
			if got == old {
				return nil, refused("witness %s has cosigned another tree of %d records: the ledger was rolled back and written on (a fork)", c.Verifier.Name(), old)
			}
			old, c.size = got, got
		case http.StatusUnprocessableEntity:
			return nil, refused("witness %s refused checkpoint %d: it does not extend the tree of %d records the witness cosigned, so the ledger was rolled back or forked", c.Verifier.Name(), n, old)
		case http.StatusForbidden, http.StatusNotFound:
			return nil, evident.Errorf(evident.EFAILED, "witness %s does not know this ledger's key (HTTP %d)", c.Verifier.Name(), status)
		default:
			return nil, evident.Errorf(evident.EFAILED, "witness %s answered HTTP %d", c.Verifier.Name(), status)
		}
	}
	return nil, evident.Errorf(evident.EFAILED, "witness %s: its tree size kept changing", c.Verifier.Name())
}

// refusal is a witness's refusal of a checkpoint because of what it
// cosigned before, as opposed to a witness that could not be reached or
// does not know the log.
type refusal struct{ err *evident.Error }

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

func refused(format string, args ...any) error {
	return &refusal{evident.Errorf(evident.EFAILED, format, args...)}
}

// Refused reports whether err is a witness's refusal: the log it was
// asked to cosign is behind, or beside, a tree the witness cosigned.
func Refused(err error) bool {
	var r *refusal
	return errors.As(err, &r)
}

// accept checks the witness's answer and returns the cosigned checkpoint.
func (c *Client) accept(cp []byte, n int64, body []byte) ([]byte, error) {
	for _, line := range strings.SplitAfter(string(body), "\n") {
		if line == "" {
			continue
		}
		cosigned := append(append([]byte{}, cp...), line...)
		if _, err := note.Open(cosigned, note.VerifierList(c.Verifier)); err == nil {
			c.size = n
			return cosigned, nil
		}
	}
	return nil, evident.Errorf(evident.EFAILED, "witness %s answered without a valid cosignature by its key", c.Verifier.Name())
}

func (c *Client) post(ctx context.Context, body []byte) (int, []byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.URL, "/")+"/add-checkpoint", bytes.NewReader(body))
	if err != nil {
		return 0, nil, "", err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, "", evident.Errorf(evident.EFAILED, "witness %s: %v", c.Verifier.Name(), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	return resp.StatusCode, b, resp.Header.Get("Content-Type"), err
}

// Latest asks the witness for the last checkpoint of origin it cosigned,
// checked with the witness's key; nil when it has cosigned none.
func (c *Client) Latest(ctx context.Context, origin string) ([]byte, error) {
	u := strings.TrimSuffix(c.URL, "/") + "/checkpoint?origin=" + url.QueryEscape(origin)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, evident.Errorf(evident.EFAILED, "witness %s: %v", c.Verifier.Name(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, evident.Errorf(evident.EFAILED, "witness %s: HTTP %d", c.Verifier.Name(), resp.StatusCode)
	}
	return b, nil
}

// HTTPClient returns the client witnesses are called with. Unless
// allowPrivate, it refuses to connect to loopback, link-local and private
// addresses (checked on the address dialled, after name resolution), so
// a witness URL cannot be used to reach the server's own network.
func HTTPClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if !allowPrivate {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip := net.ParseIP(host)
			if ip == nil || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() {
				return errPrivate
			}
			return nil
		}
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = d.DialContext
	t.Proxy = nil
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}

var errPrivate = errors.New("refusing a loopback, link-local or private address (allow it explicitly with EVIDENT_WITNESS_ALLOW_PRIVATE=1)")

// ParseEndpoint reads "URL=VKEY", the form of each witness in the
// configuration. A verifier key has no '=', so the last one separates.
func ParseEndpoint(s string) (*Client, error) {
	i := strings.LastIndex(s, "=")
	if i < 0 {
		return nil, evident.Errorf(evident.EINVALID, "witness %q: want URL=KEY", s)
	}
	u, err := url.Parse(s[:i])
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, evident.Errorf(evident.EINVALID, "witness %q: %q is not an http(s) URL", s, s[:i])
	}
	v, err := NewVerifier(s[i+1:])
	if err != nil {
		return nil, err
	}
	return &Client{URL: s[:i], Verifier: v}, nil
}

// String names the witness as configured.
func (c *Client) String() string { return fmt.Sprintf("%s (%s)", c.Verifier.Name(), c.URL) }
