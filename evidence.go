package evident

import (
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Digest is the SHA-256 of an evidence blob: its content address.
type Digest [32]byte

// String returns the digest as 64 lower-case hex digits.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// IsZero reports whether d is unset.
func (d Digest) IsZero() bool { return d == Digest{} }

// MarshalText writes the hex form, so JSON carries "sha256 hex", not bytes.
func (d Digest) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads the hex form.
func (d *Digest) UnmarshalText(b []byte) error {
	x, err := ParseDigest(string(b))
	if err != nil {
		return err
	}
	*d = x
	return nil
}

// ParseDigest reads 64 hex digits. Upper case is accepted and normalised,
// because people paste digests from tools that print either.
func ParseDigest(s string) (Digest, error) {
	var d Digest
	b, err := hex.DecodeString(strings.ToLower(strings.TrimSpace(s)))
	if err != nil || len(b) != len(d) {
		return d, Errorf(EINVALID, "digest %q: want 64 hex digits of a SHA-256", s)
	}
	copy(d[:], b)
	return d, nil
}

// EvidenceKind tells original bytes from what the program computed from them.
type EvidenceKind string

// Raw evidence is a file as a tool or a person produced it; derived evidence
// is what an importer read from raw evidence (its findings and verdict),
// linked back through DerivedFrom so the verdict can always be recomputed.
const (
	RawEvidence     EvidenceKind = "raw"
	DerivedEvidence EvidenceKind = "derived"
)

// Verdict is a derived record's judgement against a control's criteria.
type Verdict string

// Verdicts. Raw evidence carries none: a file alone proves nothing passed.
const (
	VerdictPass Verdict = "pass"
	VerdictFail Verdict = "fail"
)

// Evidence is one immutable evidence record: a blob (by digest) and what it
// speaks for. Records are never updated or deleted; a correction is a new
// record naming the old one in Supersedes. ID, Digest, Size, Actor,
// ReceivedAt and LedgerIndex are set by the server, never by the uploader.
type Evidence struct {
	ID         string       `json:"id"`
	Kind       EvidenceKind `json:"kind"`
	Digest     Digest       `json:"digest"`
	Size       int64        `json:"size"`
	MediaType  string       `json:"media_type"`
	Filename   string       `json:"filename,omitempty"`
	Actor      string       `json:"actor"`
	ReceivedAt time.Time    `json:"received_at"`
	// Effective is the instant or period the evidence speaks for, given by
	// the uploader: a scan's time, or "2026-Q3" for a quarterly review.
	Effective    Effective          `json:"effective"`
	Controls     []string           `json:"controls,omitempty"`
	Requirements []RequirementRef   `json:"-"` // marshalled as strings, see MarshalJSON
	Services     []string           `json:"services,omitempty"`
	Systems      []SystemVersion    `json:"systems,omitempty"`
	About        []string           `json:"about,omitempty"` // other objects: "incident/INC-7", "change/CHG-2"
	Source       EvidenceSource     `json:"source,omitzero"`
	Performer    *EvidencePerformer `json:"performer,omitempty"`
	Supersedes   string             `json:"supersedes,omitempty"`
	DerivedFrom  []string           `json:"derived_from,omitempty"`
	Verdict      Verdict            `json:"verdict,omitempty"`
	// Detail is a derived record's structured result (an importer's
	// metrics and findings) as JSON; raw evidence has none.
	Detail json.RawMessage `json:"detail,omitempty"`
	// LedgerIndex is the record's leaf in the ledger. It is not part of the
	// leaf itself: a leaf cannot contain its own position before it has one.
	LedgerIndex int64 `json:"ledger_index"`
}

// Effective is when evidence speaks for: an instant (To is zero) or the
// half-open period [From, To).
type Effective struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
}

// IsInstant reports whether e is a point in time rather than a period.
func (e Effective) IsInstant() bool { return e.To.IsZero() }

