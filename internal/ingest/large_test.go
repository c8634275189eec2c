package ingest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/evidenthq/evident/internal/importer"
	"github.com/evidenthq/evident/internal/ingest"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// BenchmarkImportLargeScan imports a scan of 20 000 hosts (60 000 open
// ports, every one unexpected on the offline target) into SQLite, each
// import after the first compared with the one before, next to SHA-256
// of the same bytes: run with -cpuprofile or -memprofile to see where an
// import's time and memory go.
func BenchmarkImportLargeScan(b *testing.B) {
	scan := bigScan(b, 20000)
	b.Run("sha256", func(b *testing.B) {
		b.SetBytes(int64(len(scan)))
		for b.Loop() {
			sha256.Sum256(scan)
		}
	})
	b.Run("import", func(b *testing.B) {
		ctx := context.Background()
		st := storetest.SQLite(b, func() time.Time { return after })
		l := setup(b, st)
		b.SetBytes(int64(len(scan)))
		b.ReportAllocs()
		for b.Loop() {
			opt := ingest.Options{Control: "scan", Target: "safe", Filename: "big.xml", Actor: "scanner", Now: after}
			if _, err := ingest.Import(ctx, l, bytes.NewReader(scan), opt); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The derived blob and the import run's findings, written a finding at a
// time, hold exactly the bytes json.Marshal gives for the checked result
// and its verdict: a scan whose every port is unexpected (each finding
// listed twice, in the result and under the failed criterion) and one
// judged by a zone that allows them but missing the hosts in scope.
func TestStoredVerdictIsTheMarshalledResult(t *testing.T) {
	storetest.Each(t, func() time.Time { return after }, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		l := setup(t, st)
		for _, target := range []string{"safe", "web"} {
			c, err := ingest.Check(ctx, l, bytes.NewReader(bigScan(t, 300)), ingest.Options{Control: "scan", Target: target, Filename: "big.xml", Actor: "scanner", Now: after})
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(struct {
				Result    *importer.Result `json:"result"`
				Verdict   importer.Verdict `json:"verdict"`
				Defaulted bool             `json:"defaulted"`
				Target    string           `json:"target"`
			}{c.Result, c.Verdict, c.Defaulted, c.Target})
			if err != nil {
				t.Fatal(err)
			}
			wantFindings, _ := json.Marshal(c.Result.Findings)
			out, err := c.Store(ctx, l)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Result.Findings) < 900 || target == "safe" && len(out.Verdict.Failed[0].Findings) != 900 {
				t.Fatalf("%s: %d findings, verdict %+v, want 900 open ports, all failing on the offline system", target, len(c.Result.Findings), out.Verdict.Failed)
			}
			rc, err := l.Blobs().Open(ctx, out.Derived.Digest)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: derived blob differs from json.Marshal of the result (%d bytes, want %d; %v)", target, len(got), len(want), err)
			}
			runs, err := st.ImportRuns(ctx, sqlstore.ImportFilter{Control: "scan", Target: target})
			if err != nil || len(runs) != 1 {
				t.Fatalf("%s: %d import runs (%v), want 1", target, len(runs), err)
			}
			if !bytes.Equal(runs[0].Findings, wantFindings) {
				t.Errorf("%s: import run findings differ from json.Marshal of the result's (%d bytes, want %d)", target, len(runs[0].Findings), len(wantFindings))
			}
		}
	})
}
