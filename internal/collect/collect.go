// Package collect is the one home of adding evidence files. The command
// line (`evident evidence add`), the API (POST /api/v1/evidence) and the
// web upload form only decode their request, call Add and render what it
// returns, so the three cannot drift apart.
//
// Add first resolves every name the request gives (controls, systems,
// services, the objects it is about, the record it supersedes) against
// the program: the ledger is append-only, and a typo written into it
// stays there for good. Then it keeps a raw file from ever standing in
// for a verdict: a file for a control verified by import is imported
// through internal/ingest, exactly as `evident import` would import it,
// when its content is the control's format, and refused otherwise with a
// message that names `evident import`. Either way nothing is half stored.
package collect

import (
	"bytes"
	"context"
	"io"
	"slices"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ingest"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Request is one "add evidence" as an interface decoded it.
type Request struct {
	// Items are the files with what the uploader said about each.
	Items []ledger.Item
	// Field names a request field as the caller's user knows it:
	// "--system" on the command line, "system" in a form. Nil: as is.
	Field func(name string) string
	// Now is the clock an import judges ages against (the store's).
	Now time.Time
}

// Result is what Add stored: every record in order and, for files of an
// import control, what each import found.
type Result struct {
	Evidence []evident.Evidence `json:"evidence"`
	Imports  []ingest.Outcome   `json:"imports,omitempty"`
}

// Add resolves the request's names, then stores its files: as raw
// evidence in one batch (all or none), or, for a control verified by
// import, as imports with their verdicts.
func Add(ctx context.Context, l *ledger.Ledger, req Request) (Result, error) {
	if len(req.Items) == 0 {
		return Result{}, evident.ErrorAt(evident.EINVALID, field(req, "file"), "no file to add")
	}
	m, err := resolve(ctx, l.Store(), req)
	if err != nil {
		return Result{}, err
	}
	if ctl := importControl(m, req.Items); ctl != nil {
		return importItems(ctx, l, req, *ctl)
	}
	evs, err := l.AddBatch(ctx, req.Items)
	return Result{Evidence: evs}, err
}

// AddBatches is Add for many files taken in group commits: ends are the
// item counts at which each batch ends, the last being len(req.Items).
// Every item's names are resolved before anything is stored. Each batch
// is stored as Add stores a request, all or none, and added is called with
// its Result once it is durable; raw evidence has the next batch's blobs
// sent while a batch's records commit (ledger.AddBatches). The first
// failure ends it, the batches before it stored.
func AddBatches(ctx context.Context, l *ledger.Ledger, req Request, ends []int, added func(Result) error) error {
	if len(req.Items) == 0 {
		return evident.ErrorAt(evident.EINVALID, field(req, "file"), "no file to add")
	}
	batches := make([][]ledger.Item, 0, len(ends))
	start := 0
	for _, end := range ends {
		if end <= start || end > len(req.Items) {
			return evident.Errorf(evident.EINVALID, "batch ends %v: want increasing counts up to %d", ends, len(req.Items))
		}
		batches = append(batches, req.Items[start:end])
		start = end
	}
	if start != len(req.Items) {
		return evident.Errorf(evident.EINVALID, "batch ends %v: the last must be %d, the number of items", ends, len(req.Items))
	}
	m, err := resolve(ctx, l.Store(), req)
	if err != nil {
		return err
	}
	if ctl := importControl(m, req.Items); ctl != nil {
		for _, items := range batches {
			one := req
			one.Items = items
			res, err := importItems(ctx, l, one, *ctl)
			if len(res.Evidence) > 0 {
				if err := added(res); err != nil {
					return err
				}
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	return l.AddBatches(ctx, batches, func(evs []evident.Evidence) error { return added(Result{Evidence: evs}) })
}

func field(req Request, name string) string {
	if req.Field == nil {
		return name
	}
	return req.Field(name)
}

// Resolve checks the names of every input in one read of the program,
// writing systems named by their name back as ids, and returns the
// program. A caller that streams its files calls it on the metadata
// before the first byte arrives; Add calls it on every item.
func Resolve(ctx context.Context, st *sqlstore.Store, field func(string) string, ins ...*ledger.EvidenceInput) (*evident.Model, error) {
	refs := make([]*sqlstore.Refs, len(ins))
	for i, in := range ins {
		refs[i] = &sqlstore.Refs{Controls: in.Controls, Systems: slices.Clone(in.Systems), Services: in.Services,
			About: in.About, Supersedes: in.Supersedes}
	}
	var m *evident.Model
	err := st.Read(ctx, func(tx *sqlstore.Tx) error {
		if err := tx.ResolveRefs(ctx, field, refs...); err != nil {
			return err
		}
		var err error
		m, err = tx.Model(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	for i, in := range ins {
		in.Systems = refs[i].Systems
	}
	return m, nil
}

// resolve is Resolve over a request's items.
func resolve(ctx context.Context, st *sqlstore.Store, req Request) (*evident.Model, error) {
	ins := make([]*ledger.EvidenceInput, len(req.Items))
	for i := range req.Items {
		ins[i] = &req.Items[i].Input
	}
	return Resolve(ctx, st, req.Field, ins...)
}

// ImportControl returns the control verified by import that in names,
// or nil: a file for it must be imported, never stored as it is.
func ImportControl(m *evident.Model, in ledger.EvidenceInput) *evident.Control {
	for _, id := range in.Controls {
		if c := m.ControlByID(id); c != nil && c.Method.Kind == evident.MethodImport {
			return c
		}
	}
	return nil
}

// importControl returns the first control verified by import that any
// item names, or nil.
func importControl(m *evident.Model, items []ledger.Item) *evident.Control {
	for _, it := range items {
		if c := ImportControl(m, it.Input); c != nil {
			return c
		}
	}
	return nil
}

// importItems imports every file for ctl through ingest, as `evident
// import` does: each is parsed and judged before any is stored, so a file
// that is not the control's format refuses the whole request.
func importItems(ctx context.Context, l *ledger.Ledger, req Request, ctl evident.Control) (Result, error) {
	first := req.Items[0].Input
	if err := importable(req, ctl); err != nil {
		return Result{}, err
	}
	opt := ingest.Options{Control: ctl.ID, Effective: first.Effective, Systems: first.Systems, Actor: first.Actor, Now: req.Now}
	srcs := make([]ingest.Source, len(req.Items))
	for i, it := range req.Items {
		srcs[i] = ingest.Source{Filename: it.Input.Filename, Open: it.Open}
	}
	checked, err := ingest.CheckAll(ctx, l, srcs, opt, nil)
	if err != nil {
		if evident.ErrorCode(err) == evident.EINVALID {
			return Result{}, evident.Errorf(evident.EREFUSED, "%s; control %s is verified by importing %s output and only an importer's verdict counts for it: import the tool's output with %s",
				evident.ErrorMessage(err), ctl.ID, format(ctl), importHint(ctl))
		}
		return Result{}, err
	}
	outs, err := ingest.StoreAll(ctx, l, checked, nil)
	var res Result
	for _, o := range outs {
		res.Evidence = append(res.Evidence, o.Raw, o.Derived)
		res.Imports = append(res.Imports, o)
	}
	return res, err
}

// importable refuses what an import cannot record: a file for an import
// control together with other controls, or with metadata an import does
// not carry. Dropping it silently would lose what the uploader said.
func importable(req Request, ctl evident.Control) error {
	refuse := func(f, what string) error {
		return evident.ErrorAt(evident.EREFUSED, field(req, f), "control %s is verified by importing %s output, and an import records %s: add the file with %s on its own",
			ctl.ID, format(ctl), what, importHint(ctl))
	}
	for _, it := range req.Items {
		in := it.Input
		switch {
		case len(in.Controls) != 1 || in.Controls[0] != ctl.ID:
			return refuse("control", "a verdict for that one control only")
		case len(in.Requirements) > 0:
			return refuse("requirement", "the control's requirements, not others")
		case len(in.Services) > 0:
			return refuse("service", "the control's scope, not services named with it")
		case len(in.About) > 0:
			return refuse("about", "the control's scope, not other objects")
		case in.Supersedes != "":
			return refuse("supersedes", "a new verdict, which stands by its time and needs no correction of the old one")
		case in.Performer != nil:
			return refuse("performer", "the control's own performer")
		case in.Kind != "" && in.Kind != evident.RawEvidence, in.Verdict != "", len(in.DerivedFrom) > 0:
			return refuse("verdict", "the importer's own verdict, never one given with the file")
		}
	}
	return nil
}

// format names the control's format for messages.
func format(ctl evident.Control) string {
	if ctl.Method.Format != "" {
		return ctl.Method.Format
	}
	return "tool"
}

// importHint is the command that imports files for ctl.
func importHint(ctl evident.Control) string {
	if ctl.Method.Format != "" {
		return "`evident import " + ctl.Method.Format + " FILE --control " + ctl.ID + "`"
	}
	return "`evident import FILE --control " + ctl.ID + "`"
}

// ResolveImport checks the names an import was given (its control and
// systems) against the program, as Add does for evidence, and writes
// systems named by their name back as ids: `evident import` and POST
// /api/v1/imports call it before ingest reads any file.
func ResolveImport(ctx context.Context, st *sqlstore.Store, opt *ingest.Options, field func(string) string) error {
	refs := &sqlstore.Refs{Controls: []string{opt.Control}, Systems: slices.Clone(opt.Systems)}
	if err := st.Read(ctx, func(tx *sqlstore.Tx) error { return tx.ResolveRefs(ctx, field, refs) }); err != nil {
		return err
	}
	opt.Systems = refs.Systems
	return nil
}

// Stream is a request whose files arrive one by one, read straight from an
// upload: Next returns each item in turn and io.EOF after the last, and
// every item shares the metadata of the first but for its file name and
// media type.
type Stream struct {
	Next  func() (ledger.Item, error)
	Field func(name string) string
	Now   time.Time
}

// AddStream is Add for a streamed upload. The names of the first item are
// resolved before any byte is stored. Files for a control verified by
// import are read into memory (an importer parses the whole file anyway,
// and the upload's own limit bounds them) and imported as Add does; any
// other file streams into the ledger without a temporary copy.
func AddStream(ctx context.Context, l *ledger.Ledger, s Stream) (Result, error) {
	first, err := s.Next()
	if err == io.EOF {
		return Result{}, evident.ErrorAt(evident.EINVALID, field(Request{Field: s.Field}, "file"), "no file to add")
	}
	if err != nil {
		return Result{}, err
	}
	m, err := Resolve(ctx, l.Store(), s.Field, &first.Input)
	if err != nil {
		return Result{}, err
	}
	systems := first.Input.Systems
	pending := &first
	next := func() (ledger.Item, error) {
		if pending != nil {
			it := *pending
			pending = nil
			return it, nil
		}
		it, err := s.Next()
		it.Input.Systems = systems
		return it, err
	}
	if ImportControl(m, first.Input) == nil {
		evs, err := l.AddStream(ctx, next)
		return Result{Evidence: evs}, err
	}
	var items []ledger.Item
	for {
		it, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Result{}, err
		}
		b, err := readAll(it)
		if err != nil {
			return Result{}, err
		}
		it.Open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		items = append(items, it)
	}
	return Add(ctx, l, Request{Items: items, Field: s.Field, Now: s.Now})
}

// readAll reads an item's bytes.
func readAll(it ledger.Item) ([]byte, error) {
	rc, err := it.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}
