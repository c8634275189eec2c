// Command cadencegen fills a store with a program of many controls and a
// long evidence history, for the status and tasks benchmark
// (bench/cadence.sh). Controls mix every cadence kind; evidence arrives
// day by day with its receipt a few hours after the activity, and about
// 3 % of days are skipped so there are gaps to find, and 1 % of checks fail.
// A quarter of the controls are verified by import (each record an
// importer's verdict, pass or fail), the rest by attestation (submissions
// awaiting a second person's review), so status takes both paths a
// typical program's controls take. Records of a control scoped to a
// system name it, so their systems are read as well.
//
// Evidence rows are written straight into the evidence tables, in large
// transactions, without ledger leaves or blobs: status and tasks read only
// the evidence tables and their indexes, and building a Merkle tree of a
// million leaves is the ledger benchmark's business, not this one's.
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/sqlstore"
)

func main() {
	dsn := flag.String("dsn", "", "store to fill: a SQLite file or a postgres:// URL (must not hold a program yet)")
	controls := flag.Int("controls", 500, "number of controls")
	records := flag.Int("records", 1_000_000, "number of evidence records")
	years := flag.Int("years", 5, "years of history, ending now")
	flag.Parse()
	if *dsn == "" {
		log.Fatal("cadencegen: -dsn is required")
	}
	if err := run(context.Background(), *dsn, *controls, *records, *years); err != nil {
		log.Fatal(err)
	}
}

