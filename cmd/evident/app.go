package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/hsm"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// app is what every subcommand gets: the process's streams and environment
// and the global flags. Nothing here is package-level, so tests run many
// commands side by side.
type app struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	now    func() time.Time

	data  string // --data / EVIDENT_DATA
	db    string // --db / EVIDENT_DB
	blobs string // --blobs / EVIDENT_BLOBS
	actor string // --actor / EVIDENT_ACTOR
	json  bool   // --json

	// signer is the token signer EVIDENT_SIGNER names, opened once by
	// the first command step that needs it and closed when run returns.
	signer *hsm.Signer
	// wrapBlobs, when set, wraps the blob store as it is opened (serve
	// counts its errors for /metrics).
	wrapBlobs func(blob.Store) blob.Store

	// onFlags, when set, sees the flag set a command parses with; help
	// and completion read a command's flags through it (flagsOf).
	onFlags func(*flag.FlagSet)
}

// command is one command: its one-line summary for `evident help` and
// either the function that runs it with the arguments after its name, or,
// for a group such as `evident evidence`, its subcommands.
type command struct {
	summary string
	run     func(a *app, args []string) error
	subs    []sub
	// also are subcommands of a command that also runs by itself
	// (`evident tasks` and `evident tasks except`): named first, they run
	// instead of the command, and help and completion list them.
	also []sub
}

// commands lists every subcommand. DESIGN.md fixes the names; docs and
// acceptance checks use them, so they are extended, never renamed.
func commands() map[string]command {
	return map[string]command{
		"init":       {summary: "create the data directory, signing key and catalogs", run: cmdInit},
		"serve":      {summary: "run the web UI, the API and the scheduler", run: cmdServe},
		"version":    {summary: "print the version of this binary and how it was built", run: cmdVersion},
		"catalog":    {summary: "list, show and diff the standards catalog", subs: catalogSubs},
		"plan":       {summary: "show what applying a program directory would change", run: cmdPlan},
		"apply":      {summary: "apply a program directory (YAML) in one transaction", run: cmdApply},
		"export":     {summary: "write the program out as YAML", run: cmdExport},
		"list":       {summary: "list objects of a kind (services, risks, controls, ...)", run: cmdList},
		"show":       {summary: "show one object of a kind", run: cmdShow},
		"gaps":       {summary: "report what the program is missing", run: cmdGaps},
		"evidence":   {summary: "add, list and show evidence records", subs: evidenceSubs},
		"import":     {summary: "parse real tool output into evidence with a verdict", run: cmdImport},
		"log":        {summary: "print the audit trail", run: cmdLog},
		"checkpoint": {summary: "print the current signed checkpoint", run: cmdCheckpoint},
		"verify":     {summary: "verify the whole store; exit 1 on any failure", run: cmdVerify},
		"status":     {summary: "readiness per requirement and clause, now or --at T", run: cmdStatus},
		"tasks":      {summary: "what is due or overdue", run: cmdTasks, also: tasksSubs},
		"calendar":   {summary: "write the tasks as an iCalendar feed", run: cmdCalendar},
		"change":     {summary: "record changes to systems and services", subs: changeSubs},
		"revocation": {summary: "record revocation requests and check CRLs against their clocks", subs: revocationSubs},
		"issuance":   {summary: "record time-stamp issuance stops and check TSU clock samples", subs: issuanceSubs},
		"retention":  {summary: "evidence retention: plan, apply (deletes expired blobs), legal holds", subs: retentionSubs},
		"incident":   {summary: "open and work incidents against their clocks", subs: incidentSubs},
		"engagement": {summary: "record assessments by a conformity assessment body", subs: engagementSubs},
		"request":    {summary: "assessors' requests for evidence and their answers", subs: requestSubs},
		"finding":    {summary: "nonconformities and observations, worked to closure", subs: findingSubs},
		"pack":       {summary: "export and verify the assessor's evidence pack", subs: packSubs},
		"oscal":      {summary: "export the catalog, SSP, assessment results or POA&M as OSCAL", subs: oscalSubs},
		"user":       {summary: "manage users, roles and API tokens", subs: userSubs},
		"review":     {summary: "list, accept and reject submissions awaiting review", subs: reviewSubs},
		"approve":    {summary: "approve or reject a policy version, acceptance, exception, deviation, treatment or SoA", run: cmdApprove},
		"help":       {summary: "print the usage of evident or of one command", run: cmdHelp},
		"completion": {summary: "print a shell completion script (bash, zsh or fish)", run: cmdCompletion},
		"witness":    {summary: "run a C2SP witness that cosigns only consistent checkpoints", subs: witnessSubs},
		"key":        {summary: "rotate the ledger signing key, or replace a lost one with the recovery key", subs: keySubs},
		"blobs":      {summary: "move the evidence blob store (to S3-compatible storage), checked and resumable", subs: blobsSubs},
	}
}

// run is the whole program behind main. It returns the exit code: 0 success,
// 1 a check failed (or an internal error), 2 usage or bad input.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, now: time.Now}
	defer a.closeSigner()
	err := a.dispatch(args)
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "evident: %s\n", evident.ErrorMessage(err))
	return exitCode(err)
}

// exitCode is the one table from error codes to exit codes.
func exitCode(err error) int {
	switch evident.ErrorCode(err) {
	case "":
		return 0
	case evident.EINVALID, evident.ENOTFOUND, evident.ECONFLICT, evident.EUNAUTHORIZED, evident.EFORBIDDEN, evident.EREFUSED:
		return 2
	default: // EFAILED, EINTERNAL
		return 1
	}
}

