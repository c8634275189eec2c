package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/api"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// approvalsPage is the management body's inbox: what waits for approval
// (or what was decided), each with the digest an approval would bind.
type approvalsPage struct {
	Items   []approvalRow
	State   string
	States  []string
	Kind    string
	Kinds   []evident.ApprovalKind
	Error   string
	Decided string // the act just recorded
}

// approvalRow is one inbox item with, for a policy version, what changed
// since the version approved before it.
type approvalRow struct {
	sqlstore.ApprovalItem
	// Diff is a line diff of the previous approved document and this one,
	// when both are stored as text; nil otherwise.
	Diff []diffLine
}

// Approvals renders the inbox; ?state= shows approved, rejected or all.
func (w *Web) Approvals() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		return w.approvals(rw, r, http.StatusOK, "")
	})
}

func (w *Web) approvals(rw http.ResponseWriter, r *http.Request, status int, errMsg string) error {
	q := r.URL.Query()
	data := approvalsPage{State: q.Get("state"), States: []string{evident.ApprovalPending, evident.ApprovalApproved, evident.ApprovalRejected, "all"},
		Error: errMsg, Decided: q.Get("decided"), Kind: q.Get("kind"), Kinds: evident.ApprovalKinds}
	f := sqlstore.ApprovalFilter{State: data.State}
	if data.Kind != "" {
		k, err := evident.ApprovalKindOf(data.Kind + "/x")
		if err != nil {
			return evident.ErrorAt(evident.EINVALID, "kind", "%q: want one of policy, acceptance, exception, deviation, treatment, soa", data.Kind)
		}
		f.Kind = k
	}
	switch data.State {
	case "":
		data.State, f.State = evident.ApprovalPending, evident.ApprovalPending
	case evident.ApprovalPending, evident.ApprovalApproved, evident.ApprovalRejected:
	case "all":
		f.State = ""
	default:
		return evident.ErrorAt(evident.EINVALID, "state", "%q: want pending, approved, rejected or all", data.State)
	}
	items, err := w.cfg.Store.Approvals(r.Context(), f, w.cfg.Store.Now())
	if err != nil {
		return err
	}
	for _, it := range items {
		row := approvalRow{ApprovalItem: it}
		if it.Previous != nil {
			row.Diff = w.documentDiff(r.Context(), it.Previous.SHA256, it.SHA256.String())
		}
		data.Items = append(data.Items, row)
	}
	w.render(rw, r, status, "approvals.html", page{Title: "Approvals", Nav: "approvals", Data: data})
	return nil
}

// Approve records the signed-in login's decision on one object. The form
// carries the digest shown, so an object edited meanwhile is refused
// rather than approved unseen; a refusal shows the inbox again with why.
func (w *Web) Approve() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		in := sqlstore.ApprovalInput{Subject: r.PostFormValue("subject"), Verb: evident.ActVerb(r.PostFormValue("verb")),
			Approver: p.User.Name, Comment: strings.TrimSpace(r.PostFormValue("comment")), SHA256: r.PostFormValue("sha256")}
		act, err := w.cfg.Ledger.Approve(r.Context(), in)
		if err != nil {
			if evident.ErrorCode(err) == evident.EINTERNAL {
				return err
			}
			return w.approvals(rw, r, api.Status(err), evident.ErrorMessage(err))
		}
		http.Redirect(rw, r, "/approvals?decided="+url.QueryEscape(act.ID), http.StatusSeeOther)
		return nil
	})
}

// maxDiffDocument bounds what the inbox reads of a document to diff: a
// policy is pages of text, not megabytes.
const maxDiffDocument = 512 << 10

// documentDiff diffs two stored documents by their hex digests, or
// returns nil when either is not stored or is not text.
func (w *Web) documentDiff(ctx context.Context, oldHex, newHex string) []diffLine {
	if w.cfg.Ledger == nil {
		return nil
	}
	read := func(h string) (string, bool) {
		d, err := evident.ParseDigest(h)
		if err != nil {
			return "", false
		}
		rc, err := w.cfg.Ledger.Blobs().Open(ctx, d)
		if err != nil {
			return "", false
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, maxDiffDocument+1))
		if err != nil || len(b) > maxDiffDocument || !utf8.Valid(b) || strings.ContainsRune(string(b), 0) {
			return "", false
		}
		return string(b), true
	}
	a, ok := read(oldHex)
	if !ok {
		return nil
	}
	b, ok := read(newHex)
	if !ok {
		return nil
	}
	return lineDiff(a, b)
}
