package notify

import (
	"net/netip"
	"testing"
)

// TestAllowRefusesInternalAddresses: what an admin did not open stays
// closed, and each switch opens only its own kind of address.
func TestAllowRefusesInternalAddresses(t *testing.T) {
	cases := []struct {
		addr           string
		none, lb, priv bool // allowed with Allow{}, {Loopback}, {Private}
	}{
		{"93.184.215.14", true, true, true},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", true, true, true},
		{"127.0.0.1", false, true, false},
		{"::1", false, true, false},
		{"::ffff:127.0.0.1", false, true, false},
		{"10.1.2.3", false, false, true},
		{"192.168.0.10", false, false, true},
		{"172.16.5.4", false, false, true},
		{"169.254.169.254", false, false, true}, // cloud metadata
		{"fd00::1", false, false, true},
		{"fe80::1", false, false, true},
		{"0.0.0.0", false, false, true},
	}
	for _, c := range cases {
		ip := netip.MustParseAddr(c.addr)
		for _, a := range []struct {
			allow Allow
			want  bool
		}{{Allow{}, c.none}, {Allow{Loopback: true}, c.lb}, {Allow{Private: true}, c.priv}} {
			if got := a.allow.check(ip) == nil; got != a.want {
				t.Errorf("%+v dialling %s: allowed %v, want %v", a.allow, c.addr, got, a.want)
			}
		}
	}
}
