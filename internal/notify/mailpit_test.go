package notify_test

import (
	"testing"

	"github.com/evidenthq/evident/internal/notify/mailpittest"
)

// mailpit is the real SMTP server of package mailpittest, with the
// lower-case helpers this package's tests read it through.
type mailpit struct{ mailpittest.Server }

// startMailpit starts mailpit with extra flags and waits for its API.
func startMailpit(t *testing.T, extra ...string) mailpit {
	t.Helper()
	return mailpit{mailpittest.Start(t, extra...)}
}

// messages returns every message mailpit holds.
func (m mailpit) messages(t *testing.T) []mailpittest.Message { return m.Messages(t) }

// text returns one message's plain-text body.
func (m mailpit) text(t *testing.T, id string) string { return m.Text(t, id) }
