package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// comparePlain is compareInOrder for a stored list in the plain shape
// imports write: a JSON array of objects whose member names are ASCII
// without escapes and whose "key" members are strings. It finds each
// finding's end and key with a syntax scanner of its own instead of
// encoding/json's reflective Decode, which was most of a re-import's
// compare (a large scan's previous findings are tens of megabytes).
//
// It decides nothing encoding/json would decide otherwise: anything it
// does not recognise as plain (bad syntax, a truncated list, a read
// error, a finding that is not an object, a member name that is escaped
// or not ASCII and so might fold to "key", a "key" that is not a string,
// deep nesting) stops it with errNotPlain, and the caller walks the list
// again with compareInOrder, whose delta and refusals stand. Gone
// findings are decoded by json.Unmarshal as there.
func comparePlain(r io.Reader, cur *Result) (Delta, error) {
	s := &listScan{r: r, buf: make([]byte, 0, 64<<10)}
	list, ok := s.open()
	if !ok {
		return Delta{}, errNotPlain
	}
	after := byKey(cur)
	d := Delta{Appeared: []Finding{}, Gone: []Finding{}}
	j := 0
	var last []byte
	for n := 0; list; n++ {
		elem, keyRaw, keyPlain, ok := s.next(n == 0)
		if !ok {
			return Delta{}, errNotPlain
		}
		if elem == nil {
			break
		}
		key := keyRaw
		if len(keyRaw) > 0 {
			key = keyRaw[1 : len(keyRaw)-1]
		}
		if !keyPlain {
			// Escapes or bytes beyond ASCII: encoding/json's own
			// unquoting, replacement of invalid UTF-8 included.
			var k string
			if err := json.Unmarshal(keyRaw, &k); err != nil {
				return Delta{}, errNotPlain
			}
			key = []byte(k)
		}
		switch c := bytes.Compare(key, last); {
		case n > 0 && c < 0:
			return Delta{}, errOutOfOrder
		case n > 0 && c == 0:
			continue
		}
		last = append(last[:0], key...)
		for ; j < len(after) && after[j].Key < string(key); j++ {
			d.Appeared = append(d.Appeared, *after[j])
		}
		if j < len(after) && after[j].Key == string(key) {
			j++
			continue
		}
		var f Finding
		if err := json.Unmarshal(elem, &f); err != nil {
			return Delta{}, fmt.Errorf("previous findings: %q: %w", string(key), err)
		}
		d.Gone = append(d.Gone, f)
	}
	for ; j < len(after); j++ {
		d.Appeared = append(d.Appeared, *after[j])
	}
	return d, nil
}

// errNotPlain stops comparePlain at a list it leaves to encoding/json.
var errNotPlain = errors.New("previous findings are not in the plain stored shape")

// listScan reads a JSON array a finding at a time, keeping in buf only
// the bytes from the finding being scanned on.
type listScan struct {
	r   io.Reader
	buf []byte
	pos int   // where the next scan starts in buf
	err error // the reader's, io.EOF at the end
}

// Results of the scanning functions that are not an offset.
const (
	scanMore  = -1 // the buffer ended first: read more and scan again
	scanPlain = -2 // not the plain shape: leave the list to encoding/json
)

// maxPlainDepth bounds the nesting scanned here, far below
// encoding/json's own limit, so nothing deep is judged by this scanner.
const maxPlainDepth = 100

// fill reads more after what is kept from pos on, reporting whether
// anything was read.
func (s *listScan) fill() bool {
	if s.err != nil {
		return false
	}
	if s.pos > 0 {
		s.buf = s.buf[:copy(s.buf, s.buf[s.pos:])]
		s.pos = 0
	}
	if len(s.buf) == cap(s.buf) {
		s.buf = append(s.buf, make([]byte, cap(s.buf))...)[:len(s.buf)]
	}
	for {
		n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+n]
		if err != nil {
			s.err = err
		}
		if n > 0 || err != nil {
			return n > 0
		}
	}
}

