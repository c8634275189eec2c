package ledger

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// TestNotifyIncidentFilesTheReportOnce records a notification with its
// report through the one home the CLI, the API and the web share: the
// report is filed about the incident once, speaks for the notification
// requirements, is provable under a checkpoint, and the ledger verifies;
// a refused notification adds no record.
func TestNotifyIncidentFilesTheReportOnce(t *testing.T) {
	storetest.Each(t, clock(), func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		inc, err := st.OpenIncident(ctx, evident.Incident{Kind: evident.KindIncident, Title: "HSM outage", Reporter: "noc",
			AwareAt: st.Now().Add(-time.Hour)}, "alice")
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.l.NotifyIncident(ctx, inc.ID, evident.Notification{Kind: evident.NoticeNotification}, &SentReport{Filename: "x.pdf", Content: strings.NewReader("x")}, "bob")
		if evident.ErrorCode(err) != evident.EINVALID || !strings.HasPrefix(err.Error(), "to:") {
			t.Errorf("a notification to nobody: %v, want invalid naming to", err)
		}
		if evs, _ := st.ListEvidence(ctx, sqlstore.EvidenceFilter{}); len(evs) != 0 {
			t.Fatalf("a refused notification stored %d records", len(evs))
		}
		const report = "%PDF-1.7 notification to the supervisory body\n"
		n, err := f.l.NotifyIncident(ctx, inc.ID, evident.Notification{To: []evident.Recipient{evident.ToSupervisoryBody}, Kind: evident.NoticeNotification},
			&SentReport{Filename: `C:\reports\notification.pdf`, Content: strings.NewReader(report)}, "bob")
		if err != nil {
			t.Fatal(err)
		}
		e, err := st.Evidence(ctx, n.EvidenceID)
		if err != nil {
			t.Fatal(err)
		}
		var reqs []string
		for _, r := range e.Requirements {
			reqs = append(reqs, string(r.ID))
		}
		if strings.Join(e.About, " ") != "incident/"+inc.ID || strings.Join(reqs, " ") != "REQ-7.9.3-01 REQ-7.9.2-02" || e.Filename != "notification.pdf" || e.Actor != "bob" {
			t.Errorf("report about %v, for %v, named %q by %s; want about the incident once, for the notification requirements", e.About, reqs, e.Filename, e.Actor)
		}
		rc, err := f.blobs.Open(ctx, e.Digest)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != report {
			t.Errorf("stored report = %q", b)
		}
		if _, err := f.l.Proof(ctx, e.LedgerIndex); err != nil {
			t.Errorf("the report has no inclusion proof under a checkpoint: %v", err)
		}
		got, err := st.Incident(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Notifications) != 1 || got.Notifications[0].EvidenceID != e.ID {
			t.Errorf("notifications %+v, want one linking the report", got.Notifications)
		}
		if rep, err := f.l.Verify(ctx, nil); err != nil || !rep.OK() {
			t.Errorf("verify: %v %v", err, rep.Problems)
		}
	})
}
