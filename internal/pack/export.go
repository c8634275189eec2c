package pack

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Source is what a pack is exported from: the ledger (store and blobs,
// with the signing key, which signs the final checkpoint and the
// manifest), the public key as text and the catalog.
type Source struct {
	Ledger  *ledger.Ledger
	Signer  note.Signer
	Key     string // the verifier key ("name+hash+base64"), written to trust/ledger.pub
	Catalog *catalog.Catalog
	// TSARoots is the PEM of the TSA trust anchors, copied to
	// trust/tsa-roots.pem so anchors can be checked offline. Optional.
	TSARoots []byte
}

// Options select what goes into a pack.
type Options struct {
	From, To time.Time // the period [From, To)
	Services []string  // empty: every service
	Actor    string    // who exported it
	Now      time.Time // the instant coverage is judged at; zero: time.Now
	// Progress, if set, is called with blob bytes written and the total.
	Progress func(done, total int64)
	// Previous, if set, is an earlier pack's final checkpoint (ReadHead):
	// the pack then carries the proof that its log extends it.
	Previous *Head
	// Engagement and Findings, when given, are written as the findings
	// register (registers/findings.json) and shown in the report.
	Engagement *Engagement
	Findings   []AssessmentFinding
	// rendered, if set, is given the index and registers as the derived
	// files were rendered from them, with the spooled evidence still
	// readable: the package's tests render them again from memory, as
	// they were before the evidence was spooled, and compare the bytes.
	rendered func(*exporter, *Index, *Registers, indexEvidence)
}

// Validate checks the options before anything is read.
func (o Options) Validate() error {
	switch {
	case o.From.IsZero():
		return evident.ErrorAt(evident.EINVALID, "--from", "missing: the period's first instant")
	case o.To.IsZero():
		return evident.ErrorAt(evident.EINVALID, "--to", "missing: the instant the period ends (exclusive)")
	case !o.To.After(o.From):
		return evident.ErrorAt(evident.EINVALID, "--to", "%s is not after --from %s", evident.UTC(o.To), evident.UTC(o.From))
	}
	return nil
}

// copyBuf is the buffer blobs are copied through. 64 KiB rather than
// 1 MiB: the kernel copies a write's bytes from the buffer into the page
// cache, and a buffer that still sits in the CPU cache from the read
// before it halves the system time of that copy (1 GiB written in 1 MiB
// writes cost 3-4 s of system CPU, in 64 KiB writes 1.5-2 s, on the
// machine of docs/PERFORMANCE.md). Few enough system calls either way.
const copyBuf = 64 << 10

// exporter carries the state of one export.
type exporter struct {
	src   Source
	opt   Options
	zw    *zipWriter
	man   *Manifest
	model *evident.Model
	// scope is the selected services, nil for all.
	scope map[string]bool
	// blobs lists each digest to copy and its size, on disk.
	blobs *blobList
	// items are the manifest's items, on disk; counts counts them.
	items  *itemSpool
	counts Counts
	// ranged is the part of the period's range of leaves read so far:
	// each of them is in the pack (or redacted). seen holds the other
	// leaves looked at, of which there are few.
	ranged Range
	seen   map[int64]bool
	// refs are the evidence items in full under each control, for the
	// index, on disk; latest is each control's latest result, read from
	// them when the index is built.
	refs   *refSpool
	latest map[string]string
	// windowIDs are the evidence the windows count, sorted, and inPack
	// marks those added to the pack so far: the evidence of the windows
	// received outside the period is looked up for the rest only.
	windowIDs   []string
	inPack      []bool
	manifestSHA string
	// approvables, approvals and changes are read in the export's
	// snapshot for the registers.
	approvables []evident.Approvable
	approvals   evident.Approvals
	changes     []evident.Change
}

// Export writes a pack for the period to w and returns its manifest,
// without its items (Counts counts them; they are in the pack). It
// streams: blobs are copied from the blob store one at a time and never
// held in memory, so memory does not grow with the size of the pack; the
// manifest's items, the index's evidence under each control and the list
// of blobs go to temporary files as they are read, and the derived files
// read them back a control at a time, so memory does not grow with the
// number of items either (what still does: the windows' lists of the
// evidence they count, which are in the manifest, and evidence received
// outside the period's range). Readiness is read a few controls at a time
// (readiness.StatusEach), so only those controls' histories are held at
// once, never every record of the period. The ledger must be able to
// sign (the final checkpoint and the manifest signature need the key).
func Export(ctx context.Context, src Source, opt Options, w io.Writer) (*Manifest, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if src.Signer == nil {
		return nil, evident.Errorf(evident.EINVALID, "pack export signs the manifest with the ledger key: the signing key is not readable")
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	opt.Now = opt.Now.UTC()
	st := src.Ledger.Store()
	m, err := st.Model(ctx)
	if err != nil {
		return nil, err
	}
	e := &exporter{src: src, opt: opt, model: m, seen: map[int64]bool{}}
	if err := e.setScope(); err != nil {
		return nil, err
	}
	reqs, err := src.Catalog.Requirements(m.Program.Version, src.Catalog.ProgramOverlays(m.Program, m.Services)...)
	if err != nil {
		return nil, err
	}
	cov, j, err := e.judge(ctx, reqs)
	if err != nil {
		return nil, err
	}
	// Sign a checkpoint covering everything readiness saw (audit records
	// are not checkpointed as they are written), so every item has a proof.
	if _, err := src.Ledger.Checkpoint(ctx); err != nil {
		return nil, err
	}
	e.man = e.newManifest(m)
	if e.items, err = newItemSpool(); err != nil {
		return nil, err
	}
	defer e.items.close()
	if e.refs, err = newRefSpool(); err != nil {
		return nil, err
	}
	defer e.refs.close()
	if e.blobs, err = newBlobList(); err != nil {
		return nil, err
	}
	defer e.blobs.close()
	e.man.Coverage = cov
	e.noteWindowEvidence()
	if e.zw, err = newZipWriter(w); err != nil {
		return nil, err
	}
	defer e.zw.remove()
	incidents, err := st.Incidents(ctx, sqlstore.IncidentFilter{})
	if err != nil {
		return nil, err
	}
	if err := st.Read(ctx, func(tx *sqlstore.Tx) error { return e.collect(ctx, tx) }); err != nil {
		return nil, err
	}
	if err := e.documents(ctx); err != nil {
		return nil, err
	}
	// The index is built and rendered while the blobs are copied; neither
	// changes what the other reads.
	type result struct {
		rs  []rendered
		err error
	}
	derived := make(chan result, 1)
	go func() {
		ix, err := buildIndex(e, j, reqs, incidents)
		if err != nil {
			derived <- result{nil, err}
			return
		}
		rs, err := e.renderDerived(ix, e.refs.evidence())
		derived <- result{rs, err}
	}()
	err = e.writeBlobs(ctx)
	r := <-derived
	if err != nil || r.err != nil {
		removeRendered(r.rs)
		return nil, errors.Join(err, r.err)
	}
	if err := e.writeRendered(r.rs); err != nil {
		return nil, err
	}
	if err := e.writeManifest(); err != nil {
		return nil, err
	}
	if err := e.zw.Close(); err != nil {
		return nil, fmt.Errorf("finish pack: %w", err)
	}
	e.man.Counts = &e.counts
	return e.man, e.audit(ctx)
}

// ExportRecordKind is the audit-trail record of an export: who was given
// which pack (by the SHA-256 of its manifest), for which period and scope.
const ExportRecordKind = "pack.export"

type exportBody struct {
	From           string   `json:"from"`
	To             string   `json:"to"`
	Services       []string `json:"services"`
	Items          int      `json:"items"`
	FinalSize      int64    `json:"final_size"`
	ManifestSHA256 string   `json:"manifest_sha256"`
}

// audit records the export in the ledger and signs a checkpoint over it,
// so the next pack shows this one was handed out.
func (e *exporter) audit(ctx context.Context) error {
	actor := e.opt.Actor
	if actor == "" {
		actor = "system:pack"
	}
	body := exportBody{From: evident.UTC(e.man.Period.From), To: evident.UTC(e.man.Period.To), Services: e.man.Scope.Services,
		Items: e.counts.Items, FinalSize: e.man.Final.Size, ManifestSHA256: e.manifestSHA}
	err := e.src.Ledger.Store().Write(ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.Audit(ctx, ExportRecordKind, e.man.ID, actor, body)
		return err
	})
	if err != nil {
		return fmt.Errorf("record the export in the audit trail: %w", err)
	}
	_, err = e.src.Ledger.Checkpoint(ctx)
	return err
}

// setScope checks the --services names against the program.
func (e *exporter) setScope() error {
	if len(e.opt.Services) == 0 {
		return nil
	}
	e.scope = map[string]bool{}
	for _, s := range e.opt.Services {
		if e.model.ServiceByID(s) == nil {
			var known []string
			for _, x := range e.model.Services {
				known = append(known, x.ID)
			}
			return evident.ErrorAt(evident.EINVALID, "--services", "no service %q in the program (services: %s)", s, strings.Join(known, ", "))
		}
		e.scope[s] = true
	}
	return nil
}

func (e *exporter) newManifest(m *evident.Model) *Manifest {
	p := m.Program
	man := &Manifest{
		Format: Format, ID: evident.NewID(e.opt.Now), CreatedAt: e.opt.Now, CreatedBy: e.opt.Actor,
		Program: Program{Name: p.Name, LegalName: p.LegalName, Country: p.Country, SupervisoryBody: p.SupervisoryBody,
			Standard: string(p.Standard), Version: p.Version, Overlays: e.src.Catalog.ProgramOverlays(p, m.Services)},
		Scope:  Scope{All: e.scope == nil, Services: []string{}},
		Period: Period{From: e.opt.From.UTC(), To: e.opt.To.UTC()},
		Origin: e.src.Signer.Name(), Key: e.src.Key,
		Items: []Item{}, Checkpoints: []Checkpoint{}, Consistency: []Consistency{}, Files: map[string]string{},
	}
	for _, s := range m.Services {
		if e.scope == nil || e.scope[s.ID] {
			man.Scope.Services = append(man.Scope.Services, s.ID)
		}
	}
	return man
}

// controlInScope reports whether a control speaks for a selected service:
// controls scoped to no service are program-wide and always in.
func (e *exporter) controlInScope(c *evident.Control) bool {
	if e.scope == nil || len(c.Services) == 0 {
		return true
	}
	for _, s := range c.Services {
		if e.scope[s] {
			return true
		}
	}
	return false
}

// evidenceInScope reports whether evidence speaks for a selected service,
// directly or through one of its controls.
func (e *exporter) evidenceInScope(ev evident.Evidence) bool {
	if e.scope == nil {
		return true
	}
	for _, s := range ev.Services {
		if e.scope[s] {
			return true
		}
	}
	for _, id := range ev.Controls {
		if c := e.model.ControlByID(id); c != nil && e.controlInScope(c) {
			return true
		}
	}
	return len(ev.Services) == 0 && len(ev.Controls) == 0
}

// judge reads the program's readiness a few controls at a time
// (readiness.StatusEach): each in-scope control's windows over the period,
// with the evidence each counts, for the manifest's coverage, and the
// program's gaps, readiness over the period and exceptions for the index.
// Memory is bounded by a batch of controls' histories, not every record
// of the period. Each control's evidence is read back a year before the
// period, so the first window, which may start before it, sees all its
// evidence.
func (e *exporter) judge(ctx context.Context, reqs []evident.Requirement) ([]Coverage, judged, error) {
	st := e.src.Ledger.Store()
	in, err := readiness.LoadFrame(ctx, st, reqs, e.opt.Now)
	if err != nil {
		return nil, judged{}, err
	}
	if err := readiness.PerService(&in, e.src.Catalog); err != nil {
		return nil, judged{}, err
	}
	// Readiness over the period ends at the instant at the latest; a
	// period not begun by then is not scored.
	from, to, rerr := readiness.Range(in.At, e.opt.From, e.opt.To, time.Time{}, time.Time{})
	if rerr != nil {
		from, to = time.Time{}, time.Time{}
	}
	byID := map[string]Coverage{}
	rep, err := readiness.StatusEach(ctx, st, in, from, to, e.opt.From.AddDate(-1, 0, 0), func(c evident.Control, ci readiness.ControlInput) error {
		if ec := e.model.ControlByID(c.ID); ec != nil && e.controlInScope(ec) {
			byID[c.ID] = e.coverageOf(ec, ci)
		}
		return nil
	})
	if err != nil {
		return nil, judged{}, err
	}
	out := []Coverage{}
	for i := range e.model.Controls {
		c := &e.model.Controls[i]
		if !e.controlInScope(c) {
			continue
		}
		cv, ok := byID[c.ID]
		if !ok {
			// A control the program as it stood at the instant does
			// not have: judged with no schedule, as the input has none.
			cv = e.coverageOf(c, readiness.ControlInput{})
		}
		out = append(out, cv)
	}
	j := judged{gaps: readiness.GapsAt(in, rep), ready: map[string]evident.Readiness{}, exceptions: in.Exceptions}
	if rerr == nil {
		j.scored, j.score = true, rep.Score
		for _, q := range rep.Requirements {
			j.ready[q.Requirement] = q.State
		}
	}
	return out, j, nil
}

// coverageOf judges control c's windows over the period from its input.
func (e *exporter) coverageOf(c *evident.Control, ci readiness.ControlInput) Coverage {
	ps := ci.Schedule.Evaluate(ci.History, e.opt.From, e.opt.To, e.opt.Now)
	cov := evident.Cover(ps, e.opt.From, e.opt.To)
	cv := Coverage{Control: c.ID, Cadence: ci.Schedule.Cadence.String(), Needs: max(ci.Schedule.Needs, 1),
		Expected: cov.Expected, Found: cov.Found, Windows: []Window{}, Reviewed: c.NeedsReview(),
		Schedule: factsOf(ci.Schedule, ci.History, c.AcceptancesNeeded())}
	for _, p := range ps {
		cv.Windows = append(cv.Windows, windowOf(p))
	}
	return cv
}

// page is how many leaves are read at a time.
const page = 2000

// collect reads, in one snapshot, the final checkpoint, every leaf of the
// period with its inclusion proof, the evidence of the period received
// outside it, and the period's checkpoints with their consistency proofs.
func (e *exporter) collect(ctx context.Context, tx *sqlstore.Tx) error {
	final, err := tx.LatestCheckpoint(ctx)
	if err != nil {
		return err
	}
	e.man.Final = Final{Size: final.Size, Root: base64.StdEncoding.EncodeToString(final.Root[:]), Note: string(final.Note)}
	first, end, err := tx.LeafRange(ctx, e.opt.From, e.opt.To)
	if err != nil {
		return err
	}
	end = min(end, final.Size)
	first = min(first, end)
	e.man.Records = Range{First: first, End: end}
	e.ranged = Range{First: first, End: first}
	pr := &prover{ctx: ctx, tx: tx, final: final}
	for from := first; from < end; from += page {
		leaves, err := tx.LedgerLeaves(ctx, from, min(from+page, end))
		if err != nil {
			return err
		}
		if err := pr.prefetch(from, min(from+page, end)); err != nil {
			return err
		}
		for _, lf := range leaves {
			if err := e.addLeaf(pr, lf, true); err != nil {
				return err
			}
			e.ranged.End = lf.Index + 1
		}
	}
	if err := e.outsideEvidence(ctx, tx, pr, first, end); err != nil {
		return err
	}
	if err := e.acceptances(ctx, tx, pr); err != nil {
		return err
	}
	if err := e.scheduleLeaves(ctx, tx, pr); err != nil {
		return err
	}
	keySizes, err := e.keyLeaves(ctx, tx, pr)
	if err != nil {
		return err
	}
	if err := e.approvalFacts(ctx, tx, pr); err != nil {
		return err
	}
	if err := e.boundaries(ctx, tx, pr); err != nil {
		return err
	}
	if e.opt.Previous != nil {
		if err := e.previous(pr); err != nil {
			return err
		}
	}
	return e.checkpoints(ctx, tx, pr, keySizes)
}

// outsideEvidence adds evidence effective in the period (or counted for a
// window of it) that was received before or after the period.
func (e *exporter) outsideEvidence(ctx context.Context, tx *sqlstore.Tx, pr *prover, first, end int64) error {
	var evs []evident.Evidence
	// Over every window, which may begin before the period and end after
	// it: Verify recomputes every window from the leaves in the pack.
	from, to := e.windowsSpan()
	span := sqlstore.EvidenceFilter{From: from, To: to}
	if first > 0 {
		f := span
		f.BeforeIndex = first
		got, err := tx.ListEvidence(ctx, f)
		if err != nil {
			return err
		}
		evs = append(evs, got...)
	}
	f := span
	f.AfterIndex = end - 1
	got, err := tx.ListEvidence(ctx, f)
	if err != nil {
		return err
	}
	evs = append(evs, got...)
	period := evident.Effective{From: span.From, To: span.To}
	want := map[string]bool{}
	for _, ev := range evs {
		if overlaps(ev.Effective, period) {
			want[ev.ID] = true
		}
	}
	for i, id := range e.windowIDs {
		if !e.inPack[i] {
			want[id] = true
		}
	}
	e.windowIDs, e.inPack = nil, nil
	for _, id := range slices.Sorted(mapsKeys(want)) {
		ev, err := tx.Evidence(ctx, id)
		if err != nil {
			return err
		}
		if (ev.LedgerIndex >= first && ev.LedgerIndex < end) || ev.LedgerIndex >= pr.final.Size || !e.evidenceInScope(ev) {
			continue
		}
		leaves, err := tx.LedgerLeaves(ctx, ev.LedgerIndex, ev.LedgerIndex+1)
		if err != nil {
			return err
		}
		if len(leaves) != 1 {
			return evident.Errorf(evident.EFAILED, "evidence %s: ledger leaf %d is missing from the store; run `evident verify`", id, ev.LedgerIndex)
		}
		if err := e.addLeaf(pr, leaves[0], false); err != nil {
			return err
		}
	}
	return nil
}

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// overlaps reports whether evidence effective e speaks for the half-open
// period p: an instant inside it, or a span that overlaps it.
func overlaps(e, p evident.Effective) bool {
	if e.IsInstant() {
		return !e.From.Before(p.From) && e.From.Before(p.To)
	}
	return e.From.Before(p.To) && e.To.After(p.From)
}

// addLeaf writes one leaf and its inclusion proof and records the item.
// Evidence outside the service scope inside the period's range is kept by
// hash only (redacted); outside the range it is simply not in the pack.
func (e *exporter) addLeaf(pr *prover, lf sqlstore.LedgerLeaf, inRange bool) error {
	if e.has(lf.Index) {
		return nil
	}
	if !inRange {
		e.seen[lf.Index] = true
	}
	h := hashLeaf(lf.Data)
	rec, err := evident.ParseRecord(lf.Data)
	if err != nil {
		return evident.Errorf(evident.EFAILED, "ledger leaf %d: %v; run `evident verify`", lf.Index, err)
	}
	it := Item{Index: lf.Index, Kind: rec.Kind, ID: rec.ID, LeafHash: hex.EncodeToString(h[:]), Received: rec.At, Actor: rec.Actor}
	if rec.Kind == evident.EvidenceRecordKind {
		ev, err := evident.EvidenceFromRecord(rec)
		if err != nil {
			return evident.Errorf(evident.EFAILED, "ledger leaf %d: %v; run `evident verify`", lf.Index, err)
		}
		if !e.evidenceInScope(ev) {
			if !inRange {
				return nil
			}
			it = Item{Index: lf.Index, Kind: rec.Kind, LeafHash: it.LeafHash, Redacted: true, Received: rec.At}
		} else {
			fillEvidence(&it, ev)
			ev.LedgerIndex = lf.Index
			if i, ok := slices.BinarySearch(e.windowIDs, ev.ID); ok {
				e.inPack[i] = true
			}
			if err := e.blobs.add(ev.Digest, ev.Size); err != nil {
				return err
			}
			ref := EvidenceRef{Index: it.Index, ID: it.ID, Path: it.Path, SHA256: it.SHA256, Filename: it.Filename,
				Effective: it.Effective, Received: it.Received, Actor: it.Actor, Verdict: it.Verdict}
			if err := e.refs.add(ref, ev); err != nil {
				return err
			}
		}
	}
	if !it.Redacted {
		if err := e.writeFile(LeafPath(lf.Index), lf.Data); err != nil {
			return err
		}
	}
	p, err := pr.inclusion(lf.Index, lf.Data)
	if err != nil {
		return err
	}
	if err := e.writeFile(ProofPath(lf.Index), p); err != nil {
		return err
	}
	e.counts.add(it)
	if inRange {
		return e.items.inOrder(it)
	}
	e.items.other(it)
	return nil
}

// noteWindowEvidence lists the evidence the windows count, so that
// collect looks up only those of them it did not meet in the period's
// range (outsideEvidence).
func (e *exporter) noteWindowEvidence() {
	var ids []string
	for _, cv := range e.man.Coverage {
		for _, w := range cv.Windows {
			ids = append(ids, w.Evidence...)
		}
	}
	slices.Sort(ids)
	e.windowIDs = slices.Compact(ids)
	e.inPack = make([]bool, len(e.windowIDs))
}

// has reports whether leaf i was looked at already: read as part of the
// period's range, or added (or passed over) since.
func (e *exporter) has(i int64) bool {
	return (i >= e.ranged.First && i < e.ranged.End) || e.seen[i]
}

func fillEvidence(it *Item, ev evident.Evidence) {
	it.SHA256 = ev.Digest.String()
	it.Size = ev.Size
	it.Path = BlobPath(it.SHA256)
	it.MediaType = ev.MediaType
	it.Filename = ev.Filename
	it.Effective = ev.Effective.String()
	it.Controls = ev.Controls
	for _, r := range ev.Requirements {
		it.Requirements = append(it.Requirements, r.String())
	}
	it.Services = ev.Services
	it.Verdict = string(ev.Verdict)
	it.Supersedes = ev.Supersedes
}

// checkpoints writes the checkpoint in force when the period started, every
// checkpoint signed during it and the final one, with their anchors and a
// consistency proof between each consecutive pair. Also kept are the
// checkpoints of sizes also (those the key events rest on).
func (e *exporter) checkpoints(ctx context.Context, tx *sqlstore.Tx, pr *prover, also []int64) error {
	all, err := tx.Checkpoints(ctx)
	if err != nil {
		return err
	}
	var keep []sqlstore.Checkpoint
	for i, c := range all {
		if c.Size > pr.final.Size {
			break
		}
		before := c.CreatedAt.Before(e.opt.From) && (i+1 == len(all) || !all[i+1].CreatedAt.Before(e.opt.From))
		during := !c.CreatedAt.Before(e.opt.From) && c.CreatedAt.Before(e.opt.To)
		if before || during || c.Size == pr.final.Size || slices.Contains(also, c.Size) {
			keep = append(keep, c)
		}
	}
	anchors, err := tx.Anchors(ctx)
	if err != nil {
		return err
	}
	tokens := map[int64][]byte{}
	for _, a := range anchors {
		if tokens[a.CheckpointSize] == nil {
			tokens[a.CheckpointSize] = a.Token
		}
	}
	for i, c := range keep {
		cp := Checkpoint{Size: c.Size, Path: CheckpointPath(c.Size)}
		if err := e.writeFile(cp.Path, c.Note); err != nil {
			return err
		}
		if tok := tokens[c.Size]; tok != nil {
			cp.Anchor = AnchorPath(c.Size)
			if err := e.writeFile(cp.Anchor, tok); err != nil {
				return err
			}
		}
		e.man.Checkpoints = append(e.man.Checkpoints, cp)
		if i == 0 || keep[i-1].Size == 0 {
			continue
		}
		proof, err := pr.consistency(keep[i-1].Size, c.Size)
		if err != nil {
			return err
		}
		cs := Consistency{From: keep[i-1].Size, To: c.Size, Path: ConsistencyPath(keep[i-1].Size, c.Size)}
		if err := e.writeFile(cs.Path, proof); err != nil {
			return err
		}
		e.man.Consistency = append(e.man.Consistency, cs)
	}
	return nil
}

// writeFile adds a small file (a leaf, a proof, a checkpoint) stored, not
// deflated: they are a few hundred bytes each, thousands of them, and a
// compressor per entry would cost more time than the bytes it saves.
func (e *exporter) writeFile(name string, data []byte) error {
	w, err := e.zw.Create(name, e.man.CreatedAt)
	if err != nil {
		return fmt.Errorf("pack %s: %w", name, err)
	}
	_, err = w.Write(data)
	return err
}

// writeManifest writes MANIFEST.json and SIGNATURE.note, a signed note
// over the manifest's SHA-256 with the ledger key. The manifest is
// rendered to a temporary file with its items read back from the spool,
// so it is never whole in memory.
func (e *exporter) writeManifest() error {
	r, err := render(ManifestName, func(w io.Writer) error {
		return writeJSONWith(w, e.man, map[string]fieldWriter{"items": e.items.write})
	})
	if err != nil {
		return fmt.Errorf("pack %s: %w", ManifestName, err)
	}
	defer removeRendered([]rendered{r})
	if err := e.writeRaw(r); err != nil {
		return err
	}
	e.manifestSHA = r.sha256
	sig, err := note.Sign(&note.Note{Text: signatureTextOf(r.sha256)}, e.src.Signer)
	if err != nil {
		return fmt.Errorf("sign the manifest: %w", err)
	}
	return e.writeFile(SignatureName, sig)
}

// signatureTextOf is the body of SIGNATURE.note for a manifest of hex
// SHA-256 sum.
func signatureTextOf(sum string) string {
	return "evident pack manifest\nsha256 " + sum + "\n"
}
