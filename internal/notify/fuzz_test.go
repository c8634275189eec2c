package notify_test

import (
	"net/mail"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/notify"
)

// FuzzParseSMTPURL: any string either parses to a relay with an address
// and a valid sender, or is refused as EINVALID; it never panics.
func FuzzParseSMTPURL(f *testing.F) {
	for _, s := range []string{"smtp://u:p@mail.example.org:25?from=a@example.org&starttls=off",
		"smtp://[::1]?from=a@b", "smtp://%zz", "smtp://h?from=%3Cx%3E"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := notify.ParseSMTPURL(s, notify.Allow{})
		if err != nil {
			if evident.ErrorCode(err) != evident.EINVALID {
				t.Fatalf("%q: %v is not EINVALID", s, err)
			}
			return
		}
		if m.Addr == "" || m.Host == "" {
			t.Fatalf("%q: parsed without an address: %+v", s, m)
		}
		if _, err := mail.ParseAddress(m.From); err != nil {
			t.Fatalf("%q: sender %q is not an address: %v", s, m.From, err)
		}
	})
}

// FuzzParseEndpointURL: an accepted webhook URL is absolute http(s) with
// a host and no credentials.
func FuzzParseEndpointURL(f *testing.F) {
	for _, s := range []string{"https://hooks.example.org/evident", "http://u:p@h/", "ftp://h", "//h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := notify.ParseEndpointURL(s)
		if err != nil {
			if evident.ErrorCode(err) != evident.EINVALID {
				t.Fatalf("%q: %v is not EINVALID", s, err)
			}
			return
		}
		if _, err := notify.ParseEndpointURL(u); err != nil {
			t.Fatalf("%q parsed to %q, which does not parse again: %v", s, u, err)
		}
	})
}
