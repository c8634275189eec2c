package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/evidenthq/evident"
)

// MaxXMLDepth bounds element nesting. Real scanner XML nests a dozen levels
// (ARF about twenty); thousands of levels only serve to exhaust a parser.
const MaxXMLDepth = 256

// CheckXML walks the whole document once before it is decoded, and rejects
// what no real tool output contains but attacks do: entity declarations
// (billion laughs, external entities), nesting deeper than MaxXMLDepth and
// malformed or truncated XML. It returns the local name of the root element
// so the caller can tell whether the file is the format it expects.
func CheckXML(format string, data []byte) (root string, err error) {
	g := NewXMLGuard(format, bytes.NewReader(data))
	for {
		if _, err := g.Next(); err == io.EOF {
			return g.Root(), nil
		} else if err != nil {
			return g.Root(), err
		}
	}
}

// XMLGuard applies CheckXML's checks token by token, so a parser can
// decode a document in the same pass that guards it and never hold more
// of it than the element it is reading.
type XMLGuard struct {
	format string
	d      *xml.Decoder
	depth  int
	root   string
	err    error
}

// NewXMLGuard reads the document from r. A reader that is an io.ByteReader
// (a bufio.Reader) is read directly, without another buffer.
func NewXMLGuard(format string, r io.Reader) *XMLGuard {
	d := xml.NewDecoder(r)
	d.Strict = true
	return &XMLGuard{format: format, d: d}
}

// Next returns the next raw token (names as written, end elements not
// matched against their start: see xml.Decoder.RawToken), or the error
// CheckXML would return for the document so far. At the end of a sound
// document it returns io.EOF; every call after an error repeats it. The
// token's data is valid until the next call.
func (g *XMLGuard) Next() (xml.Token, error) {
	if g.err != nil {
		return nil, g.err
	}
	tok, err := g.next()
	if err != nil {
		g.err = err
	}
	return tok, err
}

func (g *XMLGuard) next() (xml.Token, error) {
	tok, err := g.d.RawToken()
	if err == io.EOF {
		if g.root == "" {
			return nil, evident.Errorf(evident.EINVALID, "file is not %s XML: no root element", g.format)
		}
		if g.depth != 0 {
			return nil, Truncated("%s XML ends with %d elements not closed (no closing </%s>)", g.format, g.depth, g.root)
		}
		return nil, io.EOF
	}
	if err != nil {
		return nil, xmlError(g.format, g.d, err)
	}
	switch t := tok.(type) {
	case xml.Directive:
		if bytes.Contains(bytes.ToUpper(t), []byte("<!ENTITY")) || bytes.Contains(bytes.ToUpper(t), []byte("ENTITY ")) {
			return nil, invalid(g.format, g.d, "DOCTYPE declares entities, which tool output never does (entity expansion attack?)")
		}
	case xml.StartElement:
		if g.depth == 0 && g.root != "" {
			return nil, invalid(g.format, g.d, "second root element <%s>", t.Name.Local)
		}
		if g.root == "" {
			g.root = t.Name.Local
		}
		g.depth++
		if g.depth > MaxXMLDepth {
			return nil, invalid(g.format, g.d, "elements nested deeper than %d", MaxXMLDepth)
		}
	case xml.EndElement:
		g.depth--
	}
	return tok, nil
}

// Root is the local name of the root element, "" before it is read.
func (g *XMLGuard) Root() string { return g.root }

// Line is the line the last token ended on, for errors about it.
func (g *XMLGuard) Line() int {
	line, _ := g.d.InputPos()
	return line
}

func invalid(format string, d *xml.Decoder, msg string, args ...any) error {
	line, col := d.InputPos()
	return evident.ErrorAt(evident.EINVALID, fmt.Sprintf("line %d column %d", line, col), "%s XML: %s", format, fmt.Sprintf(msg, args...))
}

func xmlError(format string, d *xml.Decoder, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) && strings.HasPrefix(se.Msg, "unexpected EOF") {
		return Truncated("%s XML ends inside an element at line %d", format, se.Line)
	}
	if errors.As(err, &se) {
		return evident.ErrorAt(evident.EINVALID, fmt.Sprintf("line %d", se.Line), "%s XML is malformed: %s", format, se.Msg)
	}
	return invalid(format, d, "%v", err)
}

// Truncated is the error for output that was cut short: a scan that did
// not finish, or a file copied in part. Its message starts "truncated:",
// so with the file name in front it reads "FILE: truncated: ...". Such a
// file proves nothing and is refused, never judged on what it holds.
func Truncated(format string, args ...any) error {
	return evident.Errorf(evident.EINVALID, "truncated: %s", fmt.Sprintf(format, args...))
}

// DecodeJSON decodes data into v and turns decoder errors into messages that
// say where the input is wrong, by line and byte offset. Trailing data after
// the document is rejected: a second document glued on is not tool output.
func DecodeJSON(format string, data []byte, v any) error {
	if !utf8.Valid(data) {
		return evident.ErrorAt(evident.EINVALID, fmt.Sprintf("offset %d", firstInvalidUTF8(data)), "%s JSON is not valid UTF-8 (binary data?)", format)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	if err := d.Decode(v); err != nil {
		return JSONError(format, data, err)
	}
	if _, err := d.Token(); err != io.EOF {
		off := d.InputOffset()
		return evident.ErrorAt(evident.EINVALID, Where(data, off), "%s JSON has data after the document", format)
	}
	return nil
}

// JSONError locates a json decoding error in data.
func JSONError(format string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return Truncated("%s JSON ends at %s before the document is complete", format, Where(data, int64(len(data))))
	case errors.As(err, &se):
		return evident.ErrorAt(evident.EINVALID, Where(data, se.Offset), "%s JSON is malformed: %s", format, se.Error())
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "document"
		}
		return evident.ErrorAt(evident.EINVALID, Where(data, te.Offset), "%s JSON field %q: got %s, want %s", format, field, te.Value, te.Type)
	}
	return evident.Errorf(evident.EINVALID, "%s JSON: %v", format, err)
}

// Where names a byte offset as "line L (offset O)" for error messages.
func Where(data []byte, off int64) string {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	return fmt.Sprintf("line %d (offset %d)", line, off)
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// CheckText rejects input that is not text: a NUL byte or invalid UTF-8 means
// a binary file or a corrupt upload, and naming the offset helps find it.
func CheckText(format string, data []byte) error {
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return evident.ErrorAt(evident.EINVALID, Where(data, int64(i)), "%s output contains a NUL byte (binary data?)", format)
	}
	if !utf8.Valid(data) {
		i := firstInvalidUTF8(data)
		return evident.ErrorAt(evident.EINVALID, Where(data, int64(i)), "%s output is not valid UTF-8 (binary data?)", format)
	}
	return nil
}

// Lines splits text into lines without their line endings.
func Lines(data []byte) []string {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
