package readiness

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/kept"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Over is readiness over a period with the monthly series of the months
// up to its instant: what GET /api/v1/readiness answers and the dashboard
// draws, computed by one function (OverAt) for both.
type Over struct {
	Report Report  `json:"report"`
	Series []Point `json:"series"`
}

// LiveTTL bounds how old a figure served as "now" may be when nothing
// has been written: a window turns due, overdue or missed with the clock
// alone, so such a figure is judged again after a few seconds, never
// kept for long. Any write makes it be judged afresh.
const LiveTTL = 15 * time.Second

// Figures keeps readiness over a period and its monthly series, the
// costliest figures the views show: over a million records the series
// alone reads a year of evidence and judges every month of it (seconds).
// Each is computed once per ledger size and query, shared by the API and
// the web in one process, and kept until the ledger grows or, for a
// figure "now", until it is LiveTTL old. A reader with a grant sees
// records the store narrowed for them alone, and is computed for on every
// request: their figure must not become everyone's.
type Figures struct {
	st  *sqlstore.Store
	cat *catalog.Catalog
	// series is the monthly series by instant ("live" for now), and
	// overs the period's report with it, by instant and range asked for.
	series kept.Keyed[[]Point]
	overs  kept.Keyed[figure]

	mu   sync.Mutex
	last judgedSeries // the newest series "now", whose closed months a later one reuses
}

// judgedSeries is a series judged at an instant from a ledger of a size.
type judgedSeries struct {
	size   int64
	at     time.Time
	points []Point
}

// figure is a kept Over with its JSON: encoding a report of hundreds of
// controls costs more than serving it, so it is encoded once.
type figure struct {
	over Over
	json []byte
}

// NewFigures keeps the figures of the program in st, judged against cat.
func NewFigures(st *sqlstore.Store, cat *catalog.Catalog) *Figures {
	return &Figures{st: st, cat: cat}
}

// OverAt is readiness over [from, to) as of at, with the series of the
// SeriesMonths months up to it, for a ledger of size leaves (read by the
// caller). A zero from or to takes Range's default at the instant judged,
// with the reader's grant (sqlstore.GrantOf) as their own period.
//
// live says at is the reader's "now" rather than an instant they named: a
// figure judged up to LiveTTL before at may then serve, and its report's
// At says when it was judged; the series and the report are always
// judged at the same instant. For a named instant the figure is judged at
// it exactly.
func (f *Figures) OverAt(ctx context.Context, size int64, at time.Time, live bool, from, to time.Time) (Over, error) {
	v, err := f.figure(ctx, size, at, live, from, to)
	return v.over, err
}

// OverJSONAt is OverAt's figure as JSON, followed by a newline: what GET
// /api/v1/readiness answers.
func (f *Figures) OverJSONAt(ctx context.Context, size int64, at time.Time, live bool, from, to time.Time) ([]byte, error) {
	v, err := f.figure(ctx, size, at, live, from, to)
	return v.json, err
}

func (f *Figures) figure(ctx context.Context, size int64, at time.Time, live bool, from, to time.Time) (figure, error) {
	if _, narrowed := sqlstore.GrantOf(ctx); narrowed {
		return f.compute(ctx, at, nil, from, to)
	}
	instant := "live"
	if !live {
		instant = "at=" + at.UTC().Format(time.RFC3339Nano)
	}
	query := instant + " from=" + stamp(from) + " to=" + stamp(to)
	v, _, err := f.overs.Of(query).Get(ctx, size, at, LiveTTL, func(ctx context.Context) (figure, time.Time, error) {
		series, judged, err := f.series.Of(instant).Get(ctx, size, at, LiveTTL, func(ctx context.Context) ([]Point, time.Time, error) {
			if live {
				s, err := f.liveSeries(ctx, size, at)
				return s, at, err
			}
			s, err := seriesAt(ctx, f.st, f.cat, at)
			return s, at, err
		})
		if err != nil {
			return figure{}, at, err
		}
		v, err := f.compute(ctx, judged, series, from, to)
		return v, judged, err
	})
	return v, err
}

