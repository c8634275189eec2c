package web

import (
	"context"
	"html/template"
	"sync"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// statusSeries are the readiness states of a requirement, best first, with
// the colours the charts and badges use.
var statusSeries = []series{
	{string(evident.ReadinessVerified), "Verified"},
	{string(evident.ReadinessImplemented), "Implemented"},
	{string(evident.ReadinessPlanned), "Planned"},
	{string(evident.ReadinessFailing), "Failing"},
	{string(evident.ReadinessNotAddressed), "Not addressed"},
	{string(evident.ReadinessNotApplicable), "Not applicable"},
}

// program is the program's state at the request's instant: the readiness
// input (model, schedules, histories, incident clocks) it was computed
// from, and the report.
type program struct {
	In     readiness.Input
	Report readiness.Report
	Clocks []evident.IncidentClocks

	// tasks are the task lists asked for so far, by horizon, computed
	// once for every request that shares this state (see tasksUntil).
	tasksMu sync.Mutex
	tasks   map[time.Time][]readiness.Task

	// contents are pages' content rendered from this state, by page and
	// query, rendered once for every request that shares the state.
	contents

	// around is what the dashboard reads besides readiness that changes
	// only with the ledger, read once for every request that shares the
	// state (see aroundOf).
	aroundMu sync.Mutex
	around   *around
}

// around is what the dashboard shows besides readiness that changes only
// when the ledger grows: the changes' names and the engagements (each
// added with a ledger leaf).
type around struct {
	ChangeTitles map[string]string
	Engagements  []evident.Engagement
}

// aroundOf returns the changes' names and the engagements, read once per
// state: the state is replaced whenever the ledger grows, so what was
// read with it holds as long as it does, and a dashboard request saves
// two transactions.
func (pr *program) aroundOf(ctx context.Context, w *Web) (*around, error) {
	pr.aroundMu.Lock()
	defer pr.aroundMu.Unlock()
	if pr.around != nil {
		return pr.around, nil
	}
	titles, err := w.changeTitles(ctx)
	if err != nil {
		return nil, err
	}
	es, err := w.cfg.Store.Engagements(ctx)
	if err != nil {
		return nil, err
	}
	pr.around = &around{ChangeTitles: titles, Engagements: es}
	return pr.around, nil
}

// contents keeps pages' content rendered from one state of the store
// (a program's readiness, or the ledger at one size), by key.
type contents struct {
	mu   sync.Mutex
	kept map[string]*keptContent
}

// keptContent is one page's content: ready is closed once html and err
// are set. shared says it is kept for every reader of its state, so that
// its deflated form (gzipPage) is worth making once.
type keptContent struct {
	ready  chan struct{}
	html   template.HTML
	err    error
	shared bool

	zOnce sync.Once
	z     []byte     // deflated, sync-flushed
	crc   uint32     // CRC-32 of html
	shift [32]uint32 // crc32Shift(len(html))
}

// maxContents bounds the pages one state keeps: readers choose filters
// and free-text searches, but a few (each list unfiltered) are asked for
// almost always.
const maxContents = 64

// content returns render(), rendered once per state and key for every
// request that shares this state; requests that arrive while it renders
// wait for that one rendering rather than each rendering it again.
//
// Over a million records, rendering the dashboard, the list of controls,
// the requirement index, the task list or a page of evidence costs 4 to
// 35 ms of CPU a request, almost all of it the template over hundreds of
// rows; the state they are drawn from is already shared until the ledger
// grows or stateTTL passes (stateCache, ledgerContents), and so is what
// is drawn from it. key must name everything besides the state that the
// content depends on (the page, its query, the signed-in user where the
// page is theirs), and render must read nothing else: no session, CSRF
// token or clock (the layout around the content has those, and is
// rendered per request). A failed rendering is not kept.
func (c *contents) content(key string, render func() (template.HTML, error)) (*keptContent, error) {
	alone := func() (*keptContent, error) {
		html, err := render()
		return &keptContent{html: html}, err
	}
	c.mu.Lock()
	if k, ok := c.kept[key]; ok {
		c.mu.Unlock()
		<-k.ready
		if k.err == nil {
			return k, nil
		}
		return alone()
	}
	if len(c.kept) >= maxContents {
		c.mu.Unlock()
		return alone()
	}
	if c.kept == nil {
		c.kept = map[string]*keptContent{}
	}
	k := &keptContent{ready: make(chan struct{}), shared: true}
	c.kept[key] = k
	c.mu.Unlock()
	k.html, k.err = render()
	if k.err != nil {
		c.mu.Lock()
		delete(c.kept, key)
		c.mu.Unlock()
	}
	close(k.ready)
	return k, k.err
}

// maxHorizons bounds the task lists one state keeps: readers choose the
// horizon, and a few (a week, 30 days) are asked for almost always.
const maxHorizons = 16

// tasksUntil returns readiness.Tasks(pr.In, until), computed once per
// state and horizon: the dashboard and the task list show them on every
// request, and over a million records they take milliseconds each time.
// The list is shared: callers do not change it.
func (pr *program) tasksUntil(until time.Time) []readiness.Task {
	pr.tasksMu.Lock()
	defer pr.tasksMu.Unlock()
	if ts, ok := pr.tasks[until]; ok {
		return ts
	}
	ts := readiness.Tasks(pr.In, until)
	if pr.tasks == nil {
		pr.tasks = map[time.Time][]readiness.Task{}
	}
	if len(pr.tasks) < maxHorizons {
		pr.tasks[until] = ts
	}
	return ts
}

// state returns the program's readiness now. from, when not zero, widens
// the evidence read back to from, for pages that show past windows; those
// compute it afresh, the others share one cached state.
func (w *Web) state(ctx context.Context, from time.Time) (*program, error) {
	if _, narrowed := sqlstore.GrantOf(ctx); narrowed {
		// A reader with a grant sees the program as of an instant in it,
		// from records the store narrowed for them: never the shared copy.
		return w.compute(ctx, from)
	}
	if from.IsZero() {
		return w.shared.get(ctx, w.cfg.Store, w.cfg.Store.Now().UTC(), w.computeNow)
	}
	return w.compute(ctx, from)
}

// computeNow computes the readiness now that state shares.
func (w *Web) computeNow(ctx context.Context) (*program, error) { return w.compute(ctx, time.Time{}) }

// stateAt is state(ctx, time.Time{}) for a ledger of size leaves that the
// caller read with what else it reads, saving a transaction.
func (w *Web) stateAt(ctx context.Context, size int64) (*program, error) {
	if _, narrowed := sqlstore.GrantOf(ctx); narrowed {
		return w.computeNow(ctx)
	}
	return w.shared.getAt(ctx, size, w.cfg.Store.Now().UTC(), w.computeNow)
}

// history returns the readiness now with each control's history read
// back far enough for its period strip, shared like state: the list of
// controls and every control's page draw their strips from it.
func (w *Web) history(ctx context.Context) (*program, error) {
	load := func(ctx context.Context) (*program, error) {
		now := w.now(ctx)
		// Each control is read back to its own strip, from the anchor the
		// pages draw it with: eleven windows of an annual control are
		// eleven years, of a daily one eleven days.
		reach := func(c evident.Control, s evident.Schedule) time.Time { return stripFrom(c, s.Anchor, now) }
		p, err := readiness.LoadProgramReach(ctx, w.cfg.Store, w.cfg.Catalog, now, reach)
		if err != nil {
			return nil, err
		}
		return programOf(p), nil
	}
	if _, narrowed := sqlstore.GrantOf(ctx); narrowed {
		return load(ctx)
	}
	return w.strips.get(ctx, w.cfg.Store, w.cfg.Store.Now().UTC(), load)
}

// now is the request's instant: the store's clock, or for a reader with
// a grant (an assessor) the latest instant of it, so every page shows
// the program as it stood in the period they assess.
func (w *Web) now(ctx context.Context) time.Time {
	now := w.cfg.Store.Now().UTC()
	if g, ok := sqlstore.GrantOf(ctx); ok {
		return g.Last(now)
	}
	return now
}

// compute loads and computes the program's readiness now.
func (w *Web) compute(ctx context.Context, from time.Time) (*program, error) {
	return w.computeAt(ctx, w.now(ctx), from)
}

// computeAt loads and computes the program's readiness as of now, a past
// instant or the present, reading history back to from.
func (w *Web) computeAt(ctx context.Context, now, from time.Time) (*program, error) {
	p, err := readiness.LoadProgram(ctx, w.cfg.Store, w.cfg.Catalog, now, from, false)
	if err != nil {
		return nil, err
	}
	return programOf(p), nil
}

// programOf judges the loaded program now, as every page shows it.
func programOf(p readiness.Program) *program {
	return &program{In: p.In, Report: readiness.Status(p.In, time.Time{}, time.Time{}), Clocks: p.Clocks}
}

// statusRows places each requirement in the program: its statement of
// applicability, its controls and its readiness. Requirements of another
// version than the program's have no status.
func (pr *program) statusRows(reqs []evident.Requirement) []reqRow {
	byRef := map[string]evident.Readiness{}
	for _, rs := range pr.Report.Requirements {
		byRef[rs.Requirement] = rs.State
	}
	rows := make([]reqRow, 0, len(reqs))
	for _, s := range pr.In.Model.Statement(reqs) {
		rows = append(rows, reqRow{Statement: s, Status: string(byRef[s.Requirement.Ref().String()])})
	}
	return rows
}
