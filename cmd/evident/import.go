package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/collect"
	"github.com/evidenthq/evident/internal/importer"
	"github.com/evidenthq/evident/internal/ingest"
)

// cmdImport parses tool output into evidence with a verdict. Every file is
// read, parsed and judged before any record is written: one unreadable or
// hostile file refuses the whole command (exit 2) and stores nothing, so a
// batch is never half imported because its fifth file was truncated. Each
// file is then stored in its own transaction. A failing verdict is a
// successful import (exit 0): the evidence of the failure is what the
// program needs.
func cmdImport(a *app, args []string) error {
	fs := a.flags("import")
	control := fs.String("control", "", "control `ID` the output is evidence for (required)")
	target := fs.String("target", "", "what was checked: a system id or name, or a host (default: the tool's own target)")
	period := fs.String("period", "", "period covered: 2026, 2026-Q3, 2026-07, 2026-W49, 2026-07-01 or FROM/TO")
	effective := fs.String("effective", "", "instant the output speaks for, RFC 3339 (default: the tool's time, else now)")
	var systems listFlag
	fs.Var(&systems, "system", "system `NAME@VERSION` the output speaks for (repeatable)")
	tsaRoots := fs.String("tsa-roots", "", "PEM `file` of the roots a time-stamp response must chain to")
	tsaCerts := fs.String("tsa-certs", "", "PEM `file` of the TSA certificate and intermediates, for responses without them")
	stamped := fs.String("stamped", "", "`file` the time-stamp response is said to cover")
	issuer := fs.String("issuer", "", "PEM `file` of the CA certificates that sign the CRLs or OCSP responses")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	format, files := splitFormat(pos)
	if len(files) == 0 {
		return evident.Errorf(evident.EINVALID, "import: name at least one FILE (formats: %s)", strings.Join(importer.Formats(), ", "))
	}
	if *control == "" {
		return evident.Errorf(evident.EINVALID, "import: --control is required")
	}
	opt := ingest.Options{Control: *control, Format: format, Target: *target, Actor: a.actor, Now: a.now()}
	if err := importOptions(&opt, *period, *effective, systems); err != nil {
		return err
	}
	if err := tsaOptions(&opt, *tsaRoots, *tsaCerts, *stamped); err != nil {
		return err
	}
	if *issuer != "" {
		b, err := os.ReadFile(*issuer)
		if err != nil {
			return evident.ErrorAt(evident.EINVALID, "--issuer", "%s: %v", *issuer, unwrapPath(err))
		}
		if opt.Issuers, err = importer.ParseCertsPEM(b); err != nil {
			return evident.ErrorAt(evident.EINVALID, "--issuer", "%s: %s", *issuer, evident.ErrorMessage(err))
		}
	}
	if err := regularFiles(files); err != nil {
		return err
	}
	l, st, err := a.openLedger()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := collect.ResolveImport(a.ctx, st, &opt, cliFlag); err != nil {
		return err
	}
	progress := a.progress()
	srcs := make([]ingest.Source, len(files))
	for i, f := range files {
		path := f
		srcs[i] = ingest.Source{Filename: filepath.Base(f), Open: func() (io.ReadCloser, error) { return os.Open(path) }}
	}
	checked, err := ingest.CheckAll(a.ctx, l, srcs, opt, func(i int) { progress("checking", i, len(files), files[i]) })
	if err != nil {
		progress("", 0, 0, "")
		return err
	}
	outs, err := ingest.StoreAll(a.ctx, l, checked, func(i int) { progress("storing", i, len(files), files[i]) })
	progress("", 0, 0, "")
	if err != nil && len(outs) == 0 {
		return err
	}
	// Files stored before a failure are reported, so the user knows
	// which ones not to import again.
	if a.json {
		if perr := a.printJSON(outs); perr != nil {
			return perr
		}
		return err
	}
	for _, o := range outs {
		printOutcome(a, o)
	}
	return err
}

// regularFiles checks every file before any is read, so a typo in the
// last name is reported at once.
func regularFiles(files []string) error {
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return evident.ErrorAt(evident.EINVALID, f, "cannot read: %v", unwrapPath(err))
		}
		if !fi.Mode().IsRegular() {
			return evident.ErrorAt(evident.EINVALID, f, "not a regular file")
		}
	}
	return nil
}

// splitFormat reads an optional leading FORMAT: a format name that is not
// also the name of an existing file.
func splitFormat(pos []string) (string, []string) {
	if len(pos) > 0 && slices.Contains(importer.Formats(), pos[0]) {
		if _, err := os.Stat(pos[0]); err != nil {
			return pos[0], pos[1:]
		}
	}
	return "", pos
}

func importOptions(o *ingest.Options, period, effective string, systems []string) error {
	if period != "" && effective != "" {
		return evident.Errorf(evident.EINVALID, "import: give --period or --effective, not both")
	}
	var err error
	if period != "" {
		if o.Effective, err = evident.ParseEffectivePeriod(period); err != nil {
			return evident.ErrorAt(evident.EINVALID, "--period", "%s", evident.ErrorMessage(err))
		}
	}
	if effective != "" {
		t, err := evident.ParseTime(effective)
		if err != nil {
			return evident.ErrorAt(evident.EINVALID, "--effective", "%s", evident.ErrorMessage(err))
		}
		o.Effective = evident.Effective{From: t}
	}
	for _, s := range systems {
		sv, err := evident.ParseSystemVersion(s)
		if err != nil {
			return evident.ErrorAt(evident.EINVALID, "--system", "%s", evident.ErrorMessage(err))
		}
		o.Systems = append(o.Systems, sv)
	}
	return nil
}

