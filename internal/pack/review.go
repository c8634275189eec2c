package pack

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// BadAcceptance is the problem kind of an accepted item whose acceptance
// does not hold: it binds another digest, control or window, was made by
// the submitter, or by a login that did not hold the right at that instant.
const BadAcceptance = "bad acceptance"

// Acceptance is one act that accepted an item counted for a window of a
// reviewed control: who accepted what, when, for which window and systems,
// and what was checked. The act's leaf (Index) and the leaves of the
// reviewer's login (user.add, user.role, ...) are in the pack, so Verify
// recomputes each claim from the ledger rather than from this summary.
type Acceptance struct {
	Act         string    `json:"act"`
	Index       int64     `json:"index"`
	Evidence    string    `json:"evidence"`
	SHA256      string    `json:"sha256"`
	Control     string    `json:"control"`
	Reviewer    string    `json:"reviewer"`
	Submitter   string    `json:"submitter"`
	At          time.Time `json:"at"`
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	Systems     []string  `json:"systems,omitempty"`
	Basis       string    `json:"basis"`
	Role        string    `json:"role"`
	Checked     []string  `json:"checked,omitempty"`
}

// userRecordKinds are the audit records that say which role a login held.
var userRecordKinds = []string{"user.add", "user.role", "user.disable", "user.enable"}

// acceptances adds, for every item counted in a window of a reviewed
// control, the acts about it and the records of each reviewer's login up
// to the act, and lists the acceptances in the manifest.
func (e *exporter) acceptances(ctx context.Context, tx *sqlstore.Tx, pr *prover) error {
	counted := map[string]string{} // evidence id -> control
	for _, cv := range e.man.Coverage {
		if !cv.Reviewed {
			continue
		}
		for _, w := range cv.Windows {
			for _, id := range w.Evidence {
				counted[id] = cv.Control
			}
		}
	}
	var subjects []string
	for _, id := range slices.Sorted(mapsKeys(counted)) {
		subjects = append(subjects, sqlstore.EvidenceSubject(id))
	}
	acts, err := tx.ActsAbout(ctx, subjects, e.opt.Now)
	if err != nil {
		return err
	}
	users := map[string][]sqlstore.LedgerLeaf{}
	for _, kind := range userRecordKinds {
		err := tx.LeavesOfKind(ctx, kind, func(lf sqlstore.LedgerLeaf) error {
			users[lf.Ref] = append(users[lf.Ref], lf)
			return nil
		})
		if err != nil {
			return err
		}
	}
	e.man.Acceptances = []Acceptance{}
	for _, s := range subjects {
		for _, a := range acts[s] {
			if a.LedgerIndex >= pr.final.Size {
				continue
			}
			if err := e.addAct(tx, pr, a, users[a.Actor]); err != nil {
				return err
			}
			b, err := a.Binding()
			if err != nil || a.Verb != evident.ActAccept || b.Control != counted[b.Evidence] {
				continue
			}
			e.man.Acceptances = append(e.man.Acceptances, Acceptance{Act: a.ID, Index: a.LedgerIndex, Evidence: b.Evidence,
				SHA256: a.SHA256.String(), Control: b.Control, Reviewer: a.Actor, Submitter: b.Submitter, At: a.At,
				WindowStart: b.WindowStart, WindowEnd: b.WindowEnd, Systems: b.Systems, Basis: b.Basis, Role: string(b.Role), Checked: b.Checked})
		}
	}
	sort.SliceStable(e.man.Acceptances, func(i, j int) bool { return e.man.Acceptances[i].Index < e.man.Acceptances[j].Index })
	return nil
}

