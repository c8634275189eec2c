package readiness

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Window facts: a window whose grace time has run out is judged once and
// for all, until a record changes it. Readiness over five years of a
// daily control judges some 1 800 windows from as many records; the
// judgements of the closed ones are kept per control (table window_facts)
// and a report reads them instead of the records, judging afresh only the
// windows the leaves appended since can touch and the ones still open.
// The windows kept are the same Schedule.Evaluate computes, so a report
// from them is the report from the records; verify judges every row again
// (CheckWindowFacts).
//
// A row holds for a later judgement when:
//   - the control's schedule, changes and exceptions hash as they did
//     (a changed cadence, scope, anchor or exception makes a new hash);
//   - the judgement is at or after the instant the row was judged at
//     (a report at a past instant reads the records as they were then);
//   - no leaf appended since could change a judgement other than through
//     evidence (sqlstore.LedgerSince: an act, a program change);
// and evidence appended since for the control, or superseded by what was,
// cuts it back to the windows that end at or before its effective time.
// Only fixed windows are kept: rolling and post-change windows move with
// the evidence and are few, so they are always judged from the records.

// factsRefresh is how far the ledger may grow past a row's size before
// the row is written again with the new size though its windows did not
// change: each report reads the leaves appended since the oldest row.
const factsRefresh = 4096

// cacheable reports whether s has fixed windows whose judgements can be
// kept.
func cacheable(s evident.Schedule) bool {
	return s.Cadence.Kind != evident.CadencePostChange && !s.Cadence.Rolling
}

