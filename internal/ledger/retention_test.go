package ledger_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/ledger/ledgertest"
	"github.com/evidenthq/evident/internal/program"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// Retention end to end on a disk store, SQLite and PostgreSQL: before the
// period ends nothing goes and the disk store itself refuses; a hold
// keeps a due blob; apply deletes the rest with a retention.delete leaf,
// verify then reports the blob as deleted by retention, and still fails
// on a blob removed without such a leaf.
func TestRetentionApply(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clock.Now, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		storetest.Init(t, st, "Test TSP", "admin")
		l := ledgertest.Open(t, st, "test", "")
		// The program default, through a signed program.apply as
		// `evident apply` writes it.
		m, err := st.Model(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m.Program.Retention = evident.Retention{Years: 1}
		if _, err := program.Apply(ctx, st, m, "admin"); err != nil {
			t.Fatal(err)
		}
		ref, _ := evident.ParseRequirementRef("REQ-7.10-06", evident.EN319401, "3.2.1")
		add := func(body string) evident.Evidence {
			e, err := l.AddEvidence(ctx, ledger.EvidenceInput{Actor: "alice", Filename: "log.txt", Requirements: []evident.RequirementRef{ref}},
				strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		gone, kept, lost := add("old log\n"), add("disputed log\n"), add("tampered log\n")
		if _, err := l.PlaceHold(ctx, evident.Hold{Evidence: kept.ID, Reason: "dispute D-7", PlacedBy: "admin"}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.PlaceHold(ctx, evident.Hold{Evidence: "no-such", Reason: "x", PlacedBy: "admin"}); evident.ErrorCode(err) != evident.EINVALID {
			t.Fatalf("a hold on unknown evidence: %v, want invalid", err)
		}

		plan, err := l.Retention(ctx, "admin", true)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range plan.Items {
			if it.Due || !it.Deleted.IsZero() {
				t.Fatalf("deleted before its period ended: %+v", it)
			}
		}
		if err := l.Blobs.Delete(ctx, gone.Digest, clock.Now()); evident.ErrorCode(err) != evident.ECONFLICT {
			t.Fatalf("disk store deleted a blob still retained: %v", err)
		}

		clock.Move(366 * 24 * time.Hour)
		plan, err = l.Retention(ctx, "admin", false)
		if err != nil {
			t.Fatal(err)
		}
		due := map[evident.Digest]ledger.RetentionItem{}
		for _, it := range plan.Items {
			due[it.Digest] = it
		}
		if !due[gone.Digest].Due || due[kept.Digest].Due || !strings.Contains(due[kept.Digest].Reason, "dispute D-7") {
			t.Fatalf("plan: %+v", plan.Items)
		}
		if err := l.Blobs.Delete(ctx, kept.Digest, clock.Now()); evident.ErrorCode(err) != evident.ECONFLICT {
			t.Fatalf("disk store deleted a held blob: %v", err)
		}
		// The tampered blob's retention is recorded, then it is removed
		// behind the ledger's back before apply runs.
		if err := l.Blobs.Retain(ctx, lost.Digest, clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := l.Blobs.Delete(ctx, lost.Digest, clock.Now()); err != nil {
			t.Fatal(err)
		}

		plan, err = l.Retention(ctx, "admin", true)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range plan.Items {
			switch it.Digest {
			case gone.Digest:
				if it.Deleted.IsZero() {
					t.Errorf("due blob not deleted: %+v", it)
				}
			case kept.Digest:
				if !it.Deleted.IsZero() {
					t.Errorf("held blob deleted: %+v", it)
				}
			case lost.Digest:
				if !it.Deleted.IsZero() || it.Refused == "" {
					t.Errorf("a blob already missing must not be recorded as deleted by retention: %+v", it)
				}
			}
		}
		if _, err := l.Blobs.Stat(ctx, gone.Digest); evident.ErrorCode(err) != evident.ENOTFOUND {
			t.Errorf("the deleted blob is still stored: %v", err)
		}
		if _, err := st.Evidence(ctx, gone.ID); err != nil {
			t.Errorf("the evidence record must stay: %v", err)
		}

		r, err := l.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.DeletedByRetention) != 1 || r.DeletedByRetention[0].Evidence != gone.ID {
			t.Errorf("verify does not report the blob deleted by retention: %+v", r.DeletedByRetention)
		}
		if len(r.Problems) != 1 || r.Problems[0].Kind != ledger.MissingBlob || r.Problems[0].Ref != lost.ID {
			t.Errorf("verify must fail on exactly the blob missing without a retention leaf: %v", r.Problems)
		}
	})
}
