package evident

import (
	"encoding/json"
	"time"
)

// Record is one entry of the ledger: an evidence record or a change to the
// program (the audit trail). Its canonical bytes are what the Merkle log
// hashes, so the encoding is frozen: see Canonical and internal/ledger.
type Record struct {
	Kind  string          // "evidence", "program.apply", "user.role", ...
	ID    string          // the id of the object the record is about
	Actor string          // who wrote it: user, token or collector
	At    time.Time       // server receipt time, UTC
	Body  json.RawMessage // the kind's payload as canonical JSON
	// Origin is where a write came from when it did not come through the
	// server: "cli:USER@HOST", the operating-system user and host of the
	// command line. --actor is typed, so it cannot hide who acted; "" for
	// writes through the web and the API, whose actor is a login or token.
	Origin string
}

// canonicalRecord fixes field order and names of the leaf encoding.
// encoding/json writes struct fields in declaration order with no
// insignificant whitespace, which makes the bytes stable for a given body.
type canonicalRecord struct {
	V     int             `json:"v"`
	Kind  string          `json:"kind"`
	ID    string          `json:"id"`
	Actor string          `json:"actor"`
	At    string          `json:"at"`
	Body  json.RawMessage `json:"body"`
	// Origin is last and omitted when empty, so every leaf written
	// before it existed keeps its bytes.
	Origin string `json:"origin,omitempty"`
}

// RecordVersion is the version of the leaf encoding written today.
const RecordVersion = 1

// Canonical returns the record's leaf bytes. Body must already be canonical
// (json.Marshal of a struct, or of a map, whose keys it sorts); it is
// compacted here so whitespace in a caller's body cannot change the leaf.
func (r Record) Canonical() ([]byte, error) {
	body := r.Body
	if len(body) == 0 {
		body = json.RawMessage("{}")
	}
	return json.Marshal(canonicalRecord{
		V: RecordVersion, Kind: r.Kind, ID: r.ID, Actor: r.Actor,
		At: r.At.UTC().Format(time.RFC3339Nano), Body: body, Origin: r.Origin,
	})
}

// ParseRecord decodes leaf bytes written by Canonical.
func ParseRecord(b []byte) (Record, error) {
	c, ok := scanRecord(b) // see leafscan.go
	if !ok {
		c = canonicalRecord{}
		if err := json.Unmarshal(b, &c); err != nil {
			return Record{}, Errorf(EINVALID, "ledger leaf is not a record: %v", err)
		}
	}
	if c.V != RecordVersion {
		return Record{}, Errorf(EINVALID, "ledger leaf has version %d, this build reads %d", c.V, RecordVersion)
	}
	at, err := time.Parse(time.RFC3339Nano, c.At)
	if err != nil {
		return Record{}, Errorf(EINVALID, "ledger leaf time %q: %v", c.At, err)
	}
	return Record{Kind: c.Kind, ID: c.ID, Actor: c.Actor, At: at.UTC(), Body: c.Body, Origin: c.Origin}, nil
}
