package main

import (
	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// cmdApprove records an approval (or with --reject a rejection) of one
// subject as the acting login (--actor), which must hold the approver
// role; with --list it prints the approvals inbox instead.
func cmdApprove(a *app, args []string) error {
	fs := a.flags("approve")
	list := fs.Bool("list", false, "list what awaits approval instead of deciding")
	state := fs.String("state", evident.ApprovalPending, "with --list: pending, approved, rejected or all")
	kind := fs.String("kind", "", "with --list: only policy, acceptance, exception, deviation, treatment or soa")
	reject := fs.Bool("reject", false, "reject instead of approve")
	comment := fs.String("comment", "", "recorded with the act")
	digest := fs.String("sha256", "", "the digest you read; refused if the object has changed since")
	subjects, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if *list {
		return approvalList(a, *state, *kind)
	}
	if len(subjects) != 1 {
		return evident.Errorf(evident.EINVALID, "approve: name one subject, for example policy/cps@3.1 (`evident approve --list` shows them)")
	}
	verb := evident.ActApprove
	if *reject {
		verb = evident.ActReject
	}
	l, st, err := a.openLedger()
	if err != nil {
		return err
	}
	defer st.Close()
	act, err := l.Approve(a.ctx, sqlstore.ApprovalInput{Subject: subjects[0], Verb: verb, Approver: a.actor, Comment: *comment, SHA256: *digest})
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(act)
	}
	a.out("%s  %s %s as %s, sha256 %s  leaf %d\n", act.ID, pastTense(verb), act.Subject, act.Actor, act.SHA256, act.LedgerIndex)
	return nil
}

// pastTense names a decision just made.
func pastTense(v evident.ActVerb) string {
	if v == evident.ActApprove {
		return "approved"
	}
	return "rejected"
}

// approvalList prints the approvals inbox in state s, of kind k if set.
func approvalList(a *app, s, k string) error {
	f := sqlstore.ApprovalFilter{State: s}
	if k != "" {
		kind, err := evident.ApprovalKindOf(k + "/x")
		if err != nil {
			return evident.ErrorAt(evident.EINVALID, "--kind", "%q: want policy, acceptance, exception, deviation, treatment or soa", k)
		}
		f.Kind = kind
	}
	switch s {
	case "all":
		f.State = ""
	case evident.ApprovalPending, evident.ApprovalApproved, evident.ApprovalRejected:
	default:
		return evident.ErrorAt(evident.EINVALID, "--state", "%q: want pending, approved, rejected or all", s)
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	items, err := st.Approvals(a.ctx, f, st.Now())
	if err != nil {
		return err
	}
	if a.json {
		if items == nil {
			items = []sqlstore.ApprovalItem{}
		}
		return a.printJSON(items)
	}
	rows := make([][]string, len(items))
	for i, it := range items {
		rows[i] = []string{it.Subject, it.State, it.SHA256.String()[:12], orNone(it.Claim), it.Title}
	}
	if len(rows) > 0 {
		printRows(a.stdout, "SUBJECT\tSTATE\tSHA256\tCLAIMED\tTITLE", rows)
	}
	a.out("%d objects.\n", len(items))
	return nil
}