// End returns the end of the period, or the instant itself.
func (e Effective) End() time.Time {
	if e.IsInstant() {
		return e.From
	}
	return e.To
}

// String prints an instant as RFC 3339 and a period as "FROM/TO".
func (e Effective) String() string {
	if e.IsInstant() {
		return UTC(e.From)
	}
	return UTC(e.From) + "/" + UTC(e.To)
}

// ParseEffectivePeriod reads the period a piece of evidence covers: a year
// ("2026"), a quarter ("2026-Q3"), a month ("2026-07"), an ISO 8601 week
// ("2026-W49", Monday to Monday, as weekly cadences count), a day
// ("2026-07-01") or an explicit "FROM/TO" of RFC 3339 times or dates. All
// periods are UTC and half-open, so 2026-Q3 is [2026-07-01, 2026-10-01).
func ParseEffectivePeriod(s string) (Effective, error) {
	s = strings.TrimSpace(s)
	if from, to, ok := strings.Cut(s, "/"); ok {
		f, err := ParseTime(from)
		if err != nil {
			return Effective{}, err
		}
		t, err := ParseTime(to)
		if err != nil {
			return Effective{}, err
		}
		e := Effective{From: f, To: t}
		return e, e.Validate()
	}
	bad := Errorf(EINVALID, "period %q: want 2026, 2026-Q3, 2026-07, 2026-W49, 2026-07-01 or FROM/TO", s)
	year, rest, _ := strings.Cut(s, "-")
	y, err := strconv.Atoi(year)
	if err != nil || len(year) != 4 {
		return Effective{}, bad
	}
	start := func(m int) time.Time { return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC) }
	switch {
	case rest == "":
		return Effective{From: start(1), To: start(1).AddDate(1, 0, 0)}, nil
	case len(rest) == 2 && (rest[0] == 'Q' || rest[0] == 'q'):
		q, err := strconv.Atoi(rest[1:])
		if err != nil || q < 1 || q > 4 {
			return Effective{}, bad
		}
		return Effective{From: start(3*q - 2), To: start(3*q-2).AddDate(0, 3, 0)}, nil
	case len(rest) == 3 && (rest[0] == 'W' || rest[0] == 'w'):
		w, err := strconv.Atoi(rest[1:])
		if err != nil || w < 1 {
			return Effective{}, bad
		}
		// Week 1 is the week holding 4 January; weeks start on Monday.
		jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, time.UTC)
		monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+7*(w-1))
		if yy, ww := monday.ISOWeek(); yy != y || ww != w {
			return Effective{}, Errorf(EINVALID, "period %q: %d has no ISO week %d", s, y, w)
		}
		return Effective{From: monday, To: monday.AddDate(0, 0, 7)}, nil
	case len(rest) == 2:
		m, err := strconv.Atoi(rest)
		if err != nil || m < 1 || m > 12 {
			return Effective{}, bad
		}
		return Effective{From: start(m), To: start(m).AddDate(0, 1, 0)}, nil
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Effective{}, bad
	}
	return Effective{From: d, To: d.AddDate(0, 0, 1)}, nil
}

// Validate checks that a period is not empty or reversed.
func (e Effective) Validate() error {
	if e.From.IsZero() {
		return Errorf(EINVALID, "effective time is missing")
	}
	if !e.To.IsZero() && !e.To.After(e.From) {
		return Errorf(EINVALID, "effective period %s/%s ends before it starts", UTC(e.From), UTC(e.To))
	}
	return nil
}

// SystemVersion names a system at a version, written "NAME@VERSION", such
// as "issuing-ca@9.1.2": evidence speaks for the software that was running.
type SystemVersion struct {
	Name    string
	Version string
}

// String returns "NAME@VERSION".
func (s SystemVersion) String() string { return s.Name + "@" + s.Version }

