package web

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

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
	// Name is what the record is about, by name where the trail knows
	// one (an evidence record's file and day), else its id.
	Name string
}

type auditPage struct {
	Size    int64 // leaves in the ledger
	Entries []auditEntry
	Newer   int64 // "before" value of the newer page, or -1
	Older   int64 // "before" value of the older page, or -1
	// Filter is what the form asked for; Query is it as URL parameters,
	// which the pager links carry.
	Filter auditForm
	Query  string
	// NewerURL and OlderURL are the pager's links, the filter kept.
	NewerURL, OlderURL template.URL
}

// auditForm is the audit trail's filter as the URL carries it.
type auditForm struct {
	Kind, Actor, From, To string
	SignIns               bool
}

// Audit lists the ledger newest first: every evidence record and every
// change to the program, with who made it and when. ?before=N pages back;
// kind (a prefix), actor, from and to filter, and sign-ins are shown only
// with signins=1. Filters and pager work in one query, so a filtered page
// is full.
func (w *Web) Audit() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		var data auditPage
		q := r.URL.Query()
		data.Filter = auditForm{Kind: q.Get("kind"), Actor: q.Get("actor"), From: q.Get("from"), To: q.Get("to"), SignIns: q.Get("signins") == "1"}
		f := sqlstore.AuditFilter{Kind: data.Filter.Kind, Actor: data.Filter.Actor, SignIns: data.Filter.SignIns}
		for _, d := range []struct {
			name, s string
			t       *time.Time
		}{{"from", data.Filter.From, &f.From}, {"to", data.Filter.To, &f.To}} {
			if d.s == "" {
				continue
			}
			t, err := evident.ParseTime(d.s)
			if err != nil {
				return evident.ErrorAt(evident.EINVALID, d.name, "%q is not a date such as 2026-01-31", d.s)
			}
			*d.t = t
		}
		// An assessor reads the trail of their audit period only.
		if p, err := principal(r); err == nil && p.User.Role == evident.RoleAssessor {
			if f.From.IsZero() || f.From.Before(p.User.PeriodFrom) {
				f.From = p.User.PeriodFrom
			}
			if f.To.IsZero() || (!p.User.PeriodTo.IsZero() && f.To.After(p.User.PeriodTo)) {
				f.To = p.User.PeriodTo
			}
		}
		v := url.Values{}
		for k, s := range map[string]string{"kind": data.Filter.Kind, "actor": data.Filter.Actor, "from": data.Filter.From, "to": data.Filter.To} {
			if s != "" {
				v.Set(k, s)
			}
		}
		if data.Filter.SignIns {
			v.Set("signins", "1")
		}
		data.Query = v.Encode()
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
			leaves, newer, err := tx.AuditPage(r.Context(), f, before, auditPageSize)
			if err != nil {
				return err
			}
			for _, l := range leaves {
				e, err := entryOf(l)
				if err != nil {
					return err
				}
				data.Entries = append(data.Entries, e)
			}
			data.Older, data.Newer = -1, newer
			if len(leaves) == auditPageSize && leaves[len(leaves)-1].Index > 0 {
				data.Older = leaves[len(leaves)-1].Index
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Evidence is named by file and day, read after the page's
		// transaction rather than inside it.
		var ids []string
		for _, e := range data.Entries {
			if e.Kind == evident.EvidenceRecordKind {
				ids = append(ids, e.ID)
			}
		}
		names, err := w.cfg.Store.EvidenceNames(r.Context(), ids)
		if err != nil {
			return err
		}
		for i, e := range data.Entries {
			data.Entries[i].Name = e.ID
			if n, ok := names[e.ID]; ok && e.Kind == evident.EvidenceRecordKind {
				data.Entries[i].Name = n
			}
		}
		pageURL := func(before int64) template.URL {
			u := url.Values{}
			for k, vs := range v {
				u[k] = vs
			}
			u.Set("before", strconv.FormatInt(before, 10))
			return template.URL("/audit?" + u.Encode())
		}
		if data.Newer >= 0 {
			data.NewerURL = pageURL(data.Newer)
		}
		if data.Older >= 0 {
			data.OlderURL = pageURL(data.Older)
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

// auditHref is the page of the object a record is about, so the trail
// links to it; "" for records about nothing with a page of its own (a
// sign-in, a user, a program apply).
func auditHref(kind, ref string) string {
	if ref == "" {
		return ""
	}
	esc := url.PathEscape(ref)
	switch {
	case kind == evident.EvidenceRecordKind:
		return "/evidence/" + esc
	case strings.HasPrefix(kind, "incident."):
		return "/incidents/" + esc
	case strings.HasPrefix(kind, "engagement."):
		return "/engagements/" + esc
	case strings.HasPrefix(kind, "change."):
		return "/changes?recorded=" + url.QueryEscape(ref)
	}
	return ""
}

// sourceHref is the page of the object behind a task (readiness.Task's
// Source, "incident/ID"), so no task is a dead end; "" when it has none.
func sourceHref(source string) string {
	kind, id, ok := strings.Cut(source, "/")
	if !ok || id == "" {
		return ""
	}
	switch kind {
	case "incident":
		return "/incidents/" + url.PathEscape(id)
	case "evidence":
		return "/evidence/" + url.PathEscape(id)
	case "policy":
		return "/policies/" + url.PathEscape(id)
	case "change":
		return "/changes?recorded=" + url.QueryEscape(id)
	case "service":
		return "/scope#service-" + url.PathEscape(id)
	}
	return ""
}
