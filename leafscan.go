package evident

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Leaves are read far more often than written: verify decodes every one
// of them, and encoding/json, which validates the whole input before it
// decodes it and finds each field by reflection, was a fifth of a
// verify's CPU. The leaves the program writes have one exact shape
// (Canonical: fields in declaration order, no whitespace), so they are
// read here by a scanner that accepts that shape only, and gives up on
// anything else: another key order, an unknown key, whitespace, a null,
// an empty list, a number that is not a plain integer. A leaf it gives up on is decoded by encoding/json as before,
// so what a leaf decodes to, and every error, is what encoding/json
// says; the scanner is only ever a shortcut to the same result.

// leafScanner reads canonical JSON from b at i.
type leafScanner struct {
	b []byte
	i int
}

// lit consumes x if the input continues with it.
func (s *leafScanner) lit(x string) bool {
	if len(s.b)-s.i < len(x) || string(s.b[s.i:s.i+len(x)]) != x {
		return false
	}
	s.i += len(x)
	return true
}

// str reads a string. One with an escape or invalid UTF-8 (which
// encoding/json replaces) is handed to encoding/json alone.
func (s *leafScanner) str() (string, bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return "", false
	}
	j := s.i + 1
	ascii := true
	for ; j < len(s.b); j++ {
		c := s.b[j]
		if c == '"' {
			break
		}
		if c == '\\' {
			return s.slowStr()
		}
		if c < 0x20 {
			return "", false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if j >= len(s.b) {
		return "", false
	}
	v := s.b[s.i+1 : j]
	if !ascii && !utf8.Valid(v) {
		return s.slowStr()
	}
	s.i = j + 1
	return string(v), true
}

// slowStr reads a string through encoding/json.
func (s *leafScanner) slowStr() (string, bool) {
	start := s.i
	if !s.skipStr() {
		return "", false
	}
	var v string
	if json.Unmarshal(s.b[start:s.i], &v) != nil {
		return "", false
	}
	return v, true
}

// int reads an integer written as encoding/json writes one.
func (s *leafScanner) int() (int64, bool) {
	j := s.i
	if j < len(s.b) && s.b[j] == '-' {
		j++
	}
	start := j
	for j < len(s.b) && s.b[j] >= '0' && s.b[j] <= '9' {
		j++
	}
	if j == start || (s.b[start] == '0' && j-start > 1) {
		return 0, false
	}
	if j < len(s.b) && (s.b[j] == '.' || s.b[j] == 'e' || s.b[j] == 'E') {
		return 0, false
	}
	n, err := strconv.ParseInt(string(s.b[s.i:j]), 10, 64)
	if err != nil {
		return 0, false
	}
	s.i = j
	return n, true
}

// strs reads a non-empty list of strings as str reads each.
func (s *leafScanner) strs() ([]string, bool) {
	if !s.lit("[") {
		return nil, false
	}
	var out []string
	for {
		v, ok := s.str()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		if s.lit("]") {
			return out, true
		}
		if !s.lit(",") {
			return nil, false
		}
	}
}

// raw reads one JSON value without whitespace, checking it as
// encoding/json's validation would, and returns a copy of its bytes.
// null is refused: encoding/json gives it meanings of its own.
func (s *leafScanner) raw() ([]byte, bool) {
	start := s.i
	if s.lit("null") || !s.value(0) {
		return nil, false
	}
	return bytes.Clone(s.b[start:s.i]), true
}

// value skips one valid JSON value; deeply nested ones are left to
// encoding/json.
func (s *leafScanner) value(depth int) bool {
	if s.i >= len(s.b) || depth > 64 {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '{':
		s.i++
		if s.lit("}") {
			return true
		}
		for {
			if !s.skipStr() || !s.lit(":") || !s.value(depth+1) {
				return false
			}
			if s.lit("}") {
				return true
			}
			if !s.lit(",") {
				return false
			}
		}
	case c == '[':
		s.i++
		if s.lit("]") {
			return true
		}
		for {
			if !s.value(depth + 1) {
				return false
			}
			if s.lit("]") {
				return true
			}
			if !s.lit(",") {
				return false
			}
		}
	case c == '"':
		return s.skipStr()
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.lit("null")
	default:
		return s.number()
	}
}

// skipStr skips a valid string, escapes included.
func (s *leafScanner) skipStr() bool {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return false
	}
	for j := s.i + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			j++
			if j >= len(s.b) {
				return false
			}
			switch s.b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(s.b) {
					return false
				}
				for _, h := range s.b[j+1 : j+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false
					}
				}
				j += 4
			default:
				return false
			}
		}
	}
	return false
}

// number skips a number in JSON's grammar.
func (s *leafScanner) number() bool {
	j := s.i
	digits := func() bool {
		k := j
		for j < len(s.b) && s.b[j] >= '0' && s.b[j] <= '9' {
			j++
		}
		return j > k
	}
	if j < len(s.b) && s.b[j] == '-' {
		j++
	}
	if j < len(s.b) && s.b[j] == '0' {
		j++
	} else if !digits() {
		return false
	}
	if j < len(s.b) && s.b[j] == '.' {
		j++
		if !digits() {
			return false
		}
	}
	if j < len(s.b) && (s.b[j] == 'e' || s.b[j] == 'E') {
		j++
		if j < len(s.b) && (s.b[j] == '+' || s.b[j] == '-') {
			j++
		}
		if !digits() {
			return false
		}
	}
	s.i = j
	return true
}