// clock is the store's clock, moved along as history is written.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func run(ctx context.Context, dsn string, nControls, nRecords, years int) error {
	end := time.Now().UTC().Truncate(24 * time.Hour)
	start := end.AddDate(-years, 0, 0)
	clk := &clock{t: start}
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Now: clk.now})
	if err != nil {
		return err
	}
	defer st.Close()
	cat, err := catalog.Load()
	if err != nil {
		return err
	}
	reqs, err := cat.Requirements("3.2.1")
	if err != nil {
		return err
	}
	if _, err := st.SyncCatalog(ctx, reqs); err != nil {
		return err
	}
	if err := st.CreateProgram(ctx, evident.Program{Name: "Benchmark TSP", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "bench"}); err != nil {
		return err
	}
	ctls := program(reqs, nControls)
	err = st.Write(ctx, func(tx *sqlstore.Tx) error {
		for _, p := range []evident.Person{{ID: "ciso", Name: "CISO", ManagementBody: true}, {ID: "ops", Name: "Operations"}} {
			if err := tx.PutObject(ctx, sqlstore.People, p.ID, p, "bench"); err != nil {
				return err
			}
		}
		if err := tx.PutObject(ctx, sqlstore.Systems, "ca-issuing", evident.System{ID: "ca-issuing", Name: "Issuing CA", Kind: evident.SystemTrustworthy, Version: "1"}, "bench"); err != nil {
			return err
		}
		for _, c := range ctls {
			if err := tx.PutObject(ctx, sqlstore.Controls, c.ID, c, "bench"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	g := &gen{st: st, clk: clk, rng: rand.New(rand.NewPCG(1, 2)), imported: map[string]bool{}, systems: map[string][]evident.SystemVersion{}}
	for _, c := range ctls {
		g.imported[c.ID] = c.Method.Kind == evident.MethodImport
		for _, s := range c.Systems {
			g.systems[c.ID] = append(g.systems[c.ID], evident.SystemVersion{Name: s, Version: "1"})
		}
	}
	if err := g.history(ctx, ctls, start, end, nRecords); err != nil {
		return err
	}
	fmt.Printf("cadencegen: %d controls, %d evidence records from %s to %s\n", len(ctls), g.n, start.Format("2006-01-02"), end.Format("2006-01-02"))
	return nil
}

// program returns n controls cycling through the catalog's requirements:
// half continuous (the daily checks that make up most evidence), the rest
// weekly, monthly, quarterly, annual, annual rolling and post-change.
func program(reqs []evident.Requirement, n int) []evident.Control {
	cadences := []string{"weekly", "monthly", "quarterly", "annual", "annual rolling", "post-change"}
	out := make([]evident.Control, n)
	for i := range out {
		name := "continuous"
		if i%2 == 1 {
			name = cadences[(i/2)%len(cadences)]
		}
		cad, _ := evident.ParseCadence(name)
		owner := "ops"
		if i%3 == 0 {
			owner = "ciso"
		}
		method := evident.VerificationMethod{Kind: evident.MethodAttestation}
		if i%4 == 0 {
			method = evident.VerificationMethod{Kind: evident.MethodImport, Format: "chrony"}
		}
		c := evident.Control{ID: fmt.Sprintf("ctl-%03d", i), Title: fmt.Sprintf("Control %d (%s)", i, name), Owner: owner,
			Requirements: []evident.RequirementRef{reqs[i%len(reqs)].Ref()}, Cadence: cad, Method: method}
		if i%10 == 0 {
			c.Systems = []string{"ca-issuing"}
		}
		out[i] = c
	}
	return out
}

type gen struct {
	st  *sqlstore.Store
	clk *clock
	rng *rand.Rand
	n   int
	buf []row
	// imported are the controls verified by import.
	imported map[string]bool
	// systems are the systems each control is scoped to, which its
	// records name.
	systems map[string][]evident.SystemVersion
}

type row struct {
	control   string
	effective time.Time
	failed    bool
}

// perDay is how many records a control produces on an ordinary day, so
// that the total comes to about nRecords: the daily controls carry the
// volume, the others follow their cadence.
func (g *gen) history(ctx context.Context, ctls []evident.Control, start, end time.Time, nRecords int) error {
	days := int(end.Sub(start).Hours() / 24)
	var daily []evident.Control
	for _, c := range ctls {
		if c.Cadence.Kind == evident.CadenceContinuous {
			daily = append(daily, c)
		}
	}
	others := 0
	for _, c := range ctls {
		if c.Cadence.Kind == evident.CadencePeriodic && !c.Cadence.Rolling {
			others += days / max(1, approxDays(c.Cadence))
		}
	}
	perDaily := float64(nRecords-others) / float64(len(daily)*days) / 0.97
	for d := 0; d < days && g.n < nRecords; d++ {
		day := start.AddDate(0, 0, d)
		for _, c := range ctls {
			k := 0
			switch {
			case c.Cadence.Kind == evident.CadenceContinuous:
				k = int(perDaily)
				if g.rng.Float64() < perDaily-float64(k) {
					k++
				}
			case c.Cadence.Kind == evident.CadencePostChange:
			case c.Cadence.Window(start, day).Start.Equal(day) || c.Cadence.Rolling && d%360 == 10:
				k = 1
			}
			if g.rng.Float64() < 0.03 {
				k = 0 // a skipped day: a gap to find
			}
			for j := 0; j < k && g.n+len(g.buf) < nRecords; j++ {
				eff := day.Add(time.Duration(g.rng.IntN(20*3600)) * time.Second)
				g.buf = append(g.buf, row{control: c.ID, effective: eff, failed: g.rng.Float64() < 0.01})
			}
		}
		if len(g.buf) >= 20000 || d == days-1 || g.n+len(g.buf) >= nRecords {
			// Everything effective up to the end of this day was received
			// by the start of the next one.
			g.clk.t = day.AddDate(0, 0, 1).Add(time.Hour)
			if err := g.flush(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

func approxDays(c evident.Cadence) int {
	switch c.Unit {
	case evident.UnitWeek:
		return 7 * c.Every
	case evident.UnitMonth:
		return 30 * c.Every
	case evident.UnitYear:
		return 365 * c.Every
	}
	return c.Every
}

// flush writes the buffered records in one transaction, as multi-row
// inserts of the same columns sqlstore.InsertEvidence writes.
func (g *gen) flush(ctx context.Context) error {
	rows := g.buf
	g.buf = nil
	return g.st.Write(ctx, func(tx *sqlstore.Tx) error {
		for len(rows) > 0 {
			n := min(len(rows), 400)
			if err := g.insert(ctx, tx, rows[:n]); err != nil {
				return err
			}
			rows = rows[n:]
		}
		return nil
	})
}

// belowLeaves puts the generated records' ledger indexes below every
// leaf, in the order they were generated: they have no leaves, so they
// read as history the ledger held before its first leaf. With indexes
// from 0 up they read as a million records appended after the first few
// leaves, and every report after a real write would take them all for
// new (sqlstore.LedgerSince).
const belowLeaves = 1 << 40

func (g *gen) insert(ctx context.Context, tx *sqlstore.Tx, rows []row) error {
	var ev, ec []string
	var evArgs, ecArgs []any
	for _, r := range rows {
		id := evident.NewID(tx.Now)
		dg := evident.Digest(sha256.Sum256([]byte(id)))
		e := evident.Evidence{ID: id, Kind: evident.RawEvidence, Digest: dg, Size: 2048, MediaType: "text/plain", Filename: "chrony.txt",
			Actor: "collector:bench", ReceivedAt: tx.Now, Effective: evident.Effective{From: r.effective}, Controls: []string{r.control}, Systems: g.systems[r.control],
			Source: evident.EvidenceSource{Tool: "chronyc", Host: "ca1"}}
		verdict := any(nil)
		switch {
		case r.failed:
			e.Kind, e.Verdict, e.DerivedFrom = evident.DerivedEvidence, evident.VerdictFail, []string{id}
			verdict = string(evident.VerdictFail)
		case g.imported[r.control]:
			e.Kind, e.Verdict, e.DerivedFrom = evident.DerivedEvidence, evident.VerdictPass, []string{id}
			verdict = string(evident.VerdictPass)
		}
		rec, err := e.Record()
		if err != nil {
			return err
		}
		ev = append(ev, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)")
		evArgs = append(evArgs, id, g.n-belowLeaves, string(e.Kind), dg.String(), e.Size, e.MediaType, e.Filename, e.Actor,
			sqlstore.TS(tx.Now), sqlstore.TS(r.effective), verdict, string(rec.Body))
		ec = append(ec, "(?, ?, ?, ?, ?, NULL, ?, ?)")
		ecArgs = append(ecArgs, r.control, sqlstore.TS(r.effective), sqlstore.TS(r.effective.Add(time.Microsecond)), id, sqlstore.TS(tx.Now), verdict, g.n-belowLeaves)
		g.n++
	}
	if _, err := tx.Exec(ctx, `INSERT INTO evidence (id, ledger_idx, kind, digest, size, media_type, filename, actor, received_at, effective_from, effective_to, supersedes, verdict, body) VALUES `+strings.Join(ev, ", "), evArgs...); err != nil {
		return fmt.Errorf("insert evidence: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO evidence_controls (control_id, effective_from, effective_end, evidence_id, received_at, effective_to, verdict, ledger_idx) VALUES `+strings.Join(ec, ", "), ecArgs...); err != nil {
		return fmt.Errorf("insert evidence_controls: %w", err)
	}
	return nil
}
