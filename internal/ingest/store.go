package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/importer"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Leaf limits: a derived record's detail lives in a ledger leaf, which has
// a size bound; the full result is in the derived blob.
const (
	maxKeysPerCriterion = 20
	maxDeltaKeys        = 50
	maxScopeHosts       = 100
)

// mediaTypes are the raw files' media types by format.
var mediaTypes = map[string]string{
	"nmap": "application/xml", "openscap": "application/xml", "tsr": "application/timestamp-reply",
	"lynis": "text/plain", "chrony": "text/plain", "sarif": "application/sarif+json",
}

// prepare names the file as received (st, staged while it was parsed) and
// stages the full result with its verdict, the bytes the derived record's
// digest covers.
func (c *Checked) prepare(ctx context.Context, b blob.Batch, st staged) error {
	o := c.opt
	eff := o.Effective
	if eff.From.IsZero() && !c.Result.Time.IsZero() {
		eff = evident.Effective{From: c.Result.Time.UTC()}
	}
	mt := mediaTypes[c.Result.Format]
	if mt == "" {
		mt = "application/json"
	}
	raw := evident.Evidence{Kind: evident.RawEvidence, MediaType: mt, Filename: o.Filename, Actor: o.Actor, Effective: eff,
		Systems: o.Systems, About: []string{"control/" + c.control.ID},
		Source: evident.EvidenceSource{Tool: c.Result.Tool, Version: c.Result.ToolVersion, Importer: c.Result.Format}}
	if c.system != "" {
		raw.About = append(raw.About, "system/"+c.system)
	}
	raw.Digest, raw.Size = st.digest, st.size
	drv := raw
	drv.Kind, drv.MediaType, drv.About = evident.DerivedEvidence, "application/json", nil
	drv.Controls = []string{c.control.ID}
	drv.Systems = c.covered(o.Systems)
	drv.Filename = o.Filename + ".verdict.json"
	drv.Verdict = evident.VerdictFail
	if c.Verdict.Pass {
		drv.Verdict = evident.VerdictPass
	}
	var err error
	if drv.Digest, drv.Size, err = c.putDerived(ctx, b); err != nil {
		return err
	}
	c.raw, c.drv = raw, drv
	return nil
}

// putDerived stages the derived blob as it is written, so its JSON is
// never held whole.
func (c *Checked) putDerived(ctx context.Context, b blob.Batch) (evident.Digest, int64, error) {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := encodeDerived(pw, derivedBlob{c.Result, c.Verdict, c.Defaulted, c.Target})
		pw.CloseWithError(err)
		done <- err
	}()
	dg, n, err := b.Put(ctx, pr)
	pr.CloseWithError(errStopped) // a Put that stopped early unblocks the writer
	werr := <-done
	switch {
	case werr != nil && !errors.Is(werr, errStopped):
		return dg, 0, fmt.Errorf("derived blob: %w", werr)
	case err != nil:
		return dg, 0, err
	}
	return dg, n, nil
}

// errStopped ends the writing of a derived blob whose staging stopped.
var errStopped = errors.New("staging the derived blob stopped")

