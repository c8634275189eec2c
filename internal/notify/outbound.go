package notify

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/evidenthq/evident"
)

// Allow opens outbound calls to addresses refused by default. Webhooks and
// SMTP go only where an admin pointed them, and an address inside the
// network (the metadata service, a database, localhost) is somewhere a
// URL typed into a form must not reach unless an admin says so.
type Allow struct {
	Loopback bool // 127.0.0.0/8, ::1
	Private  bool // RFC 1918, RFC 4193, link-local, unspecified
}

// ParseAllow reads EVIDENT_NOTIFY_ALLOW: a comma-separated list of
// "loopback" and "private".
func ParseAllow(s string) (Allow, error) {
	var a Allow
	for _, p := range strings.Split(s, ",") {
		switch strings.TrimSpace(strings.ToLower(p)) {
		case "":
		case "loopback":
			a.Loopback = true
		case "private":
			a.Private = true
		default:
			return Allow{}, evident.ErrorAt(evident.EINVALID, "EVIDENT_NOTIFY_ALLOW", "%q: want loopback, private or both, comma-separated", p)
		}
	}
	return a, nil
}

// check refuses an address a does not open.
func (a Allow) check(ip netip.Addr) error {
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback():
		if !a.Loopback {
			return fmt.Errorf("refused to connect to loopback address %s (allow it with EVIDENT_NOTIFY_ALLOW=loopback)", ip)
		}
	case ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast():
		if !a.Private {
			return fmt.Errorf("refused to connect to private address %s (allow it with EVIDENT_NOTIFY_ALLOW=private)", ip)
		}
	}
	return nil
}

// dialer checks the address actually dialled, after name resolution, so
// a name that resolves to an internal address is refused too.
func (a Allow) dialer() *net.Dialer {
	return &net.Dialer{
		Timeout: 10 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("outbound address %q: %w", address, err)
			}
			return a.check(ap.Addr())
		},
	}
}

// Client returns the HTTP client webhooks are posted with: it dials only
// addresses a opens, follows no redirect (a redirect could point anywhere)
// and gives up after 10 seconds.
func Client(a Allow) *http.Client {
	return &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{DialContext: a.dialer().DialContext, Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// dial opens a TCP connection through the guard.
func (a Allow) dial(ctx context.Context, addr string) (net.Conn, error) {
	return a.dialer().DialContext(ctx, "tcp", addr)
}
