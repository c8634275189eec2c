package pack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/readiness"
)

// wholeIndex renders the derived files of an export again the way they
// were rendered while the index held every control's evidence in memory:
// the evidence read back into the index, encoding/json for the JSON, the
// page templates ranging over the lists, and the open findings judged by
// comparing each failure with every later occurrence. Exports of the
// fixture (fixture.export) check the pack's bytes against it.
type wholeIndex struct {
	files     map[string][]byte
	findings  []Finding
	schedules map[string]evident.Schedule
	ix        *Index
	err       error
	// outOfOrder counts the references that reached a control after a
	// later one (evidence received before the period's range).
	outOfOrder int
}

func (r *wholeIndex) capture(e *exporter, ix *Index, regs *Registers, ev indexEvidence) {
	r.files, r.schedules = map[string][]byte{}, map[string]evident.Schedule{}
	for _, ch := range e.refs.ctl {
		r.outOfOrder += len(ch.extra)
	}
	whole := *ix
	whole.Controls = make([]ControlRow, len(ix.Controls))
	byID := map[string]ControlRow{}
	for i, c := range ix.Controls {
		c.Evidence = []EvidenceRef{}
		if err := ev.each(c.ID, func(x *EvidenceRef) error { c.Evidence = append(c.Evidence, *x); return nil }); err != nil {
			r.err = err
			return
		}
		if len(c.Evidence) != ev.count(c.ID) {
			r.err = fmt.Errorf("control %s: %d references read, %d counted", c.ID, len(c.Evidence), ev.count(c.ID))
			return
		}
		whole.Controls[i], byID[c.ID] = c, c
		r.schedules[c.ID] = readiness.ScheduleFor(*e.model.ControlByID(c.ID), e.opt.From)
	}
	wregs := *regs
	wregs.Requirements = nil
	for _, q := range regs.Requirements {
		q.Controls = slices.Clone(q.Controls)
		for i, ct := range q.Controls {
			ct.Evidence = []string{}
			for _, x := range byID[ct.ID].Evidence {
				ct.Evidence = append(ct.Evidence, x.Path)
			}
			if got, want := ct.LatestResult, wholeLatest(byID[ct.ID].Evidence); got != want {
				r.err = fmt.Errorf("control %s: latest result %q, from the whole list %q", ct.ID, got, want)
				return
			}
			q.Controls[i] = ct
		}
		wregs.Requirements = append(wregs.Requirements, q)
	}
	r.ix = &whole
	r.files[IndexJSON] = encodeIndented(&whole)
	r.files[RequirementsJSON] = encodeIndented(wregs.Requirements)
	page := template.Must(template.New("index").Funcs(pageFuncs).Parse(
		strings.Replace(indexTmpl, "{{.EvidenceCount}}", "{{len .Evidence}}", 1)))
	r.files[IndexHTML] = execute(page, &whole)
	report := template.Must(template.New("report").Funcs(pageFuncs).Parse(
		strings.Replace(reportTmpl, "{{index $.Counts .ID}}", "{{len .Evidence}}", 1)))
	r.files[ReportHTML] = execute(report, reportView{Index: &whole, Registers: &wregs, Clauses: clauses(wregs.Requirements),
		Verified: whole.Summary.Readiness.Counts[evident.ReadinessVerified]})
	var x bytes.Buffer
	if err := writeXLSX(&x, &whole, listedEvidence(&whole)); err != nil {
		r.err = err
		return
	}
	r.files[IndexXLSX] = x.Bytes()
}