// covered is what the derived record speaks for: a window judged per
// system reads its systems with its verdict. With a scope, it is every
// system the run reached at least one host of, at the version the caller
// named or else the program's; the detail's scope lists, per system,
// which of its hosts the run checked, and period evaluation counts the
// record for those hosts only, so a system is satisfied once the passing
// runs of a window together checked all of its hosts. Hosts the run
// missed are coverage, not a failed verdict: they leave their system's
// window unsatisfied and do not fail the hosts that were checked. A system
// whose version nobody knows cannot be named (a record names
// NAME@VERSION) and appears only in the detail. Without a scope (the
// systems list no hosts), the caller's systems stand, with the control's
// system the target names, which nothing in the output can contradict.
func (c *Checked) covered(named []evident.SystemVersion) []evident.SystemVersion {
	version := func(id string) string {
		for _, n := range named {
			if n.Name == id {
				return n.Version
			}
		}
		return c.versions[id]
	}
	var ids []string
	out := []evident.SystemVersion{}
	if cv := c.Result.Scope; cv != nil {
		ids = slices.Sorted(maps.Keys(hostsBySystem(cv.Reached)))
	} else {
		out = slices.Clone(named)
		if c.system != "" && slices.Contains(c.control.Systems, c.system) && version(c.system) != "" &&
			!slices.ContainsFunc(named, func(sv evident.SystemVersion) bool { return sv.Name == c.system }) {
			ids = []string{c.system}
		}
	}
	for _, id := range ids {
		if v := version(id); v != "" {
			out = append(out, evident.SystemVersion{Name: id, Version: v})
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Store writes the raw record, the derived verdict record, the import run
// and the vulnerabilities of a failed verdict in one transaction, then
// signs a checkpoint covering them. When it returns an error none of the
// records exist.
func (c *Checked) Store(ctx context.Context, l *ledger.Ledger) (Outcome, error) {
	out, err := c.store(ctx, l)
	if err != nil {
		return Outcome{}, err
	}
	_, err = l.Checkpoint(ctx)
	return out, err
}

// StoreAll stores each file in its own transaction, in order, and signs one
// checkpoint covering all of them: a checkpoint per file would cost a
// durable write per file for nothing an assessor needs. On an error the
// files before the failing one are stored (and covered by the checkpoint),
// the failing one and those after it are not; the error names the file.
func StoreAll(ctx context.Context, l *ledger.Ledger, cs []*Checked, progress func(i int)) ([]Outcome, error) {
	outs := make([]Outcome, 0, len(cs))
	var err error
	for i, c := range cs {
		if progress != nil {
			progress(i)
		}
		var out Outcome
		if out, err = c.store(ctx, l); err != nil {
			break
		}
		outs = append(outs, out)
	}
	if len(outs) > 0 {
		if _, cerr := l.Checkpoint(ctx); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return outs, err
	}
	return outs, nil
}

func (c *Checked) store(ctx context.Context, l *ledger.Ledger) (Outcome, error) {
	out := Outcome{Filename: c.opt.Filename, Control: c.control.ID, Target: c.Target, Format: c.Result.Format,
		Verdict: c.Verdict, Defaulted: c.Defaulted, Metrics: c.Result.Metrics, Scope: c.Result.Scope}
	err := l.Store().Write(ctx, func(tx *sqlstore.Tx) error {
		raw, drv := c.raw, c.drv
		raw.ID = evident.NewID(tx.Now)
		drv.ID = evident.NewID(tx.Now)
		drv.DerivedFrom = []string{raw.ID}
		run := sqlstore.ImportRun{Control: c.control.ID, Target: c.Target, Format: c.Result.Format, Tool: c.Result.Tool,
			ToolVersion: c.Result.ToolVersion, Pass: c.Verdict.Pass, Defaulted: c.Defaulted, Metrics: c.Result.Metrics,
			Actor: c.opt.Actor}
		run.ID = evident.NewID(tx.Now)
		// The previous run's findings are read as the compare walks them,
		// a part at a time: a scan's are tens of megabytes.
		prev, open, err := tx.PreviousImportStream(ctx, c.control.ID, c.Target)
		switch {
		case err == nil:
			if out.Delta, err = importer.CompareStored(open, c.Result); err != nil {
				return fmt.Errorf("import run %s: %w", prev.ID, err)
			}
			run.PreviousID = prev.ID
		case evident.ErrorCode(err) == evident.ENOTFOUND:
			out.Delta, out.First = importer.Compare(nil, c.Result), true
		default:
			return err
		}
		run.Appeared, run.Gone = keys(out.Delta.Appeared, -1), keys(out.Delta.Gone, -1)
		if drv.Detail, err = c.detail(run, out.Delta); err != nil {
			return err
		}
		evs := []evident.Evidence{raw, drv}
		if err := tx.InsertEvidence(ctx, evs); err != nil {
			return err
		}
		out.Raw, out.Derived = evs[0], evs[1]
		run.RawID, run.VerdictID, run.EffectiveAt = evs[0].ID, evs[1].ID, evs[1].Effective.From
		// The run's findings are the result's, as the derived blob holds
		// them (json.Marshal's bytes), encoded as they are stored.
		if err := tx.InsertImportRunFrom(ctx, &run, newFindingsReader(c.Result.Findings)); err != nil {
			return err
		}
		out.Run, out.RunID = run, run.ID
		out.Vulnerabilities, err = c.openVulnerabilities(ctx, tx)
		return err
	})
	if err != nil {
		return Outcome{}, fileErr(c.opt.Filename, err)
	}
	return out, nil
}

// detail is the derived record's leaf summary: enough to read the verdict
// from the ledger alone, bounded so it fits a leaf.
func (c *Checked) detail(run sqlstore.ImportRun, d importer.Delta) ([]byte, error) {
	type failed struct {
		Criterion string   `json:"criterion"`
		Actual    float64  `json:"actual"`
		Findings  []string `json:"findings,omitempty"`
	}
	v := struct {
		Import    string             `json:"import"`
		Format    string             `json:"format"`
		Target    string             `json:"target,omitempty"`
		Criteria  []string           `json:"criteria"`
		Defaulted bool               `json:"defaulted,omitempty"`
		Metrics   map[string]float64 `json:"metrics"`
		Failed    []failed           `json:"failed,omitempty"`
		Errors    []string           `json:"errors,omitempty"`
		Previous  string             `json:"previous,omitempty"`
		Appeared  []string           `json:"appeared,omitempty"`
		Gone      []string           `json:"gone,omitempty"`
		Scope     *scopeDetail       `json:"scope,omitempty"`
	}{Import: run.ID, Format: c.Result.Format, Target: c.Target, Defaulted: c.Defaulted, Metrics: c.Result.Metrics,
		Errors: c.Verdict.Errors, Previous: run.PreviousID, Appeared: keys(d.Appeared, maxDeltaKeys), Gone: keys(d.Gone, maxDeltaKeys),
		Scope: c.scopeDetail()}
	for _, cr := range c.Verdict.Criteria {
		v.Criteria = append(v.Criteria, cr.String())
	}
	for _, f := range c.Verdict.Failed {
		v.Failed = append(v.Failed, failed{f.Criterion.String(), f.Actual, failedKeys(f.Findings, maxKeysPerCriterion)})
	}
	return json.Marshal(v)
}

// scopeDetail is the coverage part of a derived record's leaf: which
// in-scope hosts the run checked, per system, and which it missed, read
// by the per-(window, system) judgement of a control's windows (Hosts is
// evident.Occurrence.Hosts, see evident.DetailHosts). Lists of hosts are
// bounded to fit a leaf; the derived blob holds them all. A system whose
// checked hosts were cut short is judged on those listed, so the bound can
// leave a window unsatisfied, never satisfy one.
type scopeDetail struct {
	Checked     []string             `json:"checked"`
	CheckedMore int                  `json:"checked_more,omitempty"` // hosts checked beyond those listed
	Missing     []importer.ScopeHost `json:"missing"`
	MissingMore int                  `json:"missing_more,omitempty"`
	// Hosts maps each system the run reached to its in-scope hosts the
	// run checked.
	Hosts          map[string][]string `json:"hosts"`
	HostsMore      int                 `json:"hosts_more,omitempty"`
	SystemsCovered []string            `json:"systems_covered"`
	SystemsMissing []string            `json:"systems_missing"`
	// CheckedPass is the verdict leaving out a criterion the control
	// states on scope.missing.
	CheckedPass bool `json:"checked_pass"`
	Asserted    bool `json:"asserted,omitempty"` // the importer's caller named the host
}

func (c *Checked) scopeDetail() *scopeDetail {
	cv := c.Result.Scope
	if cv == nil {
		return nil
	}
	d := &scopeDetail{Checked: cv.Checked, Missing: cv.Missing, SystemsCovered: cv.SystemsCovered,
		SystemsMissing: cv.SystemsMissing, CheckedPass: c.Verdict.CheckedPass, Asserted: cv.Asserted}
	if n := len(d.Checked) - maxScopeHosts; n > 0 {
		d.Checked, d.CheckedMore = d.Checked[:maxScopeHosts], n
	}
	if n := len(d.Missing) - maxScopeHosts; n > 0 {
		d.Missing, d.MissingMore = d.Missing[:maxScopeHosts], n
	}
	reached := cv.Reached
	if n := len(reached) - maxScopeHosts; n > 0 {
		reached, d.HostsMore = reached[:maxScopeHosts], n
	}
	d.Hosts = hostsBySystem(reached)
	return d
}

// hostsBySystem groups in-scope hosts by their system.
func hostsBySystem(hs []importer.ScopeHost) map[string][]string {
	out := map[string][]string{}
	for _, h := range hs {
		out[h.System] = append(out[h.System], h.Host)
	}
	return out
}

// openVulnerabilities registers each critical finding behind a failed
// criterion as a vulnerability, once per finding across imports, so its
// 48-hour clock (REQ-7.9.2-09) runs from the scan. Certificate lints are
// profile defects, not vulnerabilities, and open none.
func (c *Checked) openVulnerabilities(ctx context.Context, tx *sqlstore.Tx) ([]evident.Incident, error) {
	if c.Verdict.Pass || c.Result.Format == "zlint" {
		return nil, nil
	}
	seen := map[string]bool{}
	var out []evident.Incident
	for _, fc := range c.Verdict.Failed {
		for _, f := range fc.Findings {
			if f.Severity != "critical" || seen[f.Key] {
				continue
			}
			seen[f.Key] = true
			vf := evident.VulnerabilityFinding{Key: c.Result.Format + ":" + f.Key, Title: title(*f), Summary: f.Detail,
				Severity: evident.SeverityCritical, DiscoveredAt: c.discovered(tx.Now), Reporter: "importer:" + c.Result.Format}
			if c.system != "" {
				vf.Systems = []string{c.system}
			}
			inc, _, err := tx.OpenVulnerability(ctx, vf, c.opt.Actor)
			if err != nil {
				return nil, err
			}
			out = append(out, inc)
		}
	}
	return out, nil
}

// discovered is when the scan found the finding: the tool's time, unless
// it is missing or claims the future.
func (c *Checked) discovered(now time.Time) time.Time {
	t := c.Result.Time
	if t.IsZero() || t.After(now) {
		return now
	}
	return t
}

func title(f importer.Finding) string {
	switch {
	case f.Rule != "" && f.Title != "" && !strings.HasPrefix(f.Title, f.Rule):
		return f.Rule + ": " + f.Title
	case f.Title != "":
		return f.Title
	case f.Rule != "":
		return f.Rule + " on " + f.Target
	}
	return f.Key
}

// keys lists the findings' keys, at most limit of them (all when < 0).
func keys(fs []importer.Finding, limit int) []string {
	return firstKeys(len(fs), func(i int) string { return fs[i].Key }, limit)
}

// failedKeys is keys of the findings behind a failed criterion.
func failedKeys(fs []*importer.Finding, limit int) []string {
	return firstKeys(len(fs), func(i int) string { return fs[i].Key }, limit)
}

// firstKeys is the keys of the first n findings, key(i) the i-th's, at
// most limit of them (all when < 0); never nil, so a list is "[]".
func firstKeys(n int, key func(int) string, limit int) []string {
	if limit >= 0 {
		n = min(n, limit)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = key(i)
	}
	return out
}