// open consumes the list's '[' (list), or a null standing for no
// findings, which encoding/json's Decoder reads as a whole value without
// looking at what follows it.
func (s *listScan) open() (list, ok bool) {
	for {
		i := skipSpace(s.buf, s.pos)
		s.pos = i
		switch {
		case i < len(s.buf) && s.buf[i] == '[':
			s.pos = i + 1
			return true, true
		case i+4 <= len(s.buf) && string(s.buf[i:i+4]) != "null":
			return false, false
		case i+4 < len(s.buf):
			// The Decoder ends a null at the byte after it…
			return false, true
		case i < len(s.buf) && s.buf[i] != 'n':
			return false, false
		}
		if !s.fill() {
			// …or at the end of the stream.
			return false, i+4 == len(s.buf) && s.err == io.EOF && string(s.buf[i:]) == "null"
		}
	}
}

// next scans the separator before the next finding and the finding:
// its bytes and its "key" member's literal, with whether that literal is
// free of escapes and bytes beyond ASCII. A nil elem with ok is the end
// of the list; !ok is anything not plain.
func (s *listScan) next(first bool) (elem, keyRaw []byte, keyPlain, ok bool) {
	for {
		b := s.buf[s.pos:]
		start, end, ks, ke, kp := scanNext(b, first)
		switch {
		case end == scanPlain:
			return nil, nil, false, false
		case end == scanMore:
			if !s.fill() {
				return nil, nil, false, false
			}
			continue
		}
		s.pos += end
		if start < 0 {
			return nil, nil, false, true
		}
		if ks >= 0 {
			keyRaw = b[ks:ke]
		}
		return b[start:end], keyRaw, kp || ks < 0, true
	}
}

// scanNext scans, from the start of b, the separator before a finding
// (none before the first) and the finding, an object. It returns the
// finding's start and end in b, and its last "key" member's string
// literal's (ks < 0 for none) with whether it needs no unquoting. A
// start < 0 with an end >= 0 is the list's closing ']' ending at end.
func scanNext(b []byte, first bool) (start, end, ks, ke int, keyPlain bool) {
	i := skipSpace(b, 0)
	if i == len(b) {
		return 0, scanMore, 0, 0, false
	}
	switch {
	case b[i] == ']':
		return -1, i + 1, 0, 0, false
	case !first && b[i] == ',':
		if i = skipSpace(b, i+1); i == len(b) {
			return 0, scanMore, 0, 0, false
		}
	case !first:
		return 0, scanPlain, 0, 0, false
	}
	if b[i] != '{' {
		return 0, scanPlain, 0, 0, false
	}
	start, ks = i, -1
	i = skipSpace(b, i+1)
	if i == len(b) {
		return 0, scanMore, 0, 0, false
	}
	if b[i] == '}' {
		return start, i + 1, ks, 0, false
	}
	for {
		if b[i] != '"' {
			return 0, scanPlain, 0, 0, false
		}
		ne, plain := scanString(b, i)
		if ne < 0 {
			return 0, ne, 0, 0, false
		}
		if !plain {
			// An escaped or non-ASCII name might unquote or fold to
			// "key" (the Kelvin sign folds to K).
			return 0, scanPlain, 0, 0, false
		}
		isKey := bytes.EqualFold(b[i+1:ne-1], []byte("key"))
		if i = skipSpace(b, ne); i == len(b) {
			return 0, scanMore, 0, 0, false
		}
		if b[i] != ':' {
			return 0, scanPlain, 0, 0, false
		}
		if i = skipSpace(b, i+1); i == len(b) {
			return 0, scanMore, 0, 0, false
		}
		var ve int
		if isKey {
			if b[i] != '"' {
				// null, a number…: encoding/json's Decode says
				// what that means.
				return 0, scanPlain, 0, 0, false
			}
			ve, keyPlain = scanString(b, i)
			ks, ke = i, ve
		} else {
			ve = scanValue(b, i, 1)
		}
		if ve < 0 {
			return 0, ve, 0, 0, false
		}
		if i = skipSpace(b, ve); i == len(b) {
			return 0, scanMore, 0, 0, false
		}
		switch b[i] {
		case '}':
			return start, i + 1, ks, ke, keyPlain
		case ',':
			if i = skipSpace(b, i+1); i == len(b) {
				return 0, scanMore, 0, 0, false
			}
		default:
			return 0, scanPlain, 0, 0, false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString scans the string literal at b[i] == '"' as encoding/json's
// scanner accepts it (any byte from 0x20 on but '"' and '\\', and the
// JSON escapes), returning its end and whether it holds neither escapes
// nor bytes beyond ASCII, so that its bytes are its value.
func scanString(b []byte, i int) (int, bool) {
	plain := true
	for i++; i < len(b); {
		switch c := b[i]; {
		case c == '"':
			return i + 1, plain
		case c < 0x20:
			return scanPlain, false
		case c == '\\':
			plain = false
			if i+1 == len(b) {
				return scanMore, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) {
					return scanMore, false
				}
				for _, h := range b[i+2 : i+6] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return scanPlain, false
					}
				}
				i += 6
			default:
				return scanPlain, false
			}
		default:
			if c >= 0x80 {
				plain = false
			}
			i++
		}
	}
	return scanMore, false
}