func (a *app) dispatch(args []string) error {
	// Global flags may come before the subcommand as well as after it.
	fs := a.flags("evident")
	rest, err := parseUntilCommand(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		a.usage(a.stderr)
		return evident.Errorf(evident.EINVALID, "no command given")
	}
	cmds := commands()
	c, ok := cmds[rest[0]]
	if !ok {
		return evident.Errorf(evident.EINVALID, "unknown command %q (run `evident help` for the list)", rest[0])
	}
	if rest[0] != "serve" {
		// Writes from the command line record who ran it beside --actor;
		// the server's writes are made by signed-in logins and tokens.
		a.ctx = sqlstore.WithOriginOf(a.ctx, a.origin)
	}
	if c.subs != nil {
		return a.runGroup(rest[0], c.subs, rest[1:])
	}
	if len(rest) > 1 {
		for _, s := range c.also {
			if s.name == rest[1] {
				return s.run(a, rest[2:])
			}
		}
	}
	return c.run(a, rest[1:])
}

func (a *app) usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: evident [--data DIR] [--db URL] [--blobs URL] [--actor NAME] [--json] COMMAND [ARGS]")
	fmt.Fprintln(w, "\nCommands:")
	cmds := commands()
	for _, n := range sortedKeys(cmds) {
		fmt.Fprintf(w, "  %-11s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun `evident help COMMAND` or `evident COMMAND -h` for a command's subcommands and flags.")
}

// flags returns a flag set for a command with the global flags already on
// it, so `evident init --data X` and `evident --data X init` both work.
func (a *app) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if a.data == "" {
		a.data = firstNonEmpty(a.getenv("EVIDENT_DATA"), "evident-data")
	}
	if a.db == "" {
		a.db = a.getenv("EVIDENT_DB")
	}
	if a.blobs == "" {
		a.blobs = a.getenv("EVIDENT_BLOBS")
	}
	if a.actor == "" {
		a.actor = firstNonEmpty(a.getenv("EVIDENT_ACTOR"), defaultActor(a.getenv))
	}
	fs.StringVar(&a.data, "data", a.data, "data `directory` (EVIDENT_DATA)")
	fs.StringVar(&a.db, "db", a.db, "database `URL`: a postgres:// URL, or a SQLite file (default DATA/evident.db) (EVIDENT_DB)")
	fs.StringVar(&a.blobs, "blobs", a.blobs, "blob store `URL` (default DATA/blobs) (EVIDENT_BLOBS)")
	fs.StringVar(&a.actor, "actor", a.actor, "who is acting, recorded with every write (EVIDENT_ACTOR)")
	fs.BoolVar(&a.json, "json", a.json, "print JSON for machines")
	return fs
}

// parse parses args for a subcommand, allowing flags after positional
// arguments (`evident evidence add FILE --control C`). Usage errors are
// EINVALID so they exit 2; -h prints the flags and exits 0.
func (a *app) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				if a.onFlags != nil {
					a.onFlags(fs)
				}
				printFlagUsage(a.stdout, fs)
				return nil, err
			}
			return nil, evident.Errorf(evident.EINVALID, "%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseUntilCommand parses global flags up to the first non-flag argument.
func parseUntilCommand(fs *flag.FlagSet, args []string) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return []string{"help"}, nil
		}
		return nil, evident.Errorf(evident.EINVALID, "%v", err)
	}
	return fs.Args(), nil
}

// dsn is the database to open: --db, or the SQLite file in the data dir.
func (a *app) dsn() string {
	if a.db != "" {
		return a.db
	}
	return filepath.Join(a.data, "evident.db")
}

// openStore opens the program's store. It refuses a data directory that
// was never initialised, naming it, rather than creating an empty database
// in the wrong place.
func (a *app) openStore() (*sqlstore.Store, error) {
	if a.db == "" {
		if _, err := os.Stat(a.dsn()); err != nil {
			return nil, evident.Errorf(evident.EINVALID, "no program in data directory %q: run `evident init` first, or pass --data", a.data)
		}
	}
	st, err := sqlstore.Open(a.ctx, a.dsn(), sqlstore.Options{Now: a.now})
	if err != nil {
		return nil, err
	}
	// Every write that appends to the ledger is signed in its own
	// transaction; without a readable key such writes are refused, reads
	// still work.
	signer, _, err := a.ledgerKeys()
	if err != nil && a.getenv(signerEnv) != "" {
		// A signer configured wrongly is refused outright; one that is
		// configured but cannot sign now comes back as a signer that
		// refuses writes (see ledgerTokenKeys).
		st.Close()
		return nil, err
	}
	if err != nil {
		signer = nil
	}
	st.SetSigner(signer)
	return st, nil
}

// out prints human text; commands use it for their default output.
func (a *app) out(format string, args ...any) {
	fmt.Fprintf(a.stdout, format, args...)
}

func defaultActor(getenv func(string) string) string {
	user := firstNonEmpty(getenv("USER"), getenv("LOGNAME"), "user")
	host, err := os.Hostname()
	if err != nil || host == "" {
		return user
	}
	return user + "@" + host
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}

// origin is "cli:USER@HOST", the operating-system account and host the
// command runs as, recorded in every ledger leaf it writes.
func (a *app) origin() string {
	name := a.getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	host, _ := os.Hostname()
	return "cli:" + evident.Display(firstNonEmpty(name, "unknown")) + "@" + evident.Display(firstNonEmpty(host, "unknown"))
}