// scheduleHash is what a control's windows are judged with besides its
// records, hashed: a row judged with another one never holds.
func scheduleHash(ci ControlInput) (string, error) {
	b, err := json.Marshal(struct {
		Format     string
		Schedule   evident.Schedule
		Changes    []evident.Change
		Exceptions []evident.Exception
	}{factsFormat, ci.Schedule, ci.History.Changes, ci.History.Exceptions})
	if err != nil {
		return "", fmt.Errorf("hash a schedule: %w", err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// factStates numbers the states a closed window can have in a row.
var factStates = []evident.PeriodState{evident.PeriodSatisfied, evident.PeriodFailing, evident.PeriodMissed,
	evident.PeriodExcepted, evident.PeriodOverdue, evident.PeriodDue, evident.PeriodUpcoming}

// factsFormat names the layout of a row's windows (encodeFacts). It is
// hashed with the schedule (scheduleHash), so a row written in another
// layout never holds: a report judges that control from the records once
// and writes the row again, and verify passes over it as never read.
const factsFormat = "runs/2"

// maxFacts bounds the windows one row may say it holds: a row of a few
// bytes could otherwise claim billions of windows and have a report
// allocate them. A million is over two thousand years of daily windows.
const maxFacts = 1 << 20

// EncodeWindows writes ps (oldest first, none overlapping) as a row of
// window_facts holds them, compactly, in runs: five years of a daily
// control are some 1 800 windows of one length, nearly all in one state
// and each starting where the last ended, which one run says in a few
// bytes. The row is the number of windows, then per run the first
// window's start as a varint of nanoseconds after the previous window's
// end (after the zero Unix time for the first), its length, its state's
// number, and how many more windows of that length and state follow
// back to back.
func EncodeWindows(ps []evident.Period) ([]byte, error) {
	fs := make([]fact, 0, len(ps))
	for _, p := range ps {
		f, err := factOf(p)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	return encodeFacts(fs)
}

func factOf(p evident.Period) (fact, error) {
	i := stateIndex(p.State)
	if i < 0 {
		return fact{}, fmt.Errorf("window %s to %s (%s) cannot be kept", p.Start, p.End, p.State)
	}
	return fact{start: p.Start.UnixNano(), end: p.End.UnixNano(), state: uint8(i)}, nil
}

func encodeFacts(fs []fact) ([]byte, error) {
	b := binary.AppendUvarint(make([]byte, 0, 16), uint64(len(fs)))
	var prev int64
	for i := 0; i < len(fs); {
		f := fs[i]
		if f.end < f.start || f.start < prev {
			return nil, fmt.Errorf("window %s to %s cannot be kept after one ending %s", time.Unix(0, f.start).UTC(), time.Unix(0, f.end).UTC(), time.Unix(0, prev).UTC())
		}
		l := f.end - f.start
		j := i + 1
		for j < len(fs) && fs[j].start == fs[j-1].end && fs[j].end-fs[j].start == l && fs[j].state == f.state {
			j++
		}
		b = binary.AppendVarint(b, f.start-prev)
		b = binary.AppendUvarint(b, uint64(l))
		b = append(b, f.state)
		b = binary.AppendUvarint(b, uint64(j-i-1))
		prev = fs[j-1].end
		i = j
	}
	return b, nil
}

func stateIndex(s evident.PeriodState) int {
	for i, f := range factStates {
		if f == s {
			return i
		}
	}
	return -1
}

var errFacts = errors.New("malformed window facts")

// fact is one kept window, compactly: a report over five years holds
// hundreds of thousands of them at once.
type fact struct {
	start, end int64 // Unix nanoseconds
	state      uint8 // index in factStates
}

func (f fact) period() evident.Period {
	return evident.Period{Window: evident.Window{Start: time.Unix(0, f.start).UTC(), End: time.Unix(0, f.end).UTC()}, State: factStates[f.state]}
}

// DecodeWindows reads a window_facts row's windows (EncodeWindows), or
// fails on bytes that are not such a row.
func DecodeWindows(b []byte) ([]evident.Period, error) {
	fs, err := decodeFacts(b, nil)
	if err != nil {
		return nil, err
	}
	out := make([]evident.Period, len(fs))
	for i, f := range fs {
		out[i] = f.period()
	}
	return out, nil
}

// decodeFacts reads a row's windows into buf[:0].
func decodeFacts(b []byte, buf []fact) ([]fact, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > maxFacts {
		return nil, errFacts
	}
	b = b[k:]
	out := slices.Grow(buf[:0], int(n))
	var prev int64
	for uint64(len(out)) < n {
		d, k := binary.Varint(b)
		if k <= 0 || d < 0 || prev > math.MaxInt64-d {
			return nil, errFacts
		}
		b = b[k:]
		l, k := binary.Uvarint(b)
		if k <= 0 || len(b) < k+1 || int(b[k]) >= len(factStates) || l > 1<<62 {
			return nil, errFacts
		}
		state := b[k]
		b = b[k+1:]
		r, k := binary.Uvarint(b)
		if k <= 0 || r >= n-uint64(len(out)) {
			return nil, errFacts
		}
		b = b[k:]
		start := prev + d
		for range r + 1 {
			if start > math.MaxInt64-int64(l) {
				return nil, errFacts
			}
			f := fact{start: start, end: start + int64(l), state: state}
			out = append(out, f)
			start = f.end
		}
		prev = start
	}
	if len(b) != 0 {
		return nil, errFacts
	}
	return out, nil
}

// factsScratch is the memory a report reuses from one control to the
// next: five years of a daily control's windows are not allocated and
// cleared again for each of five hundred controls.
type factsScratch struct {
	facts   []fact
	periods []evident.Period
}

// factsPlan is how one control is judged over a range: the kept windows
// that still hold, and the instant from which its windows are judged from
// the records.
type factsPlan struct {
	hash  string
	body  []byte // the stored row's windows, of which the first kept still hold
	kept  int
	live  time.Time // judge windows overlapping [live, ...) from the records
	store bool      // write the windows judged back
	old   *sqlstore.WindowFacts
}

// planFacts decides how control c is judged at at over [from, ...) given
// its stored row (nil for none), what the ledger gained since the oldest
// row, and whether judgements at at may be kept.
func planFacts(c evident.Control, ci ControlInput, row *sqlstore.WindowFacts, since sqlstore.LedgerSince, at, from time.Time, storable bool, scratch *factsScratch) (factsPlan, error) {
	p := factsPlan{live: from, old: row}
	s := ci.Schedule
	if !cacheable(s) {
		return p, nil
	}
	var err error
	if p.hash, err = scheduleHash(ci); err != nil {
		return p, err
	}
	start := s.Cadence.Window(s.Anchor, s.Anchor).Start
	if row != nil && row.Schedule == p.hash && !at.Before(row.ComputedAt) && (since.Unsettled == "" || row.TreeSize >= since.Size) {
		ws, err := decodeFacts(row.Body, scratch.facts)
		if err != nil {
			return p, fmt.Errorf("window facts of %s: %w", c.ID, err)
		}
		scratch.facts = ws
		n, through := len(ws), row.Through.UnixNano()
		for n > 0 && ws[n-1].end > through {
			n-- // cut back by a write since it was judged
		}
		if cut, ok := since.Earliest[c.ID]; ok && row.TreeSize < since.Size {
			for n > 0 && ws[n-1].end > cut.UnixNano() {
				n--
			}
		}
		p.body, p.kept = row.Body, n
		if n > 0 {
			start = time.Unix(0, ws[n-1].end).UTC()
		}
	}
	switch {
	case storable:
		// Judge from where the kept windows end, so the row grows to
		// every window closed by now.
		p.live, p.store = start, true
	case p.kept > 0 && start.After(from):
		p.live = start
	default:
		p.kept = 0
	}
	return p, nil
}

// periods returns the control's windows overlapping [from, to) judged at
// at: the kept ones, then those Evaluate judges from the history from
// p.live. With p.store it also returns the row to write, when it differs
// from the stored one, with every window closed by at.
//
// The windows returned live in scratch and are overwritten by the next
// call: the caller judges them before it asks for the next control's.
func (p factsPlan) periods(c evident.Control, ci ControlInput, at, from, to time.Time, size int64, scratch *factsScratch) ([]evident.Period, *sqlstore.WindowFacts, error) {
	s := ci.Schedule
	end := to
	if p.store && at.After(end) {
		end = at
	}
	var live []evident.Period
	if end.After(p.live) {
		live = s.Evaluate(ci.History, p.live, end, at)
	}
	var kept []fact
	if p.kept > 0 {
		ws, err := decodeFacts(p.body, scratch.facts)
		if err != nil {
			return nil, nil, fmt.Errorf("window facts of %s: %w", c.ID, err)
		}
		scratch.facts, kept = ws, ws[:p.kept]
	}
	out := scratch.periods[:0]
	defer func() { scratch.periods = out[:0] }()
	f, t := from.UnixNano(), to.UnixNano()
	for _, k := range kept {
		if k.end > f && k.start < t {
			out = append(out, k.period())
		}
	}
	for _, w := range live {
		if w.End.After(from) && w.Start.Before(to) {
			out = append(out, w)
		}
	}
	if !p.store {
		return out, nil, nil
	}
	closed := 0 // the live windows closed by at, which the row gains
	for _, w := range live {
		if w.Start.Before(p.live) || at.Before(w.End.Add(s.Cadence.Grace())) {
			break
		}
		closed++
	}
	if closed == 0 {
		// Most reports close no window: the row is written again only
		// when the ledger has grown far past it, and copied only then.
		if len(kept) == 0 {
			return out, nil, nil
		}
		through := time.Unix(0, kept[len(kept)-1].end).UTC()
		if o := p.old; o != nil && o.Schedule == p.hash && o.Through.Equal(through) && size-o.TreeSize < factsRefresh {
			return out, nil, nil // the stored row says all of it already
		}
	}
	ws := make([]fact, len(kept), len(kept)+closed)
	copy(ws, kept)
	for _, w := range live[:closed] {
		k, err := factOf(w)
		if err != nil {
			return nil, nil, fmt.Errorf("window facts of %s: %w", c.ID, err)
		}
		ws = append(ws, k)
	}
	through := time.Unix(0, ws[len(ws)-1].end).UTC()
	body, err := encodeFacts(ws)
	if err != nil {
		return nil, nil, fmt.Errorf("window facts of %s: %w", c.ID, err)
	}
	return out, &sqlstore.WindowFacts{Control: c.ID, Schedule: p.hash, TreeSize: size, ComputedAt: at, Through: through, Body: body}, nil
}

// CheckWindowFacts judges every stored row of window facts again from the
// records and returns each difference: a row a report would read (its
// hash is the control's now) must hold the windows Evaluate gives from
// the records visible at the instant it was judged at, every one of them
// up to its end. verify runs it after proving the records against the
// log, so a row that passes is derived from the log.
func CheckWindowFacts(ctx context.Context, st *sqlstore.Store, at time.Time) ([]string, error) {
	var rows map[string]sqlstore.WindowFacts
	if err := st.Read(ctx, func(tx *sqlstore.Tx) (err error) {
		rows, err = tx.WindowFacts(ctx)
		return err
	}); err != nil || len(rows) == 0 {
		return nil, err
	}
	in, err := LoadFrame(ctx, st, nil, at)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, c := range in.Model.Controls {
		row, ok := rows[c.ID]
		if !ok {
			continue
		}
		delete(rows, c.ID)
		ci := in.Controls[c.ID]
		h, err := scheduleHash(ci)
		if err != nil {
			return nil, err
		}
		if h != row.Schedule || !cacheable(ci.Schedule) {
			continue // never read: no report judges with it
		}
		kept, err := DecodeWindows(row.Body)
		if err != nil {
			problems = append(problems, fmt.Sprintf("window_facts row of control %s: %v", c.ID, err))
			continue
		}
		n := len(kept)
		for n > 0 && kept[n-1].End.After(row.Through) {
			n-- // cut back by a write: never read
		}
		kept = kept[:n]
		if msg, err := recheck(ctx, st, in, c, ci, row, kept); err != nil {
			return nil, err
		} else if msg != "" {
			problems = append(problems, fmt.Sprintf("window_facts row of control %s: %s", c.ID, msg))
		}
	}
	return problems, nil
}

// recheck judges control c's windows up to row.Through from the records
// visible at row.ComputedAt and says where kept differs, "" when nowhere.
func recheck(ctx context.Context, st *sqlstore.Store, in Input, c evident.Control, ci ControlInput, row sqlstore.WindowFacts, kept []evident.Period) (string, error) {
	s := ci.Schedule
	start := s.Cadence.Window(s.Anchor, s.Anchor).Start
	q := sqlstore.HistoryQuery{Control: c.ID, Since: start, Scoped: len(c.Systems) > 0}
	sub := in
	sub.At = row.ComputedAt
	var occ map[string][]evident.Occurrence
	if err := st.Read(ctx, func(tx *sqlstore.Tx) (err error) {
		occ, err = occurrences(ctx, tx, &sub, []sqlstore.HistoryQuery{q})
		return err
	}); err != nil {
		return "", err
	}
	ci.History.Occurrences = occ[c.ID]
	var want []evident.Period
	for _, w := range s.Evaluate(ci.History, start, row.Through, row.ComputedAt) {
		if !w.End.After(row.Through) {
			want = append(want, w)
		}
	}
	for i := range max(len(want), len(kept)) {
		switch {
		case i >= len(want):
			return fmt.Sprintf("holds a window %s to %s the records do not have", evident.UTC(kept[i].Start), evident.UTC(kept[i].End)), nil
		case i >= len(kept):
			return fmt.Sprintf("lacks the window %s to %s (%s by the records)", evident.UTC(want[i].Start), evident.UTC(want[i].End), want[i].State), nil
		case !want[i].Start.Equal(kept[i].Start) || !want[i].End.Equal(kept[i].End) || want[i].State != kept[i].State:
			return fmt.Sprintf("says the window %s to %s is %s; the records make the window %s to %s %s",
				evident.UTC(kept[i].Start), evident.UTC(kept[i].End), kept[i].State,
				evident.UTC(want[i].Start), evident.UTC(want[i].End), want[i].State), nil
		}
	}
	return "", nil
}
