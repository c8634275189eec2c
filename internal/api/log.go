package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// logEntry is one audit-trail record as the API shows it.
type logEntry struct {
	Index int64           `json:"index"`
	Kind  string          `json:"kind"`
	ID    string          `json:"id"`
	Actor string          `json:"actor"`
	At    time.Time       `json:"at"`
	Body  json.RawMessage `json:"body"`
}

// logChunk is how many leaves one read fetches while filling a page.
const logChunk = 512

// Log lists the audit trail newest first. The cursor is the index of the
// last record returned; an assessor's page holds only records inside
// their period.
func (a *API) Log() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		pg, err := parsePage(r)
		if err != nil {
			return err
		}
		kindFilter := r.URL.Query().Get("kind")
		from, to := p.Period()
		var out List[logEntry]
		out.Items = []logEntry{}
		err = a.cfg.Store.Read(r.Context(), func(tx *sqlstore.Tx) error {
			before, err := tx.LedgerSize(r.Context())
			if err != nil {
				return err
			}
			if pg.after != "" {
				n, err := strconv.ParseInt(pg.after, 10, 64)
				if err != nil || n < 0 || n > before {
					return evident.ErrorAt(evident.EINVALID, "cursor", "cursor is not a position in this ledger")
				}
				before = n
			}
			for before > 0 && len(out.Items) < pg.limit {
				start := max(before-logChunk, 0)
				leaves, err := tx.LedgerLeaves(r.Context(), start, before)
				if err != nil {
					return err
				}
				done := false
				for i := len(leaves) - 1; i >= 0 && !done; i-- {
					l := leaves[i]
					rec, err := evident.ParseRecord(l.Data)
					if err != nil {
						return err
					}
					switch {
					case !to.IsZero() && !rec.At.Before(to):
					case !from.IsZero() && rec.At.Before(from):
						// Records are appended in time order, so nothing
						// older is inside the period either.
						before, done = 0, true
						continue
					case kindFilter != "" && rec.Kind != kindFilter:
					default:
						out.Items = append(out.Items, logEntry{Index: l.Index, Kind: rec.Kind, ID: rec.ID, Actor: rec.Actor, At: rec.At, Body: rec.Body})
					}
					before = l.Index
					done = len(out.Items) == pg.limit
				}
				if !done {
					before = start
				}
			}
			if before > 0 {
				out.NextCursor = encodeCursor(strconv.FormatInt(before, 10))
			}
			return nil
		})
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, out)
	})
}