// MarshalText writes "NAME@VERSION".
func (s SystemVersion) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads "NAME@VERSION".
func (s *SystemVersion) UnmarshalText(b []byte) error {
	x, err := ParseSystemVersion(string(b))
	if err != nil {
		return err
	}
	*s = x
	return nil
}

// ParseSystemVersion reads "NAME@VERSION"; both parts are required, since a
// system without its version cannot be tied to a change.
func ParseSystemVersion(s string) (SystemVersion, error) {
	name, ver, ok := strings.Cut(strings.TrimSpace(s), "@")
	if !ok || name == "" || ver == "" || strings.ContainsAny(s, " \t\n") {
		return SystemVersion{}, Errorf(EINVALID, "system %q: want NAME@VERSION, for example issuing-ca@9.1.2", s)
	}
	return SystemVersion{Name: name, Version: ver}, nil
}

// EvidenceSource says what produced the bytes: the tool and its version,
// the host it ran on, the command line, and the importer that read it.
type EvidenceSource struct {
	Tool     string `json:"tool,omitempty"`
	Version  string `json:"version,omitempty"`
	Host     string `json:"host,omitempty"`
	Command  string `json:"command,omitempty"`
	Importer string `json:"importer,omitempty"`
}

// EvidencePerformer is who performed the activity when it is not the
// uploader, such as an external pen-test firm. Competence names the
// evidence record proving its competence and independence (REQ-7.8-13).
type EvidencePerformer struct {
	Name        string `json:"name"`
	Independent bool   `json:"independent"`
	Competence  string `json:"competence,omitempty"`
}

// EvidenceRecordKind is the ledger record kind of an evidence record.
const EvidenceRecordKind = "evidence"

// maxLeafBody keeps a leaf within the 64 KiB a tlog-tiles entry bundle can
// carry, so the log can later be mirrored as static tiles.
const maxLeafBody = 60 << 10

// Validate checks an evidence record as the server is about to store it.
// It names the field at fault. References to other objects (controls,
// superseded records) are checked by the store, which can see them.
func (e Evidence) Validate() error {
	field := func(f, format string, args ...any) error {
		return ErrorAt(EINVALID, "evidence."+f, format, args...)
	}
	switch {
	case e.ID == "":
		return field("id", "missing")
	case e.Kind != RawEvidence && e.Kind != DerivedEvidence:
		return field("kind", "%q: want raw or derived", e.Kind)
	case e.Digest.IsZero():
		return field("digest", "missing")
	case e.Size < 0:
		return field("size", "negative")
	case e.MediaType == "" || !strings.Contains(e.MediaType, "/"):
		return field("media_type", "%q: want a media type such as text/plain", e.MediaType)
	case e.Actor == "":
		return field("actor", "missing: every record names who added it")
	case e.ReceivedAt.IsZero():
		return field("received_at", "missing")
	case len(e.Controls)+len(e.Requirements)+len(e.About) == 0:
		return field("controls", "name at least one control, requirement or object the evidence speaks for")
	case e.Kind == DerivedEvidence && len(e.DerivedFrom) == 0:
		return field("derived_from", "derived evidence must name the raw evidence it was read from")
	case e.Kind == RawEvidence && len(e.DerivedFrom) > 0:
		return field("derived_from", "raw evidence cannot be derived from other records")
	case e.Verdict != "" && e.Verdict != VerdictPass && e.Verdict != VerdictFail:
		return field("verdict", "%q: want pass or fail", e.Verdict)
	case e.Verdict != "" && e.Kind != DerivedEvidence:
		return field("verdict", "only derived evidence carries a verdict")
	case e.Performer != nil && e.Performer.Name == "":
		return field("performer.name", "missing")
	case e.Supersedes == e.ID:
		return field("supersedes", "a record cannot supersede itself")
	}
	if err := e.Effective.Validate(); err != nil {
		return field("effective", "%s", err.(*Error).Message)
	}
	// Evidence speaks for the past: a period may still be running, but it
	// cannot start after the server received the evidence.
	if e.Effective.From.After(e.ReceivedAt) {
		return field("effective", "starts at %s, after the evidence was received (%s)", UTC(e.Effective.From), UTC(e.ReceivedAt))
	}
	for i, c := range e.Controls {
		if strings.TrimSpace(c) == "" {
			return field("controls["+strconv.Itoa(i)+"]", "empty control id")
		}
	}
	for i, r := range e.Requirements {
		if r.Standard == "" || r.Version == "" || r.ID == "" {
			return field("requirements["+strconv.Itoa(i)+"]", "%q is not a full STANDARD@VERSION:ID reference", r.String())
		}
	}
	if len(e.Detail) > 0 && !json.Valid(e.Detail) {
		return field("detail", "not valid JSON")
	}
	if body, err := e.leafBody(); err != nil {
		return err
	} else if len(body) > maxLeafBody {
		return field("detail", "the record is %d bytes, more than a ledger leaf can hold (%d); keep large results in the blob", len(body), maxLeafBody)
	}
	return nil
}

