package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/collect"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// evidenceSubs are `evident evidence`'s subcommands.
var evidenceSubs = []sub{
	{"add", "add files as evidence for controls, requirements or systems", evidenceAdd},
	{"list", "list evidence records", evidenceList},
	{"show", "show one record with its inclusion proof", evidenceShow},
}

// listFlag collects a repeatable flag; commas also separate values, so
// `--control a,b` and `--control a --control b` mean the same.
type listFlag []string

// String implements flag.Value.
func (l *listFlag) String() string { return strings.Join(*l, ",") }

// Set implements flag.Value.
func (l *listFlag) Set(s string) error {
	*l = append(*l, splitList(s)...)
	return nil
}

// Group-commit limits: a batch is flushed and acknowledged after this many
// files or bytes. While one batch commits the next is read and sent, so a
// crash loses at most those two unacknowledged batches, and memory holds
// the records and small blobs of two batches at most.
const (
	batchFiles = 1000
	batchBytes = 256 << 20
)

func evidenceAdd(a *app, args []string) error {
	fs := a.flags("evidence add")
	var controls, reqs, services, systems, about listFlag
	fs.Var(&controls, "control", "control `ID` the evidence is for (repeatable)")
	fs.Var(&reqs, "req", "requirement `ID` (REQ-7.8-14 in the program's version, or EN319401@3.2.1:REQ-7.8-14) (repeatable)")
	fs.Var(&services, "service", "service `NAME` the evidence speaks for (repeatable)")
	fs.Var(&systems, "system", "system `NAME@VERSION` the evidence speaks for (repeatable)")
	fs.Var(&about, "about", "other object `KIND/ID`, such as incident/INC-7 or change/CHG-2 (repeatable)")
	period := fs.String("period", "", "period covered: 2026, 2026-Q3, 2026-07, 2026-W49, 2026-07-01 or FROM/TO")
	effective := fs.String("effective", "", "instant the evidence speaks for, RFC 3339 (default: now)")
	mediaType := fs.String("media-type", "", "media `type` (default: from the file name or content)")
	var src evident.EvidenceSource
	fs.StringVar(&src.Tool, "tool", "", "tool that produced the file")
	fs.StringVar(&src.Version, "tool-version", "", "version of the tool")
	fs.StringVar(&src.Host, "host", "", "host the tool ran on")
	fs.StringVar(&src.Command, "command", "", "command line that produced the file")
	performer := fs.String("performer", "", "who performed the activity, when not the uploader (a pen-test firm)")
	independent := fs.Bool("independent", false, "the performer is independent of the activity's owner")
	competence := fs.String("competence", "", "evidence `ID` of the performer's competence and independence")
	supersedes := fs.String("supersedes", "", "evidence `ID` this record corrects")
	batch := fs.Int("batch", batchFiles, "files per group commit: each batch is flushed once and then acknowledged")
	var sub submissionFlags
	sub.register(fs)
	files, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return evident.Errorf(evident.EINVALID, "evidence add: name at least one FILE")
	}
	if len(controls) == 0 {
		return evident.Errorf(evident.EINVALID, "evidence add: --control is required")
	}
	// Names are stored as typed and shown to every reader: bytes a
	// terminal would obey are refused here, not escaped later.
	for _, f := range files {
		if err := evident.CheckName("FILE "+evident.Display(f), filepath.Base(f)); err != nil {
			return err
		}
	}
	if err := evident.CheckName("--actor", a.actor); err != nil {
		return err
	}
	if *batch < 1 {
		return evident.ErrorAt(evident.EINVALID, "--batch", "want at least 1 file per batch")
	}
	if *period != "" && *effective != "" {
		return evident.Errorf(evident.EINVALID, "evidence add: give --period or --effective, not both")
	}
	in := ledger.EvidenceInput{Actor: a.actor, MediaType: *mediaType, Controls: controls, Services: services, About: about, Source: src, Supersedes: *supersedes}
	if *period != "" {
		if in.Effective, err = evident.ParseEffectivePeriod(*period); err != nil {
			return evident.ErrorAt(evident.EINVALID, "--period", "%s", evident.ErrorMessage(err))
		}
	}
	if *effective != "" {
		t, err := evident.ParseTime(*effective)
		if err != nil {
			return evident.ErrorAt(evident.EINVALID, "--effective", "%s", evident.ErrorMessage(err))
		}
		in.Effective = evident.Effective{From: t}
	}
	for _, s := range systems {
		sv, err := evident.ParseSystemVersion(s)
		if err != nil {
			return evident.ErrorAt(evident.EINVALID, "--system", "%s", evident.ErrorMessage(err))
		}
		in.Systems = append(in.Systems, sv)
	}
	if *performer != "" {
		in.Performer = &evident.EvidencePerformer{Name: *performer, Independent: *independent, Competence: *competence}
	} else if *independent || *competence != "" {
		return evident.Errorf(evident.EINVALID, "evidence add: --independent and --competence describe a --performer; name it")
	}
	// Check every file before storing any, so a typo in the last name does
	// not leave the first ones half-added.
	sizes := make([]int64, len(files))
	for i, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return evident.ErrorAt(evident.EINVALID, f, "cannot read: %v", unwrapPath(err))
		}
		if !fi.Mode().IsRegular() {
			return evident.ErrorAt(evident.EINVALID, f, "not a regular file")
		}
		sizes[i] = fi.Size()
	}
	l, st, err := a.openLedger()
	if err != nil {
		return err
	}
	defer st.Close()
	if len(reqs) > 0 {
		p, err := st.Program(a.ctx)
		if err != nil {
			return err
		}
		for _, r := range reqs {
			ref, err := evident.ParseRequirementRef(r, p.Standard, p.Version)
			if err != nil {
				return evident.ErrorAt(evident.EINVALID, "--req", "%s", evident.ErrorMessage(err))
			}
			in.Requirements = append(in.Requirements, ref)
		}
	}
	if in.Detail, err = a.submission(st, &sub, in); err != nil {
		return err
	}
	// Batches end after *batch files or batchBytes bytes, whichever
	// comes first; each is acknowledged (printed) once it is durable.
	items := make([]ledger.Item, len(files))
	var ends []int
	var bytes int64
	for i, f := range files {
		item := in
		item.Filename = filepath.Base(f)
		path := f
		items[i] = ledger.Item{Input: item, Open: func() (io.ReadCloser, error) { return os.Open(path) }}
		bytes += sizes[i]
		if i+1-last(ends) >= *batch || bytes >= batchBytes || i == len(files)-1 {
			ends = append(ends, i+1)
			bytes = 0
		}
	}
	var added []evident.Evidence
	err = collect.AddBatches(a.ctx, l, collect.Request{Items: items, Field: cliFlag, Now: st.Now()}, ends, func(res collect.Result) error {
		if !a.json {
			for _, o := range res.Imports {
				printOutcome(a, o)
			}
			if len(res.Imports) == 0 {
				for _, e := range res.Evidence {
					a.out("%s  sha256:%s  leaf %d  %s\n", e.ID, e.Digest, e.LedgerIndex, evident.Display(e.Filename))
				}
			}
		}
		added = append(added, res.Evidence...)
		return nil
	})
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(added)
	}
	return a.awaitingReview(st, in)
}

