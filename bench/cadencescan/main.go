// Command cadencescan times, in process and through the store's own
// database driver, the reads that bound readiness over a period on a store
// bench/cadencegen filled: the plain GROUP BY the benchmark's limit is
// (which the database's own client runs in bench/cadence.sh), and a read
// of every evidence_controls row with the columns a window's judgement
// needs. The second is the floor of any period computation that looks at
// each record through this driver; the first says what the driver alone
// adds to the limit. Each is run -runs times; the best wall time and its
// CPU time (user + system of this process, not the database server's)
// are printed. With -years N it also times readiness over the last N
// years in process (readiness.LoadFrame and StatusOver, the catalog
// parsed before the clock starts), with -cpuprofile to see where it goes.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"runtime"
	"syscall"
	"time"

	"github.com/evidenthq/evident/bench/cpuprof"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

func main() {
	dsn := flag.String("dsn", "", "store to read: a SQLite file or a postgres:// URL")
	runs := flag.Int("runs", 3, "runs of each read")
	years := flag.Int("years", 0, "also time readiness over this many years up to now, in process")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the readiness runs to this `file`")
	flag.Parse()
	if *dsn == "" {
		log.Fatal("cadencescan: -dsn is required")
	}
	ctx := context.Background()
	if err := run(ctx, *dsn, *runs); err != nil {
		log.Fatal(err)
	}
	if *years > 0 {
		if err := period(ctx, *dsn, *runs, *years, *profile); err != nil {
			log.Fatal(err)
		}
	}
}

// period times readiness.StatusOver over the last years up to now, as
// `evident status --from --to` computes it, and prints the peak Go heap.
func period(ctx context.Context, dsn string, runs, years int, profile string) error {
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Now: func() time.Time { return time.Now().UTC() }})
	if err != nil {
		return err
	}
	defer st.Close()
	cat, err := catalog.Load()
	if err != nil {
		return err
	}
	p, err := st.Program(ctx)
	if err != nil {
		return err
	}
	m, err := st.Model(ctx)
	if err != nil {
		return err
	}
	reqs, err := cat.Requirements(p.Version, cat.ProgramOverlays(p, m.Services)...)
	if err != nil {
		return err
	}
	stop, err := cpuprof.Start(profile)
	if err != nil {
		return err
	}
	defer stop()
	at := time.Now().UTC().Truncate(time.Microsecond)
	from := at.AddDate(-years, 0, 0)
	for range runs {
		cpu0, t0 := cpu(), time.Now()
		in, err := readiness.LoadFrame(ctx, st, reqs, at)
		if err != nil {
			return err
		}
		if err := readiness.PerService(&in, cat); err != nil {
			return err
		}
		r, err := readiness.StatusOver(ctx, st, in, from, at)
		if err != nil {
			return err
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Printf("%-40s %7.3f s wall %7.3f s CPU  %d controls, heap in use %d MB, from the OS %d MB\n", fmt.Sprintf("readiness over %d years, in process", years),
			time.Since(t0).Seconds(), (cpu() - cpu0).Seconds(), len(r.Controls), ms.HeapInuse>>20, ms.Sys>>20)
	}
	return nil
}

// reads are the statements timed, by label. Both read the whole table.
var reads = []struct{ label, query string }{
	{"GROUP BY through the Go driver", `SELECT control_id, COUNT(*), MAX(effective_from) FROM evidence_controls GROUP BY control_id`},
	{"every row, judged columns, Go driver", `SELECT control_id, evidence_id, effective_from, effective_to, received_at, verdict, ledger_idx
		FROM evidence_controls ORDER BY control_id, effective_from, evidence_id`},
}

func run(ctx context.Context, dsn string, runs int) error {
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Now: func() time.Time { return time.Now().UTC() }})
	if err != nil {
		return err
	}
	defer st.Close()
	for _, r := range reads {
		best, bestCPU, n := time.Duration(0), time.Duration(0), 0
		for range runs {
			cpu0, t0 := cpu(), time.Now()
			err := st.Read(ctx, func(tx *sqlstore.Tx) error {
				var err error
				n, err = drain(ctx, tx, r.query)
				return err
			})
			if err != nil {
				return fmt.Errorf("%s: %w", r.label, err)
			}
			if d := time.Since(t0); best == 0 || d < best {
				best, bestCPU = d, cpu()-cpu0
			}
		}
		fmt.Printf("%-40s %7.3f s wall %7.3f s CPU  %d rows\n", r.label, best.Seconds(), bestCPU.Seconds(), n)
	}
	return nil
}

// drain reads every row of q into reused buffers and counts them.
func drain(ctx context.Context, tx *sqlstore.Tx, q string) (int, error) {
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	buf := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range buf {
		dest[i] = &buf[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// cpu is the user and system time this process has used.
func cpu() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