// evidenceLeaf is the frozen body of an evidence ledger record. Field order
// and names are part of the on-disk format (internal/ledger/doc.go); add
// fields only at the end, with omitempty, so old leaves decode unchanged.
type evidenceLeaf struct {
	ID           string             `json:"id"`
	Kind         EvidenceKind       `json:"kind"`
	Digest       string             `json:"sha256"`
	Size         int64              `json:"size"`
	MediaType    string             `json:"media_type"`
	Filename     string             `json:"filename,omitempty"`
	From         string             `json:"effective_from"`
	To           string             `json:"effective_to,omitempty"`
	Controls     []string           `json:"controls,omitempty"`
	Requirements []string           `json:"requirements,omitempty"`
	Services     []string           `json:"services,omitempty"`
	Systems      []string           `json:"systems,omitempty"`
	About        []string           `json:"about,omitempty"`
	Source       *EvidenceSource    `json:"source,omitempty"`
	Performer    *EvidencePerformer `json:"performer,omitempty"`
	Supersedes   string             `json:"supersedes,omitempty"`
	DerivedFrom  []string           `json:"derived_from,omitempty"`
	Verdict      Verdict            `json:"verdict,omitempty"`
	Detail       json.RawMessage    `json:"detail,omitempty"`
}

func (e Evidence) leafBody() ([]byte, error) {
	l := evidenceLeaf{
		ID: e.ID, Kind: e.Kind, Digest: e.Digest.String(), Size: e.Size, MediaType: e.MediaType,
		Filename: e.Filename, From: UTC(e.Effective.From), Controls: e.Controls, Services: e.Services,
		About: e.About, Performer: e.Performer, Supersedes: e.Supersedes, DerivedFrom: e.DerivedFrom,
		Verdict: e.Verdict, Detail: e.Detail,
	}
	if !e.Effective.To.IsZero() {
		l.To = UTC(e.Effective.To)
	}
	for _, r := range e.Requirements {
		l.Requirements = append(l.Requirements, r.String())
	}
	for _, s := range e.Systems {
		l.Systems = append(l.Systems, s.String())
	}
	if e.Source != (EvidenceSource{}) {
		src := e.Source
		l.Source = &src
	}
	return json.Marshal(l)
}

// Record returns the ledger record of e: its leaf is what the Merkle log
// hashes, and what `evident verify` compares the evidence table against.
func (e Evidence) Record() (Record, error) {
	body, err := e.leafBody()
	if err != nil {
		return Record{}, err
	}
	return Record{Kind: EvidenceRecordKind, ID: e.ID, Actor: e.Actor, At: e.ReceivedAt, Body: body}, nil
}

// EvidenceScope is what judging a window needs of an evidence leaf's
// body: its kind, the systems it names as written ("name@version") and
// its detail, whose scope says which hosts a derived verdict checked.
type EvidenceScope struct {
	Kind    EvidenceKind    `json:"kind"`
	Systems []string        `json:"systems"`
	Detail  json.RawMessage `json:"detail"`
}