// last is the last of ends, or 0.
func last(ends []int) int {
	if len(ends) == 0 {
		return 0
	}
	return ends[len(ends)-1]
}

// cliFlag names a request field as the command line spells it, so an
// error about a name says which flag to fix.
func cliFlag(name string) string {
	if name == "requirement" {
		name = "req"
	}
	return "--" + name
}

// unwrapPath drops the repeated path from an *os.PathError's message.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func evidenceList(a *app, args []string) error {
	fs := a.flags("evidence list")
	control := fs.String("control", "", "only evidence for this control `ID`")
	req := fs.String("req", "", "only evidence for this requirement")
	since := fs.String("since", "", "only evidence received at or after this time")
	limit := fs.Int("limit", 0, "at most this many records (0: all)")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	f := sqlstore.EvidenceFilter{Control: *control, Limit: *limit}
	if *since != "" {
		if f.Since, err = evident.ParseTime(*since); err != nil {
			return evident.ErrorAt(evident.EINVALID, "--since", "%s", evident.ErrorMessage(err))
		}
	}
	if *req != "" {
		p, err := st.Program(a.ctx)
		if err != nil {
			return err
		}
		ref, err := evident.ParseRequirementRef(*req, p.Standard, p.Version)
		if err != nil {
			return evident.ErrorAt(evident.EINVALID, "--req", "%s", evident.ErrorMessage(err))
		}
		f.Requirement = ref.String()
	}
	evs, err := st.ListEvidence(a.ctx, f)
	if err != nil {
		return err
	}
	if a.json {
		if evs == nil {
			evs = []evident.Evidence{}
		}
		return a.printJSON(evs)
	}
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "LEAF\tID\tRECEIVED\tEFFECTIVE\tCONTROLS\tFILE\tSHA256")
	for _, e := range evs {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.LedgerIndex, e.ID, stamp(e.ReceivedAt), e.Effective,
			evident.Display(strings.Join(e.Controls, ",")), evident.Display(e.Filename), e.Digest.String()[:16])
	}
	return w.Flush()
}