// scanValue scans the JSON value at b[i], nested depth deep, returning
// its end.
func scanValue(b []byte, i, depth int) int {
	switch c := b[i]; {
	case c == '"':
		end, _ := scanString(b, i)
		return end
	case c == '{' || c == '[':
		return scanComposite(b, i, depth+1)
	case c == 't':
		return scanLiteral(b, i, "true")
	case c == 'f':
		return scanLiteral(b, i, "false")
	case c == 'n':
		return scanLiteral(b, i, "null")
	case c == '-' || '0' <= c && c <= '9':
		return scanNumber(b, i)
	}
	return scanPlain
}

// scanComposite scans the object or array at b[i].
func scanComposite(b []byte, i, depth int) int {
	if depth > maxPlainDepth {
		return scanPlain
	}
	closer := byte(']')
	object := b[i] == '{'
	if object {
		closer = '}'
	}
	if i = skipSpace(b, i+1); i == len(b) {
		return scanMore
	}
	if b[i] == closer {
		return i + 1
	}
	for {
		if object {
			if b[i] != '"' {
				return scanPlain
			}
			ne, _ := scanString(b, i)
			if ne < 0 {
				return ne
			}
			if i = skipSpace(b, ne); i == len(b) {
				return scanMore
			}
			if b[i] != ':' {
				return scanPlain
			}
			if i = skipSpace(b, i+1); i == len(b) {
				return scanMore
			}
		}
		ve := scanValue(b, i, depth)
		if ve < 0 {
			return ve
		}
		if i = skipSpace(b, ve); i == len(b) {
			return scanMore
		}
		switch b[i] {
		case closer:
			return i + 1
		case ',':
			if i = skipSpace(b, i+1); i == len(b) {
				return scanMore
			}
		default:
			return scanPlain
		}
	}
}

// scanLiteral scans true, false or null.
func scanLiteral(b []byte, i int, word string) int {
	if len(b)-i < len(word) {
		return scanMore
	}
	if string(b[i:i+len(word)]) != word {
		return scanPlain
	}
	return i + len(word)
}

// scanNumber scans a number by JSON's grammar: -?(0|[1-9][0-9]*)
// (\.[0-9]+)?([eE][+-]?[0-9]+)?. A number running to the end of b may go
// on in what is not read yet.
func scanNumber(b []byte, i int) int {
	digits := func(i int) (int, bool) {
		j := i
		for j < len(b) && '0' <= b[j] && b[j] <= '9' {
			j++
		}
		return j, j > i
	}
	if b[i] == '-' {
		i++
	}
	switch {
	case i == len(b):
		return scanMore
	case b[i] == '0':
		i++
	case '1' <= b[i] && b[i] <= '9':
		i, _ = digits(i)
	default:
		return scanPlain
	}
	if i < len(b) && b[i] == '.' {
		var ok bool
		if i, ok = digits(i + 1); !ok {
			if i == len(b) {
				return scanMore
			}
			return scanPlain
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		var ok bool
		if i, ok = digits(i); !ok {
			if i == len(b) {
				return scanMore
			}
			return scanPlain
		}
	}
	if i == len(b) {
		return scanMore
	}
	return i
}