// tsaOptions reads the files a time-stamp response is checked with.
func tsaOptions(o *ingest.Options, roots, certs, stamped string) error {
	read := func(flag, path string) ([]byte, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, evident.ErrorAt(evident.EINVALID, flag, "%s: %v", path, unwrapPath(err))
		}
		return b, nil
	}
	if roots != "" {
		b, err := read("--tsa-roots", roots)
		if err != nil {
			return err
		}
		if o.TSARoots, err = importer.CertPoolPEM(b); err != nil {
			return evident.ErrorAt(evident.EINVALID, "--tsa-roots", "%s: %s", roots, evident.ErrorMessage(err))
		}
	}
	if certs != "" {
		b, err := read("--tsa-certs", certs)
		if err != nil {
			return err
		}
		if o.TSACerts, err = importer.ParseCertsPEM(b); err != nil {
			return evident.ErrorAt(evident.EINVALID, "--tsa-certs", "%s: %s", certs, evident.ErrorMessage(err))
		}
	}
	if stamped != "" {
		b, err := read("--stamped", stamped)
		if err != nil {
			return err
		}
		o.StampedData = b
	}
	return nil
}

// progress returns a reporter that redraws one status line on stderr when
// stderr is a terminal, and does nothing otherwise (logs and pipes get no
// carriage returns). An empty verb clears the line.
func (a *app) progress() func(verb string, i, n int, name string) {
	f, ok := a.stderr.(*os.File)
	if !ok {
		return func(string, int, int, string) {}
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return func(string, int, int, string) {}
	}
	return func(verb string, i, n int, name string) {
		if verb == "" {
			fmt.Fprint(f, "\r\033[K")
			return
		}
		fmt.Fprintf(f, "\r\033[K%s %d/%d %s", verb, i+1, n, filepath.Base(name))
	}
}

// printOutcome prints what one import recorded. A scan's outcome can
// name tens of thousands of findings, so the lines are buffered rather
// than written one system call each.
func printOutcome(a *app, o ingest.Outcome) {
	w := bufio.NewWriterSize(a.stdout, 64<<10)
	defer w.Flush()
	word := "FAIL"
	if o.Verdict.Pass {
		word = "pass"
	}
	target := o.Target
	if target == "" {
		target = "-"
	}
	fmt.Fprintf(w, "%s  %s  %s  control %s  target %s\n", word, o.Filename, o.Format, o.Control, target)
	if o.Defaulted {
		fmt.Fprintf(w, "  judged by the %s defaults (the control states no criteria): %s\n", o.Format, criteriaList(o.Verdict.Criteria))
	}
	for _, f := range o.Verdict.Failed {
		fmt.Fprintf(w, "  failed %s (got %g)\n", f.Criterion, f.Actual)
		for _, x := range f.Findings {
			w.WriteString("    ")
			w.WriteString(x.Severity)
			w.WriteString("  ")
			writeFindingLine(w, x)
		}
	}
	for _, e := range o.Verdict.Errors {
		fmt.Fprintf(w, "  not evaluated: %s\n", e)
	}
	if s := o.Scope; s != nil {
		fmt.Fprintf(w, "  scope: checked %d of %d in-scope hosts: %s\n", len(s.Reached), len(s.Reached)+len(s.Missing), hostList(s.Reached))
		if len(s.Missing) > 0 {
			// Coverage, not a failed check: those systems' windows wait
			// for a run that checks the hosts missed.
			fmt.Fprintf(w, "  not checked (their systems stay unsatisfied until a run checks them): %s\n", hostList(s.Missing))
		}
	}
	if o.First {
		fmt.Fprintf(w, "  first import for this control and target\n")
	} else {
		fmt.Fprintf(w, "  since the previous import: %d appeared, %d gone\n", len(o.Delta.Appeared), len(o.Delta.Gone))
		for i := range o.Delta.Appeared {
			w.WriteString("    appeared  ")
			writeFindingLine(w, &o.Delta.Appeared[i])
		}
		for i := range o.Delta.Gone {
			w.WriteString("    gone      ")
			writeFindingLine(w, &o.Delta.Gone[i])
		}
	}
	for _, v := range o.Vulnerabilities {
		fmt.Fprintf(w, "  vulnerability %s: %s\n", v.ID, v.Title)
	}
	fmt.Fprintf(w, "  evidence %s (leaf %d), verdict %s (leaf %d)\n", o.Raw.ID, o.Raw.LedgerIndex, o.Derived.ID, o.Derived.LedgerIndex)
}

// hostList names in-scope hosts with their systems for the scope lines,
// "none" for no host.
func hostList(hs []importer.ScopeHost) string {
	if len(hs) == 0 {
		return "none"
	}
	var out []string
	for _, h := range hs {
		out = append(out, h.System+" "+h.Host)
	}
	return strings.Join(out, ", ")
}

// writeFindingLine writes a finding's line: its key, then its title
// unless the key already says it, and a newline. A scan's outcome can
// list every finding under its failed criterion (60 000 lines for the
// bench's scan) and again as appeared: formatting each through fmt and
// a concatenated string was 2-3 % of the import's CPU.
func writeFindingLine(w *bufio.Writer, f *importer.Finding) {
	w.WriteString(f.Key)
	if f.Title != "" && !strings.Contains(f.Key, f.Title) {
		w.WriteString("  ")
		w.WriteString(f.Title)
	}
	w.WriteByte('\n')
}

func criteriaList(cs []evident.Criterion) string {
	var s []string
	for _, c := range cs {
		s = append(s, c.String())
	}
	return strings.Join(s, ", ")
}
