package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// auditPageSize is how many records one page of the audit trail shows.
const auditPageSize = 50

// auditEntry is one ledger record as the audit trail shows it.
type auditEntry struct {
	Index int64
	evident.Record
	Body string // indented JSON for reading
}

type auditPage struct {
	Size    int64 // leaves in the ledger
	Entries []auditEntry
	Newer   int64 // "before" value of the newer page, or -1
	Older   int64 // "before" value of the older page, or -1
}

// Audit lists the ledger newest first: every evidence record and every
// change to the program, with who made it and when. ?before=N pages back.
func (w *Web) Audit() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		var data auditPage
		err := w.cfg.Store.Read(r.Context(), func(tx *sqlstore.Tx) error {
			size, err := tx.LedgerSize(r.Context())
			if err != nil {
				return err
			}
			data.Size = size
			before, err := beforeParam(r, size)
			if err != nil {
				return err
			}
			from := max(before-auditPageSize, 0)
			leaves, err := tx.LedgerLeaves(r.Context(), from, before)
			if err != nil {
				return err
			}
			for i := len(leaves) - 1; i >= 0; i-- {
				e, err := entryOf(leaves[i])
				if err != nil {
					return err
				}
				// An assessor reads the trail of their audit period only.
				if p, err := principal(r); err == nil && !p.User.InPeriod(e.At) {
					continue
				}
				data.Entries = append(data.Entries, e)
			}
			data.Older, data.Newer = -1, -1
			if from > 0 {
				data.Older = from
			}
			if before < size {
				data.Newer = min(before+auditPageSize, size)
			}
			return nil
		})
		if err != nil {
			return err
		}
		w.render(rw, r, http.StatusOK, "audit.html", page{Title: "Audit trail", Nav: "audit", Data: data})
		return nil
	})
}

// beforeParam reads ?before=N, the exclusive upper index of the page.
func beforeParam(r *http.Request, size int64) (int64, error) {
	s := r.URL.Query().Get("before")
	if s == "" {
		return size, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, evident.ErrorAt(evident.EINVALID, "before", "%q is not a ledger index", s)
	}
	return min(n, size), nil
}

func entryOf(l sqlstore.LedgerLeaf) (auditEntry, error) {
	rec, err := evident.ParseRecord(l.Data)
	if err != nil {
		return auditEntry{}, err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, rec.Body, "", "  "); err != nil {
		buf.Reset()
		buf.Write(rec.Body)
	}
	return auditEntry{Index: l.Index, Record: rec, Body: buf.String()}, nil
}
