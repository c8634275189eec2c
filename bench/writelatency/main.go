// Command writelatency measures what one acknowledged write costs on the
// embedded store (SQLite on local disk), against the physical limit on the
// same disk in the same run: one 4 KiB write+fsync of a new file.
//
// It times, one after another, N durable single writes of each kind:
//
//   - an audit write (a user added): one SQLite commit holding the leaf,
//     its tree hashes and the signed checkpoint that covers it;
//   - one 4 KiB evidence file, as the server stores an upload
//     (ledger.DeferSmallBlobs): the record, the leaf, the signed
//     checkpoint and the blob's bytes in one commit, no file before it;
//     the files are written and flushed together every 64 writes;
//   - the baseline: create, write 4 KiB, fsync, close (what
//     `dd conv=fsync` does, without dd's process start).
//
// The ledger is first filled with PREFILL leaves so that signing reads a
// realistic tree. It prints the median and 90th percentile of each.
//
// Usage: writelatency [-n N] [-prefill PREFILL] [-cpuprofile FILE] DIR
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/bench/cpuprof"
	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
)

func main() {
	n := flag.Int("n", 200, "writes of each kind")
	prefill := flag.Int("prefill", 100000, "leaves in the ledger before timing")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the timed writes to this file")
	flag.Parse()
	if *cpuprofile != "" {
		profile = *cpuprofile
	}
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: writelatency [-n N] [-prefill PREFILL] DIR")
		os.Exit(2)
	}
	if err := run(context.Background(), flag.Arg(0), *n, *prefill); err != nil {
		fmt.Fprintln(os.Stderr, "writelatency:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir string, n, prefill int) error {
	st, err := sqlstore.Open(ctx, filepath.Join(dir, "evident.db"), sqlstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	blobs, err := blob.NewDisk(filepath.Join(dir, "blobs"))
	if err != nil {
		return err
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, "evident.ledger/bench")
	if err != nil {
		return err
	}
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	l := ledger.Open(st, blobs, signer, verifier)
	l.DeferSmallBlobs() // as the server does
	if err := fill(ctx, st, prefill); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "raw"), 0o755); err != nil {
		return err
	}
	buf := make([]byte, 4096)
	kinds := []func(i int) error{
		func(i int) error { // the baseline, as dd conv=fsync writes
			rand.Read(buf)
			f, err := os.Create(filepath.Join(dir, "raw", fmt.Sprint(i)))
			if err != nil {
				return err
			}
			if _, err := f.Write(buf); err != nil {
				return err
			}
			if err := f.Sync(); err != nil {
				return err
			}
			return f.Close()
		},
		func(i int) error {
			return st.CreateUser(ctx, evident.User{Name: fmt.Sprintf("user-%d", i), Role: evident.RoleAssessor,
				PeriodFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), PeriodTo: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}, "", "bench")
		},
		func(i int) error {
			rand.Read(buf)
			_, err := l.AddEvidence(ctx, ledger.EvidenceInput{Actor: "bench", Filename: "f.bin", About: []string{"bench"}}, bytes.NewReader(buf))
			return err
		},
	}
	stop, err := cpuprof.Start(profile)
	if err != nil {
		return err
	}
	defer stop()
	// Interleaved, so that a burst of load on a shared disk hits every
	// kind alike and the ratios stay comparable.
	d := make([][]time.Duration, len(kinds))
	for i := range n {
		for k, fn := range kinds {
			start := time.Now()
			if err := fn(i); err != nil {
				return err
			}
			d[k] = append(d[k], time.Since(start))
		}
	}
	raw := d[0]
	for k, name := range []string{"one 4 KiB write+fsync", "user add with its checkpoint", "4 KiB evidence add with its checkpoint"} {
		fmt.Printf("%-40s median %7.2f ms  p90 %7.2f ms  ratio %.2f\n", name, ms(pct(d[k], 50)), ms(pct(d[k], 90)),
			float64(pct(d[k], 50))/float64(pct(raw, 50)))
	}
	return nil
}

// fill appends prefill audit leaves in one signed transaction.
func fill(ctx context.Context, st *sqlstore.Store, prefill int) error {
	return st.Write(ctx, func(tx *sqlstore.Tx) error {
		recs := make([]evident.Record, prefill)
		for i := range recs {
			recs[i] = evident.Record{Kind: "bench.fill", ID: fmt.Sprint(i), Actor: "bench", Body: []byte(`{}`)}
		}
		_, err := tx.AppendRecords(ctx, recs)
		return err
	})
}

// profile is where -cpuprofile writes, "" for no profile.
var profile string

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Sorted(slices.Values(d))
	return s[(len(s)-1)*p/100]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
