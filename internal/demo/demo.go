// Package demo fills a fresh store with the example program and a year of
// generated history: evidence for every control at its cadence (with the
// gaps, failures and late windows a real year has), significant changes
// and the work they open, and incidents whose regulatory clocks are met,
// missed or still running. `evident serve --demo` shows it.
//
// Everything goes through the same code as real use (program apply, the
// ledger, the incident register), with the store's clock moved along the
// year, so receipt times, checkpoints and the audit trail look as they
// would after a year of operation, and every record verifies.
package demo

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/program"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Clock is the store's clock during generation; Generate moves it along
// the year. The store and ledger must have been opened with Clock.Now.
type Clock struct{ T time.Time }

// Now returns the clock's instant.
func (c *Clock) Now() time.Time { return c.T }

// Options is what Generate needs.
type Options struct {
	Store   *sqlstore.Store
	Ledger  *ledger.Ledger
	Catalog *catalog.Catalog
	Clock   *Clock
	// Program is the example program directory (examples/qtsp).
	Program fs.FS
	// End is the real present: history runs for a year up to it.
	End time.Time
	// Seed makes the generated history repeatable; 0 picks one.
	Seed uint64
}

// User is a demo login.
type User struct {
	Role     evident.UserRole
	Name     string
	Password string
}

// actor writes the program and the history in the audit trail.
const actor = "demo"

// Generate applies the example program as of a year before End and writes
// the year's history, then leaves the clock at End. It returns the demo
// logins, one per role.
func Generate(ctx context.Context, opt Options) ([]User, error) {
	seed := opt.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	g := &gen{opt: opt, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), end: opt.End.UTC()}
	g.start = g.end.AddDate(-1, 0, 0).Truncate(24 * time.Hour)
	var err error
	if g.tsa, err = loadTSATrust(); err != nil {
		return nil, err
	}
	opt.Clock.T = g.start
	if err := g.program(ctx); err != nil {
		return nil, err
	}
	users, err := g.users(ctx)
	if err != nil {
		return nil, err
	}
	if err := g.approveClaims(ctx); err != nil {
		return nil, err
	}
	if err := g.history(ctx); err != nil {
		return nil, err
	}
	if err := g.assessment(ctx); err != nil {
		return nil, err
	}
	opt.Clock.T = g.end
	if _, err := opt.Ledger.Checkpoint(ctx); err != nil {
		return nil, err
	}
	return users, nil
}

// gen carries the generation state.
type gen struct {
	opt        Options
	rnd        *rand.Rand
	start, end time.Time
	model      *evident.Model
	tsa        tsaTrust
	// last is each control's latest check of the year; rejected is set
	// once the demo's one rejection is made (review.go).
	last     map[string]time.Time
	rejected bool
}

// program copies the example out of the binary and applies it.
func (g *gen) program(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "evident-demo-program-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.CopyFS(dir, g.opt.Program); err != nil {
		return err
	}
	m, err := program.Load(filepath.Clean(dir), g.opt.Catalog)
	if err != nil {
		return err
	}
	if _, err := program.Apply(ctx, g.opt.Store, m, actor); err != nil {
		return err
	}
	g.model, err = g.opt.Store.Model(ctx)
	return err
}

// users creates one user per role with a fresh random password each.
func (g *gen) users(ctx context.Context) ([]User, error) {
	owned := []string{}
	for _, id := range []string{"clock-sync-daily", "vuln-scan-quarterly", "mfa-enforcement-monthly", "tls-config-monthly"} {
		if g.model.ControlByID(id) != nil {
			owned = append(owned, id)
		}
	}
	specs := []evident.User{
		{Name: "admin", DisplayName: "Ada Admin", Role: evident.RoleAdmin},
		{Name: "carla", DisplayName: "Carla Compliance", Role: evident.RoleComplianceManager},
		{Name: "omar", DisplayName: "Omar Operations", Role: evident.RoleControlOwner, Controls: owned},
		{Name: "mira", DisplayName: "Mira Management", Role: evident.RoleApprover},
		{Name: "asa", DisplayName: "Asa Assessor", Role: evident.RoleAssessor, PeriodFrom: g.start, PeriodTo: g.end.AddDate(0, 0, 1).Truncate(24 * time.Hour)},
	}
	var out []User
	for _, u := range specs {
		pw := password()
		hash, err := auth.HashPassword(pw)
		if err != nil {
			return nil, err
		}
		if err := g.opt.Store.CreateUser(ctx, u, hash, actor); err != nil {
			return nil, err
		}
		out = append(out, User{Role: u.Role, Name: u.Name, Password: pw})
	}
	return out, nil
}

// password is 16 random hex digits: printed once, good for this run only.
func password() string {
	var b [8]byte
	crand.Read(b[:])
	return "demo-" + hex.EncodeToString(b[:])
}
