package evident

import (
	"encoding/json"
	"strings"
	"time"
)

// ActRecordKind is the ledger record kind of an act: a person's decision
// about something, bound to the SHA-256 of exactly what they decided on.
const ActRecordKind = "act"

// ActVerb is what an act does. Reviews of evidence accept or reject it;
// approvals of policies and risk acceptances reuse the same leaf with
// their own verbs.
type ActVerb string

// Act verbs known today.
const (
	ActAccept ActVerb = "accept"
	ActReject ActVerb = "reject"
)

// Act is a person's decision, made with their own login and recorded as a
// signed ledger leaf: an approval is an act, not a claim. The act binds the
// SHA-256 of what it is about, so changing that object afterwards leaves
// the act pointing at the old bytes for anyone to see. ID, Actor, At and
// LedgerIndex are set by the server; Actor is the login that made it.
type Act struct {
	ID      string  `json:"id"`
	Verb    ActVerb `json:"verb"`
	Subject string  `json:"subject"` // "evidence/<id>", "policy/<id>@<version>"
	SHA256  Digest  `json:"sha256"`
	Actor   string  `json:"actor"`
	// At is when the act was recorded; the store fixes it per transaction.
	At      time.Time `json:"at"`
	Comment string    `json:"comment,omitempty"`
	// Detail is what the verb binds beyond the digest, as JSON: for a
	// review, a ReviewBinding (control, window, systems, who submitted).
	Detail      json.RawMessage `json:"detail,omitempty"`
	LedgerIndex int64           `json:"ledger_index"`
}

// actLeaf is the frozen body of an act leaf; fields are only ever added at
// the end, with omitempty (internal/ledger/doc.go).
type actLeaf struct {
	ID      string          `json:"id"`
	Verb    ActVerb         `json:"verb"`
	Subject string          `json:"subject"`
	SHA256  string          `json:"sha256"`
	Comment string          `json:"comment,omitempty"`
	Detail  json.RawMessage `json:"detail,omitempty"`
}

// Validate checks an act as the server is about to record it.
func (a Act) Validate() error {
	field := func(f, format string, args ...any) error {
		return ErrorAt(EINVALID, "act."+f, format, args...)
	}
	switch {
	case a.ID == "":
		return field("id", "missing")
	case a.Verb == "":
		return field("verb", "missing")
	case a.Subject == "" || !strings.Contains(a.Subject, "/"):
		return field("subject", "%q: want KIND/ID, for example evidence/01J...", a.Subject)
	case a.SHA256.IsZero():
		return field("sha256", "missing: an act binds the digest of what it is about")
	case a.Actor == "" || strings.HasPrefix(a.Actor, "token:") || strings.HasPrefix(a.Actor, "system:") || strings.HasPrefix(a.Actor, "collector:"):
		return field("actor", "%q: acts are made by a person's login", a.Actor)
	case a.At.IsZero():
		return field("at", "missing")
	case len(a.Detail) > 0 && !json.Valid(a.Detail):
		return field("detail", "not valid JSON")
	}
	return CheckText("act.comment", a.Comment)
}

// Record returns the ledger record of the act.
func (a Act) Record() (Record, error) {
	body, err := json.Marshal(actLeaf{ID: a.ID, Verb: a.Verb, Subject: a.Subject, SHA256: a.SHA256.String(), Comment: a.Comment, Detail: a.Detail})
	if err != nil {
		return Record{}, err
	}
	return Record{Kind: ActRecordKind, ID: a.ID, Actor: a.Actor, At: a.At, Body: body}, nil
}

// ActFromRecord decodes an act leaf; the caller sets LedgerIndex.
func ActFromRecord(r Record) (Act, error) {
	if r.Kind != ActRecordKind {
		return Act{}, Errorf(EINVALID, "ledger record %s is a %q record, not an act", r.ID, r.Kind)
	}
	var l actLeaf
	if err := json.Unmarshal(r.Body, &l); err != nil {
		return Act{}, Errorf(EINVALID, "act record %s: %v", r.ID, err)
	}
	d, err := ParseDigest(l.SHA256)
	if err != nil {
		return Act{}, Errorf(EINVALID, "act record %s: %s", r.ID, ErrorMessage(err))
	}
	return Act{ID: l.ID, Verb: l.Verb, Subject: l.Subject, SHA256: d, Actor: r.Actor, At: r.At, Comment: l.Comment, Detail: l.Detail}, nil
}