// scanRecord reads a leaf in Canonical's exact shape; ok is false for
// anything else.
func scanRecord(b []byte) (c canonicalRecord, ok bool) {
	s := leafScanner{b: b}
	var v int64
	if !s.lit(`{"v":`) {
		return c, false
	}
	if v, ok = s.int(); !ok {
		return c, false
	}
	c.V = int(v)
	for _, f := range []struct {
		key string
		to  *string
	}{{`,"kind":`, &c.Kind}, {`,"id":`, &c.ID}, {`,"actor":`, &c.Actor}, {`,"at":`, &c.At}} {
		if !s.lit(f.key) {
			return c, false
		}
		if *f.to, ok = s.str(); !ok {
			return c, false
		}
	}
	if !s.lit(`,"body":`) || s.i >= len(b) || b[s.i] != '{' {
		return c, false
	}
	if c.Body, ok = s.raw(); !ok {
		return c, false
	}
	if s.lit(`,"origin":`) {
		if c.Origin, ok = s.str(); !ok {
			return c, false
		}
	}
	return c, s.lit("}") && s.i == len(b)
}

// scanEvidenceLeaf reads an evidence body in leafBody's exact shape (any
// omitted field may be absent); ok is false for anything else.
func scanEvidenceLeaf(b []byte) (l evidenceLeaf, ok bool) {
	s := leafScanner{b: b}
	if !s.lit("{") {
		return l, false
	}
	if s.lit("}") {
		return l, s.i == len(b)
	}
	str := func(to *string) func() bool {
		return func() (ok bool) { *to, ok = s.str(); return ok }
	}
	strs := func(to *[]string) func() bool {
		return func() (ok bool) { *to, ok = s.strs(); return ok }
	}
	fields := []struct {
		key  string
		read func() bool
	}{
		{"id", str(&l.ID)},
		{"kind", func() (ok bool) { var v string; v, ok = s.str(); l.Kind = EvidenceKind(v); return ok }},
		{"sha256", str(&l.Digest)},
		{"size", func() (ok bool) { l.Size, ok = s.int(); return ok }},
		{"media_type", str(&l.MediaType)},
		{"filename", str(&l.Filename)},
		{"effective_from", str(&l.From)},
		{"effective_to", str(&l.To)},
		{"controls", strs(&l.Controls)},
		{"requirements", strs(&l.Requirements)},
		{"services", strs(&l.Services)},
		{"systems", strs(&l.Systems)},
		{"about", strs(&l.About)},
		{"source", func() bool {
			raw, ok := s.raw()
			l.Source = new(EvidenceSource)
			return ok && json.Unmarshal(raw, l.Source) == nil
		}},
		{"performer", func() bool {
			raw, ok := s.raw()
			l.Performer = new(EvidencePerformer)
			return ok && json.Unmarshal(raw, l.Performer) == nil
		}},
		{"supersedes", str(&l.Supersedes)},
		{"derived_from", strs(&l.DerivedFrom)},
		{"verdict", func() (ok bool) { var v string; v, ok = s.str(); l.Verdict = Verdict(v); return ok }},
		{"detail", func() (ok bool) { l.Detail, ok = s.raw(); return ok }},
	}
	next := 0 // keys come in this order, each at most once
	for {
		key, ok := s.str()
		if !ok || !s.lit(":") {
			return l, false
		}
		for next < len(fields) && fields[next].key != key {
			next++
		}
		if next == len(fields) || !fields[next].read() {
			return l, false
		}
		next++
		if s.lit("}") {
			return l, s.i == len(b)
		}
		if !s.lit(",") {
			return l, false
		}
	}
}

// evidenceKeys are an evidence body's keys as leafBody writes them: in
// evidenceLeaf's order, each quoted and followed by its colon.
var evidenceKeys = [...]string{`"id":`, `"kind":`, `"sha256":`, `"size":`, `"media_type":`, `"filename":`,
	`"effective_from":`, `"effective_to":`, `"controls":`, `"requirements":`, `"services":`, `"systems":`,
	`"about":`, `"source":`, `"performer":`, `"supersedes":`, `"derived_from":`, `"verdict":`, `"detail":`}

// scanEvidenceScope reads the kind, systems and detail of an evidence
// body in leafBody's exact shape, and checks that every other field's
// value is valid JSON (encoding/json, reading those three fields alone,
// ignores their types); ok is false for anything else. Keys are matched
// in place and the detail shares b's memory: readiness reads this for
// every record of a period, and scanEvidenceLeaf allocates every field.
func scanEvidenceScope(b []byte) (sc EvidenceScope, ok bool) {
	s := leafScanner{b: b}
	if !s.lit("{") {
		return sc, false
	}
	if s.lit("}") {
		return sc, s.i == len(b)
	}
	next := 0 // keys come in this order, each at most once
	for {
		for next < len(evidenceKeys) && !s.lit(evidenceKeys[next]) {
			next++
		}
		if next == len(evidenceKeys) {
			return sc, false
		}
		switch evidenceKeys[next] {
		case `"kind":`:
			var v string
			v, ok = s.str()
			sc.Kind = EvidenceKind(v)
		case `"systems":`:
			sc.Systems, ok = s.strs()
		case `"detail":`:
			start := s.i
			ok = !s.lit("null") && s.value(0)
			sc.Detail = s.b[start:s.i]
		default:
			ok = !s.lit("null") && s.value(0)
		}
		if !ok {
			return sc, false
		}
		next++
		if s.lit("}") {
			return sc, s.i == len(b)
		}
		if !s.lit(",") {
			return sc, false
		}
	}
}