// check compares the pack's derived files with the whole index's, and the
// index's open findings with those judged against every later occurrence
// of the pack's evidence leaves.
func (r *wholeIndex) check(t testing.TB, pack []byte, man *Manifest) {
	t.Helper()
	if r.err != nil {
		t.Fatalf("rendering the whole index: %v", r.err)
	}
	if r.files == nil {
		t.Fatal("the export rendered no derived files")
	}
	entries := map[string][]byte{}
	for _, x := range readEntries(t, pack) {
		entries[x.name] = x.data
	}
	for _, name := range slices.Sorted(mapsKeys(r.files)) {
		if got := entries[name]; !bytes.Equal(got, r.files[name]) {
			t.Errorf("%s: %d bytes written from the spool differ from the %d bytes of the whole index (first difference at byte %d)",
				name, len(got), len(r.files[name]), firstDiff(got, r.files[name]))
		}
	}
	occ := map[string]packedOccurrence{}
	for _, it := range man.Items {
		if it.Kind != evident.EvidenceRecordKind || it.Redacted {
			continue
		}
		rec, err := evident.ParseRecord(entries[LeafPath(it.Index)])
		if err != nil {
			t.Fatal(err)
		}
		ev, err := evident.EvidenceFromRecord(rec)
		if err != nil {
			t.Fatal(err)
		}
		ev.LedgerIndex = it.Index
		occ[ev.ID] = packedOccurrence{evident.OccurrenceOf(ev), ev.Detail}
	}
	want := []Finding{}
	for _, c := range r.ix.Controls {
		want = append(want, wholeFindings(r.schedules[c.ID], c.ID, c.Evidence, occ)...)
	}
	if !reflect.DeepEqual(r.ix.Findings, want) {
		t.Errorf("open findings %+v, judged against every later occurrence %+v", r.ix.Findings, want)
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func encodeIndented(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func execute(t *template.Template, v any) []byte {
	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// listedEvidence reads each control's evidence from the index's lists.
func listedEvidence(ix *Index) indexEvidence {
	find := func(id string) []EvidenceRef {
		for _, c := range ix.Controls {
			if c.ID == id {
				return c.Evidence
			}
		}
		return nil
	}
	return indexEvidence{
		count: func(id string) int { return len(find(id)) },
		each: func(id string, fn func(*EvidenceRef) error) error {
			for i := range find(id) {
				if err := fn(&find(id)[i]); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// wholeLatest is the latest result as described from the whole list: the
// last by received time, ties in ledger order.
func wholeLatest(refs []EvidenceRef) string {
	if len(refs) == 0 {
		return "no evidence in the period"
	}
	sorted := slices.Clone(refs)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Received.Before(sorted[j].Received) })
	return latestResult(sorted[len(sorted)-1])
}

type packedOccurrence struct {
	occ    evident.Occurrence
	detail []byte
}

// wholeFindings judges each failure of a control against every later
// occurrence, by effective time, ties in ledger order.
func wholeFindings(s evident.Schedule, control string, refs []EvidenceRef, evs map[string]packedOccurrence) []Finding {
	sorted := slices.Clone(refs)
	sort.SliceStable(sorted, func(i, j int) bool {
		return evs[sorted[i].ID].occ.Effective.Before(evs[sorted[j].ID].occ.Effective)
	})
	occ := make([]evident.Occurrence, len(sorted))
	for i, r := range sorted {
		occ[i] = evs[r.ID].occ
	}
	var out []Finding
	for i, r := range sorted {
		if r.Verdict != string(evident.VerdictFail) {
			continue
		}
		if !s.Answers(occ[i], occ[i+1:]) {
			out = append(out, Finding{Control: control, Evidence: r.ID, Index: r.Index, Path: r.Path,
				Effective: r.Effective, Detail: string(evs[r.ID].detail)})
		}
	}
	return out
}

// TestStreamedIndexMatchesWholeIndex: packs for a period from 20 May to
// 20 November, of every service and of one, whose quarterly scan of May
// was received before the period's range (it counts for the second
// quarter's window), so it reaches its control's references after the
// November scan: the derived files read from the spool are the whole
// index's bytes.
func TestStreamedIndexMatchesWholeIndex(t *testing.T) {
	f := newFixture(t, sqliteStore(t))
	from, to := time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, services := range [][]string{nil, {"qtsa"}} {
		var whole wholeIndex
		var buf bytes.Buffer
		man, err := Export(t.Context(), f.src, Options{From: from, To: to, Services: services, Actor: "alice@ops",
			Now: f.clock.Now(), rendered: whole.capture}, &buf)
		if err != nil {
			t.Fatalf("export of %v: %v", services, err)
		}
		whole.check(t, buf.Bytes(), packManifest(t, buf.Bytes(), man))
		if services == nil && whole.outOfOrder == 0 {
			t.Error("no reference came out of ledger order: the test proves nothing")
		}
		if r := verifyBytes(t, buf.Bytes()); !r.OK {
			t.Errorf("the pack of %v does not verify:\n%s", services, problems(r))
		}
	}
}

// TestSpoolJudgesFindingsAsTheWholeList: on a control scoped to systems
// with hosts, failures and passes on different hosts and systems, some at
// the same instant, the spool's findings (kept failures and the distinct
// parts of later passes) are the whole list's, failure by failure, and
// its references come back in ledger order whatever order they came in.
func TestSpoolJudgesFindingsAsTheWholeList(t *testing.T) {
	s, err := newRefSpool()
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	sch := evident.Schedule{Method: evident.MethodImport, Systems: []string{"ca", "tsa"},
		Hosts: map[string][]string{"ca": {"ca-1", "ca-2"}}}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	scopes := []string{
		`{"scope":{"hosts":{"ca":["ca-1"]}}}`, `{"scope":{"hosts":{"ca":["ca-2"]}}}`, `{"scope":{"hosts":{"ca":["ca-1","ca-2"]}}}`,
		`{"scope":{"hosts":{}}}`, ``,
	}
	evs := map[string]packedOccurrence{}
	var refs []EvidenceRef
	// Ledger indexes go up with i, except every seventh item, which
	// arrives late from before the others (evidence received outside the
	// period's range).
	failures := 0
	for i := range 3000 {
		idx := int64(100000 + i)
		if i%7 == 6 {
			idx = int64(50000 - i)
		}
		v := evident.VerdictPass
		if i%11 == 3 || i > 2990 {
			v = evident.VerdictFail
			failures++
		}
		sys := []evident.SystemVersion{{Name: "ca"}}
		if i%5 == 0 {
			sys = append(sys, evident.SystemVersion{Name: "tsa"})
		}
		ev := evident.Evidence{ID: fmt.Sprintf("ev-%04d", i), Kind: evident.DerivedEvidence, Verdict: v, Systems: sys,
			Detail: json.RawMessage(scopes[i%len(scopes)]), Controls: []string{"c"}, LedgerIndex: idx,
			Effective: evident.Effective{From: t0.Add(time.Duration(i/3) * time.Hour)}}
		if len(ev.Detail) == 0 {
			ev.Detail = nil
		}
		ref := EvidenceRef{Index: idx, ID: ev.ID, Path: BlobPath(fmt.Sprintf("%064d", i)), SHA256: fmt.Sprintf("%064d", i),
			Effective: ev.Effective.String(), Received: t0.Add(time.Duration(i%13) * time.Minute), Actor: "importer:test", Verdict: string(v)}
		if err := s.add(ref, ev); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ref)
		evs[ev.ID] = packedOccurrence{evident.OccurrenceOf(ev), ev.Detail}
	}
	if len(s.ctl["c"].blocks) < 2 || len(s.ctl["c"].extra) == 0 {
		t.Fatalf("%d blocks, %d references out of order: the test proves nothing", len(s.ctl["c"].blocks), len(s.ctl["c"].extra))
	}
	slices.SortStableFunc(refs, func(a, b EvidenceRef) int { return int(a.Index - b.Index) })
	var got []EvidenceRef
	if err := s.each("c", func(r *spooledRef) error { got = append(got, r.EvidenceRef); return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, refs) {
		t.Fatalf("read back %d references, not the %d written in ledger order", len(got), len(refs))
	}
	latest, fs, err := s.judge(sch, "c")
	if err != nil {
		t.Fatal(err)
	}
	want := wholeFindings(sch, "c", refs, evs)
	if len(want) < 5 || len(want) == failures {
		t.Fatalf("%d open findings of %d failures: the test proves nothing", len(want), failures)
	}
	if !reflect.DeepEqual(fs, want) {
		t.Errorf("%d open findings from the spool, %d from the whole list", len(fs), len(want))
	}
	if w := wholeLatest(refs); latest != w {
		t.Errorf("latest result %q, from the whole list %q", latest, w)
	}
}

// TestBlobListMergesRuns: a list longer than a run, with repeated
// digests across runs, comes back sorted, each digest once, with the
// bytes of each counted once, from two readers at the same time.
func TestBlobListMergesRuns(t *testing.T) {
	l, err := newBlobList()
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	want := map[evident.Digest]int64{}
	for i := range 3*blobRun + 123 {
		var d evident.Digest
		k := (i * 7919) % (2 * blobRun) // each digest about one and a half times
		d[0], d[1], d[2], d[31] = byte(k>>16), byte(k>>8), byte(k), 0xaa
		want[d] = int64(k)
		if err := l.add(d, int64(k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.finish(); err != nil {
		t.Fatal(err)
	}
	if len(l.runs) < 2 {
		t.Fatalf("%d runs: the test proves nothing", len(l.runs))
	}
	var total int64
	for _, n := range want {
		total += n
	}
	if l.n != len(want) || l.total != total {
		t.Errorf("%d blobs of %d bytes, want %d of %d", l.n, l.total, len(want), total)
	}
	read := func() ([]blobEntry, error) {
		var out []blobEntry
		err := l.each(func(b blobEntry) error { out = append(out, b); return nil })
		return out, err
	}
	other := make(chan []blobEntry, 1)
	go func() { b, _ := read(); other <- b }()
	got, err := read()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(got, func(a, b blobEntry) int {
		if a.sum == b.sum {
			return -1 // a repeat is out of order
		}
		return compareBlobs(a, b)
	}) || len(got) != len(want) {
		t.Fatalf("%d blobs read, not %d sorted once each", len(got), len(want))
	}
	for _, b := range got {
		if want[b.sum] != b.size {
			t.Fatalf("blob %s: size %d, want %d", b.sum, b.size, want[b.sum])
		}
	}
	if o := <-other; !reflect.DeepEqual(o, got) {
		t.Error("a second reader at the same time read another list")
	}
}

// TestExportLeavesNoTemporaryFile: an export that fails as it writes the
// pack (at the first byte, among the leaves, among the blobs) and one that
// succeeds both leave the temporary directory as they found it.
func TestExportLeavesNoTemporaryFile(t *testing.T) {
	f := newFixtureUntil(t, sqliteStore(t), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	opt := Options{From: year2026, To: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Actor: "alice@ops", Now: f.clock.Now()}
	var ok bytes.Buffer
	if _, err := Export(t.Context(), f.src, opt, &ok); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Fatalf("the export left %d temporary files, the first %s", len(left), left[0].Name())
	}
	for _, n := range []int{0, ok.Len() / 10, ok.Len() / 2, ok.Len() - 100} {
		_, err := Export(t.Context(), f.src, opt, &failAfter{n: n})
		if err == nil {
			t.Fatalf("an export whose writer fails after %d of %d bytes succeeded", n, ok.Len())
		}
		left, err := os.ReadDir(tmp)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) > 0 {
			t.Fatalf("an export failing after %d bytes left %d temporary files, the first %s", n, len(left), left[0].Name())
		}
	}
}

// failAfter is a writer that fails once n bytes are written.
type failAfter struct{ n int }

func (w *failAfter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		n := w.n
		w.n = 0
		return n, io.ErrShortWrite
	}
	w.n -= len(p)
	return len(p), nil
}