// addAct adds an act's leaf and the reviewer's login records before it.
func (e *exporter) addAct(tx *sqlstore.Tx, pr *prover, a evident.Act, user []sqlstore.LedgerLeaf) error {
	leaves, err := tx.LedgerLeaves(pr.ctx, a.LedgerIndex, a.LedgerIndex+1)
	if err != nil {
		return err
	}
	if len(leaves) != 1 {
		return evident.Errorf(evident.EFAILED, "act %s: ledger leaf %d is missing from the store; run `evident verify`", a.ID, a.LedgerIndex)
	}
	if err := e.addLeaf(pr, leaves[0], false); err != nil {
		return err
	}
	for _, lf := range user {
		if lf.Index < a.LedgerIndex {
			if err := e.addLeaf(pr, lf, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// reviewFacts is what Verify learns from the act and login leaves.
type reviewFacts struct {
	acts  []evident.Act
	users map[string][]userState // login -> states in ledger order
}

// userState is a login's role from one leaf on.
type userState struct {
	index    int64
	role     evident.UserRole
	disabled bool
}

// noteRecord keeps the act and login records of the pack's leaves.
func (v *verifier) noteRecord(rec evident.Record, index int64) {
	switch {
	case rec.Kind == evident.ActRecordKind:
		a, err := evident.ActFromRecord(rec)
		if err != nil {
			v.add(ChangedLeaf, LeafPath(index), "%s", evident.ErrorMessage(err))
			return
		}
		a.LedgerIndex = index
		v.review.acts = append(v.review.acts, a)
	case slices.Contains(userRecordKinds, rec.Kind):
		var u struct {
			Role     evident.UserRole `json:"role"`
			Disabled bool             `json:"disabled"`
		}
		if json.Unmarshal(rec.Body, &u) != nil {
			return
		}
		if v.review.users == nil {
			v.review.users = map[string][]userState{}
		}
		v.review.users[rec.ID] = append(v.review.users[rec.ID], userState{index: index, role: u.Role, disabled: u.Disabled})
	}
}

// roleAt returns the role login held just before leaf index, from the
// login's records in the pack.
func (v *verifier) roleAt(login string, index int64) (userState, bool) {
	var st userState
	found := false
	for _, s := range v.review.users[login] {
		if s.index < index {
			st, found = s, true
		}
	}
	return st, found
}

// accepted reports whether evidence id, counted for window w of a
// reviewed control, has enough acceptances that hold: each binds the
// item's digest, the control and the window, names a reviewer who is not
// the submitter, and that login held the role it claims when it acted.
// Every acceptance that does not hold is reported.
func (v *verifier) accepted(c Coverage, w Window, id string, f leafFacts) bool {
	good := map[string]bool{}
	for _, a := range v.review.acts {
		if a.Subject != "evidence/"+id || a.Verb != evident.ActAccept {
			continue
		}
		if why := v.acceptanceProblem(a, c, w, id, f); why != "" {
			v.add(BadAcceptance, LeafPath(a.LedgerIndex), "control %s, period %s to %s: acceptance %s of evidence %s %s", c.Control, day(w.Start), day(w.End), a.ID, id, why)
			continue
		}
		good[a.Actor] = true
	}
	if len(good) == 0 {
		v.add(BadAcceptance, ManifestName, "control %s, period %s to %s counts evidence %s, which no valid acceptance in the pack accepts", c.Control, day(w.Start), day(w.End), id)
	}
	return len(good) > 0
}

func (v *verifier) acceptanceProblem(a evident.Act, c Coverage, w Window, id string, f leafFacts) string {
	b, err := a.Binding()
	switch {
	case err != nil:
		return "is unreadable: " + evident.ErrorMessage(err)
	case a.SHA256.String() != f.digest:
		return fmt.Sprintf("binds digest %s, but the item is %s", a.SHA256, f.digest)
	case b.Evidence != id || b.Control != c.Control:
		return fmt.Sprintf("binds evidence %s of control %s", b.Evidence, b.Control)
	case !b.WindowStart.Equal(w.Start) || !b.WindowEnd.Equal(w.End):
		return fmt.Sprintf("binds window %s to %s", day(b.WindowStart), day(b.WindowEnd))
	case evident.Submitter(a.Actor) == evident.Submitter(f.actor) || evident.Submitter(b.Submitter) != evident.Submitter(f.actor):
		return fmt.Sprintf("was made by %s, and the item was submitted by %s: four eyes are required", a.Actor, f.actor)
	}
	st, ok := v.roleAt(a.Actor, a.LedgerIndex)
	switch {
	case !ok:
		return fmt.Sprintf("was made by %s, whose login has no record in the pack before the act", a.Actor)
	case st.disabled:
		return fmt.Sprintf("was made by %s while the login was disabled", a.Actor)
	case st.role != b.Role:
		return fmt.Sprintf("claims %s acted as %s, but the login held %s at that instant", a.Actor, b.Role, st.role)
	case b.Basis == evident.BasisComplianceManager && st.role != evident.RoleComplianceManager:
		return fmt.Sprintf("was made by %s as compliance manager, but the login held %s", a.Actor, st.role)
	case b.Basis != evident.BasisComplianceManager && b.Basis != evident.BasisNamedReviewer:
		return fmt.Sprintf("names no basis for %s to review (%q)", a.Actor, b.Basis)
	}
	return ""
}

// acceptanceText is how the index shows an item's acceptance.
func acceptanceText(a Acceptance) string {
	s := "accepted by " + a.Reviewer + " (" + a.Role + ") " + evident.UTC(a.At)
	if len(a.Systems) > 0 {
		s += " for " + strings.Join(a.Systems, ", ")
	}
	if len(a.Checked) > 0 {
		s += "; checked: " + strings.Join(a.Checked, "; ")
	}
	return s
}
