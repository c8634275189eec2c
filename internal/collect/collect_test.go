package collect_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/collect"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/ledger/ledgertest"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// now is after the nmap fixtures were recorded (27 November 2026).
var now = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

// setup writes a program with a web system in a lab zone that allows the
// ports the baseline scan found, a service, a port scan verified by nmap
// import and a review verified by attestation.
func setup(t *testing.T, st *sqlstore.Store) *ledger.Ledger {
	t.Helper()
	ctx := context.Background()
	objs := []struct {
		sec sqlstore.Section
		id  string
		v   any
	}{
		{sqlstore.Zones, "lab", evident.Zone{ID: "lab", Name: "Lab", AllowedServices: []string{"tcp/14443", "tcp/15443", "tcp/18080"}}},
		{sqlstore.Systems, "web", evident.System{ID: "web", Name: "Web portal", Kind: evident.SystemTrustworthy, Zone: "lab", Version: "2.1", Hosts: []string{"127.0.0.1"}}},
		{sqlstore.Services, "qtsa", evident.Service{ID: "qtsa", Name: "Time-stamps", Type: evident.ServiceTimeStamps}},
		{sqlstore.Controls, "scan", evident.Control{ID: "scan", Title: "Port scan", Systems: []string{"web"},
			Method: evident.VerificationMethod{Kind: evident.MethodImport, Format: "nmap"}}},
		{sqlstore.Controls, "review", evident.Control{ID: "review", Title: "Review", Method: evident.VerificationMethod{Kind: evident.MethodAttestation}}},
	}
	if err := st.CreateProgram(ctx, evident.Program{Name: "Test TSP", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "root"}); err != nil {
		t.Fatal(err)
	}
	err := st.Write(ctx, func(tx *sqlstore.Tx) error {
		for _, o := range objs {
			if err := tx.PutObject(ctx, o.sec, o.id, o.v, "test"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ledgertest.Open(t, st, "evident.test", "").Ledger
}

func item(in ledger.EvidenceInput, body []byte) ledger.Item {
	return ledger.Item{Input: in, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }}
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../importer/testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func records(t *testing.T, st *sqlstore.Store) int {
	t.Helper()
	evs, err := st.ListEvidence(context.Background(), sqlstore.EvidenceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

func flag(name string) string { return "--" + name }

// Every name a write gives is checked against the program before anything
// is stored, and the error names the flag and the value.
func TestUnknownNamesAreRefused(t *testing.T) {
	storetest.Each(t, func() time.Time { return now }, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		l := setup(t, st)
		tests := []struct {
			name, where, value string
			in                 ledger.EvidenceInput
		}{
			{"control", "--control", "no-such-control", ledger.EvidenceInput{Controls: []string{"no-such-control"}}},
			{"system", "--system", "bogus", ledger.EvidenceInput{Controls: []string{"review"}, Systems: []evident.SystemVersion{{Name: "bogus", Version: "0"}}}},
			{"service", "--service", "no-such-service", ledger.EvidenceInput{Controls: []string{"review"}, Services: []string{"no-such-service"}}},
			{"incident", "--about", "NOPE", ledger.EvidenceInput{Controls: []string{"review"}, About: []string{"incident/NOPE"}}},
			{"about kind", "--about", "widget/1", ledger.EvidenceInput{Controls: []string{"review"}, About: []string{"widget/1"}}},
			{"supersedes", "--supersedes", "0190-none", ledger.EvidenceInput{Controls: []string{"review"}, Supersedes: "0190-none"}},
		}
		for _, tt := range tests {
			tt.in.Actor, tt.in.Filename = "alice", "report.txt"
			_, err := collect.Add(ctx, l, collect.Request{Items: []ledger.Item{item(tt.in, []byte("signed report\n"))}, Field: flag, Now: now})
			var e *evident.Error
			if code := evident.ErrorCode(err); code != evident.EREFUSED {
				t.Errorf("%s: code %q (%v), want %s", tt.name, code, err, evident.EREFUSED)
				continue
			}
			if e, _ = err.(*evident.Error); e == nil || e.Where != tt.where || !strings.Contains(e.Message, tt.value) {
				t.Errorf("%s: %v, want it located at %s and naming %q", tt.name, err, tt.where, tt.value)
			}
		}
		if n := records(t, st); n != 0 {
			t.Errorf("%d records stored after refusals, want none", n)
		}
		// A system named by its name is recorded by its id; the version is free.
		in := ledger.EvidenceInput{Actor: "alice", Filename: "report.txt", Controls: []string{"review"}, Services: []string{"qtsa"},
			Systems: []evident.SystemVersion{{Name: "Web portal", Version: "2.2-rc1"}}}
		res, err := collect.Add(ctx, l, collect.Request{Items: []ledger.Item{item(in, []byte("signed report\n"))}, Field: flag, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Evidence[0].Systems; len(got) != 1 || got[0].String() != "web@2.2-rc1" {
			t.Errorf("systems recorded %v, want web@2.2-rc1", got)
		}
	})
}

// A file for a control verified by import is never a raw stand-in for a
// verdict: tool output of the control's format is imported and judged,
// anything else is refused with a pointer to `evident import`.
func TestImportControlFilesAreImportedOrRefused(t *testing.T) {
	storetest.Each(t, func() time.Time { return now }, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		l := setup(t, st)
		in := ledger.EvidenceInput{Actor: "scanner", Controls: []string{"scan"}, Systems: []evident.SystemVersion{{Name: "web", Version: "2.1"}}}
		add := func(in ledger.EvidenceInput, name string, body []byte) (collect.Result, error) {
			in.Filename = name
			return collect.Add(ctx, l, collect.Request{Items: []ledger.Item{item(in, body)}, Field: flag, Now: now})
		}
		_, err := add(in, "scan.txt", []byte("nmap says: all ports fine\n"))
		if evident.ErrorCode(err) != evident.EREFUSED || !strings.Contains(evident.ErrorMessage(err), "evident import nmap") {
			t.Errorf("plain text for an nmap control: %v, want refused naming `evident import nmap`", err)
		}
		withService := in
		withService.Services = []string{"qtsa"}
		if _, err := add(withService, "new-port.xml", fixture(t, "nmap/new-port.xml")); evident.ErrorCode(err) != evident.EREFUSED {
			t.Errorf("nmap output with --service: %v, want refused (an import cannot record it)", err)
		}
		if n := records(t, st); n != 0 {
			t.Fatalf("%d records stored after refusals, want none", n)
		}
		res, err := add(in, "new-port.xml", fixture(t, "nmap/new-port.xml"))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Imports) != 1 || res.Imports[0].Verdict.Pass {
			t.Fatalf("imports %+v, want one failing import (a port the zone does not allow)", res.Imports)
		}
		raw, drv := res.Evidence[0], res.Evidence[1]
		if len(raw.Controls) != 0 || drv.Verdict != evident.VerdictFail || len(drv.Controls) != 1 || drv.Controls[0] != "scan" {
			t.Errorf("raw controls %v, derived %s for %v: want only the failing verdict filed under the control", raw.Controls, drv.Verdict, drv.Controls)
		}
		// Other methods still take files as they are.
		in = ledger.EvidenceInput{Actor: "alice", Controls: []string{"review"}}
		if res, err := add(in, "minutes.txt", []byte("reviewed\n")); err != nil || len(res.Evidence) != 1 || res.Evidence[0].Kind != evident.RawEvidence {
			t.Errorf("attestation file: %+v, %v; want one raw record", res.Evidence, err)
		}
	})
}
