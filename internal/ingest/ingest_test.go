package ingest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/ingest"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

const fixtures = "../importer/testdata"

// setup writes a small program: a lab zone allowing the three ports the
// baseline nmap fixture found open, a web system in it answering on
// 127.0.0.1, an offline vault, and controls judged by import or not.
func setup(t testing.TB, st *sqlstore.Store) *ledger.Ledger {
	t.Helper()
	l, _ := setupDisk(t, st)
	return l
}

// setupDisk is setup, with the disk its blobs' files are written to.
func setupDisk(t testing.TB, st *sqlstore.Store) (*ledger.Ledger, *blob.Disk) {
	t.Helper()
	ctx := context.Background()
	objs := []struct {
		sec sqlstore.Section
		id  string
		v   any
	}{
		{sqlstore.Zones, "lab", evident.Zone{ID: "lab", Name: "Lab", AllowedServices: []string{"tcp/14443", "tcp/15443", "tcp/18080"}}},
		{sqlstore.Zones, "vault", evident.Zone{ID: "vault", Name: "Vault", Offline: true}},
		{sqlstore.Systems, "web", evident.System{ID: "web", Name: "Web", Kind: evident.SystemTrustworthy, Zone: "lab", Hosts: []string{"127.0.0.1"}}},
		{sqlstore.Systems, "safe", evident.System{ID: "safe", Name: "Safe", Kind: evident.SystemTrustworthy, Zone: "vault"}},
		{sqlstore.Controls, "scan", evident.Control{ID: "scan", Title: "Port scan", Systems: []string{"web", "safe"},
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
	skey, vkey, err := note.GenerateKey(rand.Reader, "evident.test")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	blobs, err := blob.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return ledger.Open(st, blobs, signer, verifier), blobs
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// An upload is a reader, a name and options: what an HTTP handler has.
// The second scan is compared with the first and names the new port.
func TestImportComparesWithThePreviousScan(t *testing.T) {
	now := after
	storetest.Each(t, func() time.Time { return now }, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		l := setup(t, st)
		opt := ingest.Options{Control: "scan", Filename: "baseline.xml", Actor: "scanner", Now: now}
		first, err := ingest.Import(ctx, l, bytes.NewReader(fixture(t, "nmap/baseline.xml")), opt)
		if err != nil {
			t.Fatal(err)
		}
		if !first.Verdict.Pass || !first.Defaulted || !first.First || first.Target != "127.0.0.1" {
			t.Errorf("baseline: pass %v defaulted %v first %v target %q, want a first pass of 127.0.0.1 by the nmap defaults",
				first.Verdict.Pass, first.Defaulted, first.First, first.Target)
		}
		if len(first.Raw.Controls) != 0 || !slices.Contains(first.Raw.About, "control/scan") {
			t.Errorf("raw record controls %v about %v: the raw file must not count for the control on its own", first.Raw.Controls, first.Raw.About)
		}
		if !slices.Equal(first.Derived.DerivedFrom, []string{first.Raw.ID}) || first.Derived.Verdict != evident.VerdictPass {
			t.Errorf("derived record %+v, want a pass derived from %s", first.Derived, first.Raw.ID)
		}
		opt.Filename = "new-port.xml"
		second, err := ingest.Import(ctx, l, bytes.NewReader(fixture(t, "nmap/new-port.xml")), opt)
		if err != nil {
			t.Fatal(err)
		}
		var appeared []string
		for _, f := range second.Delta.Appeared {
			appeared = append(appeared, f.Key)
		}
		if second.Verdict.Pass || second.First || second.Run.PreviousID != first.RunID {
			t.Errorf("second scan: pass %v first %v previous %q, want a fail compared with %s", second.Verdict.Pass, second.First, second.Run.PreviousID, first.RunID)
		}
		if diff := cmp.Diff([]string{"127.0.0.1 tcp/12323"}, appeared); diff != "" || len(second.Delta.Gone) != 0 {
			t.Errorf("appeared (-want +got):\n%s gone %v", diff, second.Delta.Gone)
		}
		if second.Derived.Verdict != evident.VerdictFail {
			t.Errorf("derived verdict %q, want fail", second.Derived.Verdict)
		}
	})
}

// The zone that judges a scan is the targeted system's: the same ports are
// allowed in the lab and forbidden in the offline vault.
func TestImportJudgesByTheTargetsZone(t *testing.T) {
	now := after
	storetest.Each(t, func() time.Time { return now }, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		l := setup(t, st)
		for target, want := range map[string]float64{"web": 0, "safe": 3} {
			out, err := ingest.Import(ctx, l, bytes.NewReader(fixture(t, "nmap/baseline.xml")),
				ingest.Options{Control: "scan", Target: target, Filename: "baseline.xml", Actor: "scanner", Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if got := out.Metrics["unexpected_open_ports"]; got != want {
				t.Errorf("target %s: %v unexpected open ports, want %v", target, got, want)
			}
		}
	})
}

func TestImportRefusesWhatTheControlDoesNotTake(t *testing.T) {
	now := after
	storetest.Each(t, func() time.Time { return now }, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		l := setup(t, st)
		before, err := l.Size(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			opt  ingest.Options
			code string
		}{
			{"attestation control", ingest.Options{Control: "review"}, evident.EINVALID},
			{"unknown control", ingest.Options{Control: "nope"}, evident.ENOTFOUND},
			{"other format named", ingest.Options{Control: "scan", Format: "testssl"}, evident.EINVALID},
			{"unknown format", ingest.Options{Control: "scan", Format: "nessus"}, evident.EINVALID},
		} {
			tc.opt.Actor, tc.opt.Filename = "scanner", "baseline.xml"
			_, err := ingest.Import(ctx, l, bytes.NewReader(fixture(t, "nmap/baseline.xml")), tc.opt)
			if evident.ErrorCode(err) != tc.code {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			}
		}
		if n, err := l.Size(ctx); err != nil || n != before {
			t.Errorf("ledger holds %d records after refused imports (%v), want %d", n, err, before)
		}
	})
}

// A scan across zones judges each host by its own zone: the lab's ports
// open on a host of the offline vault are unexpected there, although the
// control also covers the lab.
func TestImportJudgesEachHostByItsZone(t *testing.T) {
	now := after
	storetest.Each(t, func() time.Time { return now }, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		l := setup(t, st)
		err := st.Write(ctx, func(tx *sqlstore.Tx) error {
			return tx.PutObject(ctx, sqlstore.Systems, "safe", evident.System{ID: "safe", Name: "Safe", Kind: evident.SystemTrustworthy,
				Zone: "vault", Hosts: []string{"127.0.0.2"}}, "test")
		})
		if err != nil {
			t.Fatal(err)
		}
		// The recorded scan with its host repeated as 127.0.0.2.
		scan := fixture(t, "nmap/baseline.xml")
		start, end := bytes.Index(scan, []byte("<host ")), bytes.Index(scan, []byte("</host>"))+len("</host>")
		second := bytes.ReplaceAll(scan[start:end], []byte("127.0.0.1"), []byte("127.0.0.2"))
		scan = slices.Concat(scan[:end], []byte("\n"), second, scan[end:])
		out, err := ingest.Import(ctx, l, bytes.NewReader(scan), ingest.Options{Control: "scan", Filename: "two-zones.xml", Actor: "scanner", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		var unexpected []string
		for _, f := range out.Verdict.Failed {
			for _, x := range f.Findings {
				unexpected = append(unexpected, x.Key)
			}
		}
		want := []string{"127.0.0.2 tcp/14443", "127.0.0.2 tcp/15443", "127.0.0.2 tcp/18080"}
		if diff := cmp.Diff(want, unexpected); diff != "" {
			t.Errorf("unexpected open ports (-want +got):\n%s", diff)
		}
		if out.Target != "127.0.0.1 127.0.0.2" {
			t.Errorf("target %q, want both scanned hosts", out.Target)
		}
	})
}

// Concurrent imports of the same check each compare with a different
// baseline: exactly one is the first, and the others chain behind it.
func TestConcurrentImportsChain(t *testing.T) {
	storetest.Each(t, func() time.Time { return after }, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		l := setup(t, st)
		scan := fixture(t, "nmap/baseline.xml")
		const n = 4
		outs := make([]ingest.Outcome, n)
		errs := make(chan error, n)
		for i := range n {
			go func() {
				var err error
				outs[i], err = ingest.Import(ctx, l, bytes.NewReader(scan), ingest.Options{Control: "scan", Filename: "baseline.xml", Actor: "scanner"})
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		firsts, prevs := 0, map[string]bool{}
		for _, o := range outs {
			if o.First {
				firsts++
				continue
			}
			if prevs[o.Run.PreviousID] {
				t.Errorf("two imports compared with the same baseline %s", o.Run.PreviousID)
			}
			prevs[o.Run.PreviousID] = true
		}
		if firsts != 1 {
			t.Errorf("%d imports saw no baseline, want exactly 1", firsts)
		}
	})
}

// bigScan is the baseline scan with its host repeated n times at other
// addresses: large enough that its blob is staged through a temp file.
func bigScan(t testing.TB, n int) []byte {
	t.Helper()
	base := fixture(t, "nmap/baseline.xml")
	i, j := bytes.Index(base, []byte("<host ")), bytes.Index(base, []byte("</host>\n"))+len("</host>\n")
	var b bytes.Buffer
	b.Write(base[:i])
	for k := range n {
		b.Write(bytes.ReplaceAll(base[i:j], []byte("127.0.0.1"), fmt.Appendf(nil, "10.1.%d.%d", k/256, k%256)))
	}
	b.Write(base[j:])
	return b.Bytes()
}

// The file is parsed and stored in one read: the raw record names the
// SHA-256 of exactly the bytes uploaded, which the store gives back. A
// scan refused at its very end (no <runstats>) leaves no blob at
// all, not even a staged one.
func TestImportStoresTheBytesItParsed(t *testing.T) {
	storetest.Each(t, func() time.Time { return after }, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		l, disk := setupDisk(t, st)
		blobs := func() (n int) {
			l.Blobs().Walk(ctx, func(evident.Digest, int64) error { n++; return nil })
			tmp, _ := os.ReadDir(filepath.Join(disk.Root(), "tmp"))
			return n + len(tmp)
		}
		scan := bigScan(t, 2000)
		cut := append(bytes.Clone(scan[:bytes.Index(scan, []byte("<runstats>"))]), "</nmaprun>\n"...)
		_, err := ingest.Import(ctx, l, bytes.NewReader(cut), ingest.Options{Control: "scan", Actor: "scanner", Filename: "cut.xml"})
		if err == nil || !strings.Contains(err.Error(), "cut.xml: truncated: nmap XML has no <runstats><finished>") {
			t.Fatalf("import of a cut scan = %v, want it refused as truncated", err)
		}
		if n := blobs(); n != 0 {
			t.Errorf("%d blobs or staged files after a refused import, want none", n)
		}
		out, err := ingest.Import(ctx, l, bytes.NewReader(scan), ingest.Options{Control: "scan", Actor: "scanner", Filename: "big.xml"})
		if err != nil {
			t.Fatal(err)
		}
		if want := evident.Digest(sha256.Sum256(scan)); out.Raw.Digest != want || out.Raw.Size != int64(len(scan)) {
			t.Errorf("raw record names %s (%d bytes), want %s (%d bytes)", out.Raw.Digest, out.Raw.Size, want, len(scan))
		}
		rc, err := l.Blobs().Open(ctx, out.Raw.Digest)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if got, err := io.ReadAll(rc); err != nil || !bytes.Equal(got, scan) {
			t.Errorf("stored blob differs from the upload (%d bytes of %d, %v)", len(got), len(scan), err)
		}
		if out.Metrics["hosts_up"] != 1 || out.Metrics["open_ports"] != 3*2000 {
			t.Errorf("metrics %v, want 6000 open ports", out.Metrics)
		}
	})
}