// ScopeOfEvidenceBody reads an evidence leaf body's scope. Readiness reads
// it for every record of a period (a year is some 200 000 of them at a
// million records), where encoding/json was a fifth of the read; a body
// in the canonical shape is read by the leaf scanner (leafscan.go), any
// other by encoding/json into these three fields alone, so the result
// and every error are what encoding/json says. Detail may share body's
// memory.
func ScopeOfEvidenceBody(body []byte) (EvidenceScope, error) {
	if sc, ok := scanEvidenceScope(body); ok {
		return sc, nil
	}
	var sc EvidenceScope
	err := json.Unmarshal(body, &sc)
	return sc, err
}

// EvidenceFromRecord decodes an evidence ledger record. The ledger index is
// not in the leaf; the caller sets it from the leaf's position.
func EvidenceFromRecord(r Record) (Evidence, error) {
	if r.Kind != EvidenceRecordKind {
		return Evidence{}, Errorf(EINVALID, "ledger record %s is a %q record, not evidence", r.ID, r.Kind)
	}
	l, ok := scanEvidenceLeaf(r.Body) // see leafscan.go
	if !ok {
		l = evidenceLeaf{}
		if err := json.Unmarshal(r.Body, &l); err != nil {
			return Evidence{}, Errorf(EINVALID, "evidence record %s: %v", r.ID, err)
		}
	}
	e := Evidence{
		ID: l.ID, Kind: l.Kind, Size: l.Size, MediaType: l.MediaType, Filename: l.Filename,
		Actor: r.Actor, ReceivedAt: r.At, Controls: l.Controls, Services: l.Services, About: l.About,
		Performer: l.Performer, Supersedes: l.Supersedes, DerivedFrom: l.DerivedFrom,
		Verdict: l.Verdict, Detail: l.Detail,
	}
	if l.Source != nil {
		e.Source = *l.Source
	}
	var err error
	if e.Digest, err = ParseDigest(l.Digest); err != nil {
		return e, err
	}
	if e.Effective.From, err = time.Parse(time.RFC3339Nano, l.From); err != nil {
		return e, Errorf(EINVALID, "evidence record %s: effective_from: %v", r.ID, err)
	}
	if l.To != "" {
		if e.Effective.To, err = time.Parse(time.RFC3339Nano, l.To); err != nil {
			return e, Errorf(EINVALID, "evidence record %s: effective_to: %v", r.ID, err)
		}
	}
	for _, s := range l.Requirements {
		ref, err := ParseRequirementRef(s, "", "")
		if err != nil {
			return e, err
		}
		e.Requirements = append(e.Requirements, ref)
	}
	for _, s := range l.Systems {
		sv, err := ParseSystemVersion(s)
		if err != nil {
			return e, err
		}
		e.Systems = append(e.Systems, sv)
	}
	return e, nil
}

// evidenceJSON adds the requirement references as strings to the JSON form.
type evidenceJSON struct {
	evidenceAlias
	Requirements []string `json:"requirements,omitempty"`
}

type evidenceAlias Evidence

// MarshalJSON writes requirements as "STANDARD@VERSION:ID" strings.
func (e Evidence) MarshalJSON() ([]byte, error) {
	j := evidenceJSON{evidenceAlias: evidenceAlias(e)}
	for _, r := range e.Requirements {
		j.Requirements = append(j.Requirements, r.String())
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (e *Evidence) UnmarshalJSON(b []byte) error {
	var j evidenceJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*e = Evidence(j.evidenceAlias)
	e.Requirements = nil
	for _, s := range j.Requirements {
		ref, err := ParseRequirementRef(s, "", "")
		if err != nil {
			return err
		}
		e.Requirements = append(e.Requirements, ref)
	}
	return nil
}