// compute judges readiness over [from, to) at at, and the series unless
// given (one judged at at), and encodes them.
func (f *Figures) compute(ctx context.Context, at time.Time, series []Point, from, to time.Time) (figure, error) {
	var gf, gt time.Time
	if g, ok := sqlstore.GrantOf(ctx); ok {
		gf, gt = g.From, g.To
	}
	from, to, err := Range(at, from, to, gf, gt)
	if err != nil {
		return figure{}, err
	}
	if series == nil {
		if series, err = seriesAt(ctx, f.st, f.cat, at); err != nil {
			return figure{}, err
		}
	}
	r, err := ReportOf(ctx, f.st, f.cat, at, from, to)
	if err != nil {
		return figure{}, err
	}
	v := figure{over: Over{Report: r, Series: series}}
	if v.json, err = json.Marshal(v.over); err != nil {
		return figure{}, err
	}
	v.json = append(v.json, '\n')
	return v, nil
}

// settledKinds are the kinds of leaf besides evidence that change nothing
// a month of the series is judged from: sign-ins and sign-outs,
// notification settings, missed periods recorded, the ledger's own
// records, exports. Any other (a program change, an exception, a change,
// an act, a finding, an incident, a user) may, and the series is judged
// whole again; a kind is distrusted until it is listed here.
var settledKinds = []string{"auth.", "notify.", "period.", "ledger.", "pack.export"}

// settled reports whether a leaf of kind k leaves every point as it was.
func settled(k string) bool {
	for _, q := range settledKinds {
		if k == q || (strings.HasSuffix(q, ".") && strings.HasPrefix(k, q)) {
			return true
		}
	}
	return false
}

// liveSeries is seriesAt(at) for a ledger of size leaves, reusing the
// months of the last series "now" that no leaf since can change.
//
// A month that had ended when that series was judged was judged as known
// at its end: evidence received after that end is invisible to it
// (evident.Schedule.Evaluate). So when everything added since is evidence
// that corrects no earlier record, or of a settled kind, the months that
// ended before both that series' instant and the first of the new records
// was received stand, and only the months after them are judged, from
// their own records. At a million records that is the current month's
// evidence rather than a year's, after every upload. Anything else, a new
// month, or no series yet, judges the whole series.
func (f *Figures) liveSeries(ctx context.Context, size int64, at time.Time) ([]Point, error) {
	f.mu.Lock()
	last := f.last
	f.mu.Unlock()
	start := SeriesStart(at, SeriesMonths)
	reuse := 0
	if last.points != nil && last.size <= size && !at.Before(last.at) && SeriesStart(last.at, SeriesMonths).Equal(start) {
		var added sqlstore.Appended
		err := f.st.Read(ctx, func(tx *sqlstore.Tx) (err error) {
			added, err = tx.AppendedSince(ctx, last.size)
			return err
		})
		if err != nil {
			return nil, err
		}
		ok := added.Superseding == 0
		for _, k := range added.Kinds {
			ok = ok && (k == evident.EvidenceRecordKind || settled(k))
		}
		for ok && reuse < len(last.points) {
			p := last.points[reuse]
			if !p.To.Before(last.at) || (added.Evidence > 0 && added.EarliestReceived.Before(p.To)) {
				break
			}
			reuse++
		}
	}
	var points []Point
	if reuse == 0 {
		s, err := seriesAt(ctx, f.st, f.cat, at)
		if err != nil {
			return nil, err
		}
		points = s
	} else {
		p, err := LoadProgram(ctx, f.st, f.cat, at, start.AddDate(0, reuse, 0), false)
		if err != nil {
			return nil, err
		}
		points = append(slices.Clip(last.points[:reuse]), seriesFrom(p.In, SeriesMonths, reuse)...)
	}
	f.mu.Lock()
	if size >= f.last.size && !at.Before(f.last.at) {
		f.last = judgedSeries{size: size, at: at, points: points}
	}
	f.mu.Unlock()
	return points, nil
}

// seriesAt is the series of the SeriesMonths months up to at, from the
// year of evidence it needs.
func seriesAt(ctx context.Context, st *sqlstore.Store, cat *catalog.Catalog, at time.Time) ([]Point, error) {
	p, err := LoadProgram(ctx, st, cat, at, SeriesStart(at, SeriesMonths), false)
	if err != nil {
		return nil, err
	}
	return Series(p.In, SeriesMonths), nil
}

// stamp is t in a key: "" for the zero instant (the default asked for).
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
