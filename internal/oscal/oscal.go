// Package oscal writes the program as NIST OSCAL (v1.1.3) JSON documents,
// so a conformity assessment body or a GRC tool can take the catalog, the
// system security plan, the assessment results and the plan of action and
// milestones without reading Evident's own formats.
//
// Every UUID is a version 5 UUID of the object's kind and id (and the
// program's name), so exporting the same input twice gives the same
// document: a diff between two exports shows what changed, not new
// random identifiers. The generators take plain values (the catalog's
// requirements, the model, small input structs for assessments and
// findings) and do no I/O; the CLI gathers the data.
package oscal

import (
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"

	types "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"
)

// Version is the OSCAL version of every document written here.
const Version = types.Version

// Namespace is the "ns" of Evident's own properties: names OSCAL does not
// define (requirement type, figures, verification method) live in it.
const Namespace = "https://github.com/evidenthq/evident/ns/oscal"

// Kinds are the documents `evident oscal export` writes.
var Kinds = []string{"catalog", "ssp", "assessment-results", "poam"}

// space is the namespace of the name-based UUIDs.
var space = uuid.NewSHA1(uuid.NameSpaceURL, []byte(Namespace))

// ID returns the stable UUID of an object named by parts ("control",
// "REQ-7.8-14"): the same parts always give the same UUID.
func ID(parts ...string) string {
	return uuid.NewSHA1(space, []byte(strings.Join(parts, "\x00"))).String()
}

// Meta is what every document's metadata says: its title, the version of
// what it describes and the instant it speaks for (injected, so an export
// is reproducible).
type Meta struct {
	Title   string
	Version string
	At      time.Time
}

func metadata(m Meta) types.Metadata {
	return types.Metadata{Title: m.Title, Version: m.Version, OscalVersion: Version, LastModified: m.At.UTC().Truncate(time.Second)}
}

// prop is an Evident property; OSCAL's own names (label) go without ns.
func prop(name, value string) types.Property {
	return types.Property{Name: name, Value: clean(value), Ns: Namespace}
}

// clean makes a string a valid OSCAL string value: no leading or
// trailing white space, never empty.
func clean(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "none"
	}
	return s
}

// token makes an id an OSCAL token (letters, digits, ".", "-", "_",
// starting with a letter or "_").
func token(s string) string {
	var b strings.Builder
	for i, r := range s {
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || (i > 0 && (r >= '0' && r <= '9' || r == '.' || r == '-'))
		if !ok {
			if i == 0 {
				b.WriteByte('_')
				if r >= '0' && r <= '9' {
					b.WriteRune(r)
				}
				continue
			}
			r = '-'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func ptr[T any](v T) *T { return &v }

// Write writes a document as indented JSON.
func Write(w io.Writer, doc *types.OscalModels) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
