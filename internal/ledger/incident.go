package ledger

import (
	"context"
	"io"

	"github.com/evidenthq/evident"
)

// SentReport is the file a notification sent: the early warning, the
// notification or the final report as the authority received it.
type SentReport struct {
	Filename string // the name it had on the sender's disk; "report" when empty
	Content  io.Reader
}

// NotifyIncident records a notification sent, which meets the clocks it
// answers, with the report sent kept as evidence when there is one. It is
// the one home of this write: the CLI, the API and the web form decode
// their input and call it. The report's bytes are stored first and its
// record goes in the notification's transaction (sqlstore.NotifyIncident
// files it about the incident and links it to the requirements its
// recipients imply), so a crash leaves at most an unreferenced blob, never
// a notification whose file is missing. When it returns nil the
// notification is under a signed checkpoint.
func (l *Ledger) NotifyIncident(ctx context.Context, id string, n evident.Notification, report *SentReport, actor string) (evident.Notification, error) {
	if l.signer == nil {
		return n, evident.Errorf(evident.EINVALID, "the ledger is open read-only: no signing key")
	}
	var ev *evident.Evidence
	if report != nil {
		name := evident.BaseName(report.Filename)
		if name == "" {
			name = "report"
		}
		if err := evident.CheckName("report", name); err != nil {
			return n, err
		}
		prepared, err := l.Prepare(ctx, EvidenceInput{Actor: actor, Filename: name}, report.Content)
		if err != nil {
			return n, err
		}
		ev = &prepared
	}
	n, err := l.st.NotifyIncident(ctx, id, n, ev, actor)
	if err != nil {
		return n, err
	}
	// The store seals its transactions under a checkpoint when it holds the
	// signer; a store opened without one relies on this call.
	_, err = l.Checkpoint(ctx)
	return n, err
}