func evidenceShow(a *app, args []string) error {
	fs := a.flags("evidence show")
	ids, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(ids) != 1 {
		return evident.Errorf(evident.EINVALID, "evidence show: want exactly one evidence ID")
	}
	l, st, err := a.openLedger()
	if err != nil {
		return err
	}
	defer st.Close()
	e, err := st.Evidence(a.ctx, ids[0])
	if err != nil {
		return err
	}
	p, err := l.Proof(a.ctx, e.LedgerIndex)
	if err != nil {
		return err
	}
	_, v, err := a.ledgerKeys()
	if err != nil {
		return err
	}
	if err := p.Check(v); err != nil {
		return err
	}
	if a.json {
		hashes := make([]string, len(p.Hashes))
		for i, h := range p.Hashes {
			hashes[i] = base64.StdEncoding.EncodeToString(h[:])
		}
		return a.printJSON(map[string]any{"evidence": e, "proof": map[string]any{
			"index": p.Index, "tree_size": p.Size, "leaf": string(p.Leaf), "hashes": hashes,
			"checkpoint": string(p.Checkpoint), "tlog_proof": string(p.Text()),
		}})
	}
	a.out("ID           %s\nKind         %s\nFile         %s (%s, %d bytes)\nSHA-256      %s\n", e.ID, e.Kind, evident.Display(e.Filename), evident.Display(e.MediaType), e.Size, e.Digest)
	a.out("Received     %s by %s\nEffective    %s\n", stamp(e.ReceivedAt), evident.Display(e.Actor), e.Effective)
	line := func(label string, xs []string) {
		if len(xs) > 0 {
			a.out("%-12s %s\n", label, evident.Display(strings.Join(xs, ", ")))
		}
	}
	var reqs, systems []string
	for _, r := range e.Requirements {
		reqs = append(reqs, r.String())
	}
	for _, s := range e.Systems {
		systems = append(systems, s.String())
	}
	line("Controls", e.Controls)
	line("Requirements", reqs)
	line("Services", e.Services)
	line("Systems", systems)
	line("About", e.About)
	if e.Source != (evident.EvidenceSource{}) {
		a.out("Source       %s %s on %s: %s\n", evident.Display(e.Source.Tool), evident.Display(e.Source.Version), evident.Display(e.Source.Host), evident.Display(e.Source.Command))
	}
	if e.Performer != nil {
		a.out("Performer    %s (independent: %t, competence: %s)\n", evident.Display(e.Performer.Name), e.Performer.Independent, evident.Display(e.Performer.Competence))
	}
	if e.Supersedes != "" {
		a.out("Supersedes   %s\n", e.Supersedes)
	}
	if err := a.printReview(st, e.ID); err != nil {
		return err
	}
	a.out("\nInclusion proof (verified against %s):\n%s", v.Name(), p.Text())
	return nil
}
