package main

import (
	"bytes"
	"slices"
	"strings"
	"time"

	types "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/oscal"
	"github.com/evidenthq/evident/internal/readiness"
)

// oscalSubs are `evident oscal`'s subcommands.
var oscalSubs = []sub{
	{"export", "write the catalog, SSP, assessment results or POA&M as OSCAL JSON", oscalExport},
}

// oscalExport writes one OSCAL document to stdout or --out. KIND is the
// first argument (canonical) or --kind; the document speaks for --at
// (default now), so the same store and --at give the same bytes.
func oscalExport(a *app, args []string) error {
	fs := a.flags("oscal export")
	kindFlag := fs.String("kind", "", "the document: "+strings.Join(oscal.Kinds, ", ")+" (or give it as the first argument)")
	out := fs.String("out", "", "write to this `file` instead of stdout")
	version := fs.String("version", "", "catalog: the standard's `version` (default: the program's, or the latest)")
	atFlag := fs.String("at", "", "the `time` the document speaks for (RFC 3339 or a date; default now)")
	fromFlag := fs.String("from", "", "assessment-results: the assessed period's first instant (default a year before --at)")
	toFlag := fs.String("to", "", "assessment-results: the period's end, exclusive (default --at)")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	kind, err := oscalKind(pos, *kindFlag)
	if err != nil {
		return err
	}
	at, err := atTime(a, *atFlag)
	if err != nil {
		return err
	}
	var doc *types.OscalModels
	switch kind {
	case "catalog":
		doc, err = oscalCatalog(a, *version, at)
	case "ssp":
		doc, err = oscalSSP(a, at)
	default:
		doc, err = oscalAssessment(a, kind, at, *fromFlag, *toFlag)
	}
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := oscal.Write(&buf, doc); err != nil {
		return err
	}
	if *out == "" {
		_, err := a.stdout.Write(buf.Bytes())
		return err
	}
	if err := writeFileAtomic(*out, buf.Bytes()); err != nil {
		return evident.ErrorAt(evident.EINVALID, "--out", "%v", unwrapPath(err))
	}
	if !a.json {
		a.out("Wrote the OSCAL %s %s (%s) to %s.\n", oscal.Version, kind, count(buf.Len(), "byte", "bytes"), *out)
	}
	return nil
}

// oscalKind reads KIND from the argument or --kind; both may be given
// only if they agree.
func oscalKind(pos []string, flag string) (string, error) {
	if len(pos) > 1 {
		return "", evident.Errorf(evident.EINVALID, "oscal export: one KIND, got %s", strings.Join(pos, " "))
	}
	kind := flag
	if len(pos) == 1 {
		if flag != "" && flag != pos[0] {
			return "", evident.ErrorAt(evident.EINVALID, "--kind", "%q disagrees with the argument %q", flag, pos[0])
		}
		kind = pos[0]
	}
	if kind == "" {
		return "", evident.Errorf(evident.EINVALID, "oscal export: give KIND: %s", strings.Join(oscal.Kinds, ", "))
	}
	if !slices.Contains(oscal.Kinds, kind) {
		return "", evident.Errorf(evident.EINVALID, "oscal export: unknown kind %q: want %s", kind, strings.Join(oscal.Kinds, ", "))
	}
	return kind, nil
}

// oscalCatalog is the catalog of a version: --version, else the
// program's when there is one, else the latest.
func oscalCatalog(a *app, version string, at time.Time) (*types.OscalModels, error) {
	cat, err := catalog.Load()
	if err != nil {
		return nil, err
	}
	var overlays []string
	if version == "" {
		version = cat.Latest()
		if st, err := a.openStore(); err == nil {
			p, perr := st.Program(a.ctx)
			st.Close()
			if perr == nil && p.Version != "" {
				version, overlays = p.Version, p.Overlays
			}
		}
	}
	reqs, err := cat.Requirements(version, overlays...)
	if err != nil {
		return nil, evident.ErrorAt(evident.EINVALID, "--version", "%s", evident.ErrorMessage(err))
	}
	title := "ETSI EN 319 401 V" + version
	if len(overlays) > 0 {
		title += " + " + strings.Join(overlays, " + ")
	}
	return oscal.Catalog(oscal.Meta{Title: title, Version: version, At: at}, reqs), nil
}

// oscalSSP is the program's system security plan with each requirement's
// readiness at at.
func oscalSSP(a *app, at time.Time) (*types.OscalModels, error) {
	in, err := a.readinessInput(at, time.Time{}, true)
	if err != nil {
		return nil, err
	}
	rep := readiness.Status(in, time.Time{}, time.Time{})
	ready := map[string]evident.Readiness{}
	for _, q := range rep.Requirements {
		ready[q.Requirement] = q.State
	}
	m := in.Model
	meta := oscal.Meta{Title: m.Program.Name + " system security plan", Version: at.UTC().Format("2006-01-02"), At: at}
	// The plan imports the catalog `oscal export catalog` writes for the
	// program's version, by that catalog's stable UUID.
	href := "#" + oscal.ID("catalog", string(m.Program.Standard)+" V"+m.Program.Version)
	return oscal.SSP(meta, oscal.Plan{Model: m, Requirements: in.Requirements, Readiness: ready, Catalog: href}), nil
}

// oscalAssessment is the assessment results or the POA&M over a period:
// readiness per requirement as observations, failing requirements and
// open gaps as findings and POA&M items.
func oscalAssessment(a *app, kind string, at time.Time, fromS, toS string) (*types.OscalModels, error) {
	if fromS == "" {
		fromS = evident.UTC(at.AddDate(-1, 0, 0))
	}
	from, to, err := statusRange(fromS, toS, at)
	if err != nil {
		return nil, err
	}
	in, err := a.readinessInput(at, from, true)
	if err != nil {
		return nil, err
	}
	rep := readiness.Status(in, from, to)
	results, findings := oscal.FromReadiness(rep)
	// The assessors' own findings of the engagements over the period: the
	// nonconformities and observations a CAB raised, as they stand at at.
	st, err := a.openStore()
	if err != nil {
		return nil, err
	}
	engagements, err := st.EngagementsFor(a.ctx, from, to)
	st.Close()
	if err != nil {
		return nil, err
	}
	var assessed []evident.Finding
	var engagement *evident.Engagement
	for i, e := range engagements {
		if engagement == nil {
			engagement = &engagements[i] // the latest period first
		}
		for _, f := range in.Findings {
			if f.Engagement == e.ID {
				assessed = append(assessed, f)
			}
		}
	}
	theirs := oscal.FromFindings(assessed, at)
	meta := oscal.Meta{Version: at.UTC().Format("2006-01-02"), At: at}
	if kind == "poam" {
		meta.Title = rep.Program + " plan of action and milestones"
		return oscal.POAM(meta, rep.Program, append(theirs, findings...))
	}
	meta.Title = rep.Program + " assessment results"
	as := oscal.Assessment{ID: rep.Program + "/" + evident.UTC(from) + "/" + evident.UTC(to), Title: "Readiness of " + rep.Program + " from " + stamp(from) + " to " + stamp(to),
		From: from, To: to, Assessor: a.actor}
	if engagement != nil {
		as.ID = engagement.ID
		as.Title = string(engagement.Kind) + " assessment of " + rep.Program + " by " + engagement.CAB + " from " + stamp(engagement.From) + " to " + stamp(engagement.To)
		as.From, as.To, as.Body, as.Assessor = engagement.From, engagement.To, engagement.CAB, engagement.Lead
	}
	return oscal.AssessmentResults(meta, as, results, theirs), nil
}
