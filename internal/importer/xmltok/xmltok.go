// Package xmltok is a strict XML tokenizer for scanner output, built to
// read a large report at close to the speed of reading its bytes.
//
// encoding/xml reads a byte at a time and allocates every token, which
// made it most of the CPU of a large nmap import. This tokenizer scans a
// buffer instead and hands out slices into it, but accepts and refuses
// exactly what encoding/xml's strict decoder does (plus the importers'
// guard: one root element, no entity declarations, bounded nesting, end
// tags matching their start, no truncation), and returns the same tokens:
// the differential tests and fuzz targets hold it to that. An evidence
// importer must refuse a malformed or cut file, never guess.
//
// What it reads: elements and attributes, character data (with the five
// predefined entities and character references, and line endings
// normalised to "\n"), CDATA sections, comments, processing instructions
// (an XML declaration must say version 1.0 and UTF-8) and directives such
// as <!DOCTYPE> as long as they declare no entity. Character data and
// attribute values must be valid UTF-8 of XML's character range.
package xmltok

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind says what a token is.
type Kind uint8

// The kinds of token, as encoding/xml names its token types.
const (
	StartElement Kind = iota + 1
	EndElement
	CharData
	Comment
	ProcInst
	Directive
)

// Attr is an attribute as written: Name keeps its prefix ("xmlns:n"),
// Value is decoded (entities replaced, line endings normalised).
type Attr struct {
	Name, Value []byte
}

// Token is one piece of the document. Its slices are valid until the next
// call to Next, like encoding/xml's RawToken data.
type Token struct {
	Kind Kind
	// Name is the element's name as written, prefix included (see Local),
	// or a processing instruction's target.
	Name []byte
	// Attr are a start element's attributes in the order written.
	Attr []Attr
	// Data is the decoded character data, or the text of a comment,
	// processing instruction or directive.
	Data []byte
}

// Local is the local part of a name as encoding/xml splits it: after the
// one colon when both sides are non-empty, else the whole name.
func Local(name []byte) []byte {
	if i := bytes.IndexByte(name, ':'); i > 0 && i < len(name)-1 {
		return name[i+1:]
	}
	return name
}

// Space is the prefix Local leaves out, empty when there is none.
func Space(name []byte) []byte {
	if i := bytes.IndexByte(name, ':'); i > 0 && i < len(name)-1 {
		return name[:i]
	}
	return nil
}

// ErrorKind tells the ways a document can be refused apart, so a caller
// can word a cut file differently from a malformed one.
type ErrorKind uint8

// The kinds of SyntaxError.
const (
	// Malformed: the bytes at Line and Column are not well-formed XML, or
	// break one of the guard's rules.
	Malformed ErrorKind = iota
	// Truncated: the input ends inside markup (a tag, comment, reference).
	Truncated
	// Unclosed: the input ends with Depth elements still open, the root
	// among them.
	Unclosed
	// NoRoot: the input ends without any element.
	NoRoot
)

// SyntaxError is why a document was refused and where.
type SyntaxError struct {
	Kind   ErrorKind
	Msg    string
	Line   int   // 1-based line of the offending byte
	Column int   // 1-based byte column in that line
	Offset int64 // byte offset in the input
	Depth  int   // elements open, for Unclosed
	Root   string
}

// Error names the line and column.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d column %d: %s", e.Line, e.Column, e.Msg)
}

// DefaultMaxDepth bounds element nesting unless the Decoder says otherwise.
const DefaultMaxDepth = 256

// Decoder reads tokens from a stream. It holds the token being read and
// what the buffer has read ahead, never the whole document.
type Decoder struct {
	// MaxDepth bounds element nesting (DefaultMaxDepth when 0).
	MaxDepth int

	r    io.Reader
	buf  []byte
	pos  int // next unread byte in buf
	end  int // buf[pos:end] is read and not yet consumed
	eof  bool
	rerr error

	// Where buf[0] is in the stream, for error positions.
	base     int64
	baseLine int   // newlines before buf[0]
	lastNL   int64 // offset of the last newline before buf[0], -1 when none

	stack   []int  // ends of the open elements' names in names
	names   []byte // the open elements' names, one after another
	root    string
	needEnd bool // the last start element was empty (<a/>): its end is next

	tok     Token
	attr    []Attr
	scratch []byte // decoded values
	spans   [][2]int
	err     error
}

// NewDecoder reads the document from r.
func NewDecoder(r io.Reader) *Decoder { return newDecoderSize(r, 64<<10) }

// newDecoderSize starts with a buffer of size bytes: the tests start with
// a few so every token crosses the buffer's end.
func newDecoderSize(r io.Reader, size int) *Decoder {
	return &Decoder{r: r, buf: make([]byte, max(size, 1)), lastNL: -1}
}

// Root is the name of the root element, "" before it is read.
func (d *Decoder) Root() string { return d.root }

// Depth is the number of elements open after the last token.
func (d *Decoder) Depth() int { return len(d.stack) }

// Next returns the next token, or io.EOF after a sound document's last
// one, or the *SyntaxError (or read error) that refuses it; every call
// after an error returns it again.
func (d *Decoder) Next() (*Token, error) {
	if d.err != nil {
		return nil, d.err
	}
	if d.needEnd {
		d.needEnd = false
		d.tok = Token{Kind: EndElement, Name: d.top()}
		d.pop()
		return &d.tok, nil
	}
	for {
		if d.pos == d.end {
			if !d.eof {
				d.fill()
				continue
			}
			if d.rerr != nil {
				d.err = d.rerr
			} else {
				d.err = d.atEOF()
			}
			return nil, d.err
		}
		n, err := d.token(d.pos)
		if err == errShort {
			if d.eof {
				if d.rerr != nil {
					d.err = d.rerr
				} else {
					d.err = d.syntax(Truncated, d.end, "unexpected EOF")
				}
				return nil, d.err
			}
			d.fill()
			continue
		}
		if err != nil {
			d.err = err
			return nil, err
		}
		d.pos = n
		return &d.tok, nil
	}
}

func (d *Decoder) atEOF() error {
	switch {
	case d.root == "":
		return d.syntax(NoRoot, d.end, "no root element")
	case len(d.stack) > 0:
		e := d.syntax(Unclosed, d.end, fmt.Sprintf("%d elements not closed (no closing </%s>)", len(d.stack), d.root))
		e.Depth, e.Root = len(d.stack), d.root
		return e
	}
	return io.EOF
}

// fill reads more input, keeping buf[pos:end]: the token being read starts
// at pos. A token longer than the buffer doubles it.
func (d *Decoder) fill() {
	if d.pos > 0 {
		done := d.buf[:d.pos]
		if n := bytes.Count(done, nl); n > 0 {
			d.baseLine += n
			d.lastNL = d.base + int64(bytes.LastIndexByte(done, '\n'))
		}
		d.base += int64(d.pos)
		d.end = copy(d.buf, d.buf[d.pos:d.end])
		d.pos = 0
	}
	if d.end == len(d.buf) {
		d.buf = append(d.buf, make([]byte, len(d.buf))...)
		d.buf = d.buf[:cap(d.buf)]
	}
	// Fill the buffer, so a reader that returns little at a time does not
	// make the token being read be scanned again for every read.
	for d.end < len(d.buf) {
		n, err := d.r.Read(d.buf[d.end:])
		d.end += n
		if err != nil {
			d.eof = true
			if err != io.EOF {
				d.rerr = err
			}
			return
		}
	}
}

var nl = []byte{'\n'}

// errShort says the token runs past what is read: read more and retry.
var errShort = &SyntaxError{Msg: "short buffer"}

func (d *Decoder) syntax(kind ErrorKind, i int, msg string) *SyntaxError {
	if i > d.end {
		i = d.end
	}
	before := d.buf[:i]
	line := d.baseLine + 1 + bytes.Count(before, nl)
	var col int
	if j := bytes.LastIndexByte(before, '\n'); j >= 0 {
		col = i - j
	} else {
		col = int(d.base + int64(i) - d.lastNL)
	}
	return &SyntaxError{Kind: kind, Msg: msg, Line: line, Column: col, Offset: d.base + int64(i)}
}

func (d *Decoder) top() []byte {
	n := len(d.stack)
	start := 0
	if n > 1 {
		start = d.stack[n-2]
	}
	return d.names[start:d.stack[n-1]]
}

func (d *Decoder) pop() {
	d.stack = d.stack[:len(d.stack)-1]
	if n := len(d.stack); n > 0 {
		d.names = d.names[:d.stack[n-1]]
	} else {
		d.names = d.names[:0]
	}
}

// token reads the token at buf[i:], setting d.tok; it returns where the
// next one starts, or errShort when the buffer ends first.
func (d *Decoder) token(i int) (int, error) {
	b := d.buf[:d.end]
	if b[i] != '<' {
		return d.text(i)
	}
	if i+1 >= len(b) {
		return 0, errShort
	}
	switch b[i+1] {
	case '/':
		return d.endTag(i)
	case '?':
		return d.procInst(i)
	case '!':
		return d.bang(i)
	}
	return d.startTag(i)
}

// name reads a name at b[i:] as encoding/xml's readName does: name bytes
// and any byte of a multi-byte character. It returns the name's end, or
// i when there is no name there.
func (d *Decoder) name(i int) (int, error) {
	b := d.buf[:d.end]
	j := i
	for j < len(b) {
		c := b[j]
		if c < utf8.RuneSelf && nameByte[c] == 0 {
			break
		}
		j++
	}
	if j == len(b) {
		return 0, errShort
	}
	return j, nil
}

// nameByte marks the ASCII bytes a name may hold: 1 anywhere, 2 not first.
var nameByte = func() (t [utf8.RuneSelf]byte) {
	for c := 0; c < utf8.RuneSelf; c++ {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', c == '_', c == ':':
			t[c] = 1
		case '0' <= c && c <= '9', c == '.', c == '-':
			t[c] = 2
		}
	}
	return t
}()

// isName is encoding/xml's check of a name's characters. A name of ASCII
// bytes is decided here; one with other characters (never seen in scanner
// output) is asked of encoding/xml itself, so the Unicode tables are the
// same ones.
func isName(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	if s[0] < utf8.RuneSelf && nameByte[s[0]] == 2 {
		return false
	}
	ascii := true
	for _, c := range s {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return nameByte[s[0]] == 1
	}
	doc := make([]byte, 0, len(s)+4)
	doc = append(append(append(doc, "<?"...), s...), "?>"...)
	tok, err := xml.NewDecoder(bytes.NewReader(doc)).RawToken()
	if err != nil {
		return false
	}
	pi, ok := tok.(xml.ProcInst)
	return ok && pi.Target == string(s)
}

// nsname reads an element or attribute name: a name with at most one colon.
// It is name, isName and the count of colons in one pass over the name's
// bytes: every tag and attribute of a document has one, and scanning each
// three times was a tenth of the tokenizer's time on a large scan.
func (d *Decoder) nsname(i int, what string) (int, error) {
	b := d.buf[:d.end]
	j, colons, ascii := i, 0, true
	for j < len(b) {
		c := b[j]
		if c >= utf8.RuneSelf {
			ascii = false
		} else if nameByte[c] == 0 {
			break
		} else if c == ':' {
			colons++
		}
		j++
	}
	if j == len(b) {
		return 0, errShort
	}
	if j == i {
		return 0, d.syntax(Malformed, i, "expected "+what)
	}
	// An ASCII name is one when its first byte may start one (isName's
	// own test); any other is asked of isName.
	if ascii && nameByte[b[i]] != 1 || !ascii && !isName(b[i:j]) {
		return 0, d.syntax(Malformed, i, "invalid XML name: "+string(b[i:j]))
	}
	if colons > 1 {
		return 0, d.syntax(Malformed, i, "expected "+what)
	}
	return j, nil
}

func (d *Decoder) space(i int) (int, error) {
	b := d.buf[:d.end]
	for i < len(b) {
		switch b[i] {
		case ' ', '\r', '\n', '\t':
			i++
		default:
			return i, nil
		}
	}
	return 0, errShort
}

func (d *Decoder) endTag(i int) (int, error) {
	j, err := d.nsname(i+2, "element name after </")
	if err != nil {
		return 0, err
	}
	name := d.buf[i+2 : j]
	if j, err = d.space(j); err != nil {
		return 0, err
	}
	if d.buf[j] != '>' {
		return 0, d.syntax(Malformed, j, "invalid characters between </"+string(Local(name))+" and >")
	}
	if len(d.stack) == 0 {
		return 0, d.syntax(Malformed, i, "unexpected end element </"+string(name)+">")
	}
	if top := d.top(); !bytes.Equal(top, name) {
		return 0, d.syntax(Malformed, i, "element <"+string(top)+"> closed by </"+string(name)+">")
	}
	d.pop()
	d.tok = Token{Kind: EndElement, Name: name}
	return j + 1, nil
}

func (d *Decoder) startTag(i int) (int, error) {
	j, err := d.nsname(i+1, "element name after <")
	if err != nil {
		return 0, err
	}
	name := d.buf[i+1 : j]
	d.attr = d.attr[:0]
	d.scratch = d.scratch[:0]
	d.spans = d.spans[:0]
	empty := false
	b := d.buf[:d.end]
	for {
		if j, err = d.space(j); err != nil {
			return 0, err
		}
		if b[j] == '/' {
			if j+1 >= len(b) {
				return 0, errShort
			}
			if b[j+1] != '>' {
				return 0, d.syntax(Malformed, j+1, "expected /> in element")
			}
			empty = true
			j += 2
			break
		}
		if b[j] == '>' {
			j++
			break
		}
		k, err := d.nsname(j, "attribute name in element")
		if err != nil {
			return 0, err
		}
		an := b[j:k]
		if k, err = d.space(k); err != nil {
			return 0, err
		}
		if b[k] != '=' {
			return 0, d.syntax(Malformed, k, "attribute name without = in element")
		}
		if k, err = d.space(k + 1); err != nil {
			return 0, err
		}
		q := b[k]
		if q != '"' && q != '\'' {
			return 0, d.syntax(Malformed, k, "unquoted or missing attribute value in element")
		}
		v, end, err := d.value(k+1, q)
		if err != nil {
			return 0, err
		}
		d.attr = append(d.attr, Attr{Name: an, Value: v})
		j = end
	}
	// Values decoded into scratch are placed once it stops growing.
	for _, s := range d.spans {
		d.attr[s[0]].Value = d.scratch[s[1] : s[1]+len(d.attr[s[0]].Value)]
	}
	if len(d.stack) == 0 && d.root != "" {
		return 0, d.syntax(Malformed, j, "second root element <"+string(Local(name))+">")
	}
	if d.root == "" {
		d.root = string(Local(name))
	}
	d.names = append(d.names, name...)
	d.stack = append(d.stack, len(d.names))
	max := d.MaxDepth
	if max <= 0 {
		max = DefaultMaxDepth
	}
	if len(d.stack) > max {
		return 0, d.syntax(Malformed, j, fmt.Sprintf("elements nested deeper than %d", max))
	}
	d.needEnd = empty
	d.tok = Token{Kind: StartElement, Name: name, Attr: d.attr}
	return j, nil
}

// plain marks the ASCII bytes that stand for themselves in character data
// and attribute values, with nothing to check or rewrite.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	t['\t'], t['\n'] = true, true
	for _, c := range "<&]\"'" {
		t[c] = false
	}
	return t
}()

// value reads an attribute value after its opening quote q. A value with
// nothing to rewrite is a slice of the buffer; one with references or
// carriage returns is decoded into scratch (its span noted, so its slice
// is taken when scratch no longer moves).
func (d *Decoder) value(i int, q byte) ([]byte, int, error) {
	b := d.buf[:d.end]
	j := i
	for j < len(b) {
		c := b[j]
		if plain[c] || c == ']' || (c == '"' || c == '\'') && c != q {
			j++
			continue
		}
		if c == q {
			return b[i:j], j + 1, nil
		}
		if c == '<' {
			return nil, 0, d.syntax(Malformed, j, "unescaped < inside quoted string")
		}
		if c >= utf8.RuneSelf {
			n, err := d.char(j)
			if err != nil {
				return nil, 0, err
			}
			j += n
			continue
		}
		if c != '&' && c != '\r' {
			return nil, 0, d.syntax(Malformed, j, fmt.Sprintf("illegal character code %U", rune(c)))
		}
		// Decode from here on.
		start := len(d.scratch)
		d.scratch = append(d.scratch, b[i:j]...)
		end, err := d.decode(j, q)
		if err != nil {
			return nil, 0, err
		}
		v := d.scratch[start:]
		d.spans = append(d.spans, [2]int{len(d.attr), start})
		return v, end, nil
	}
	return nil, 0, errShort
}

// char checks the multi-byte character at b[i:] and returns its length.
func (d *Decoder) char(i int) (int, error) {
	b := d.buf[i:d.end]
	if !utf8.FullRune(b) {
		if !d.eof {
			return 0, errShort
		}
	}
	r, n := utf8.DecodeRune(b)
	if r == utf8.RuneError && n == 1 {
		return 0, d.syntax(Malformed, i, "invalid UTF-8")
	}
	if !inRange(r) {
		return 0, d.syntax(Malformed, i, fmt.Sprintf("illegal character code %U", r))
	}
	return n, nil
}

func inRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// decode appends the text at b[i:] to scratch, rewriting references and
// line endings, up to the quote q (an attribute value; returns the index
// after the quote) or to the next '<' (character data, q == 0; returns
// the index of the '<'). The bytes are checked as encoding/xml checks the
// decoded text: valid UTF-8 in XML's character range.
func (d *Decoder) decode(i int, q byte) (int, error) {
	b := d.buf[:d.end]
	checked := len(d.scratch) // what is before is checked already
	var b0, b1 byte           // the two raw bytes before, as encoding/xml keeps them
	j := i
	for {
		if j == len(b) {
			if q != 0 || !d.eof {
				return 0, errShort
			}
			break
		}
		c := b[j]
		if q == 0 && b0 == ']' && b1 == ']' && c == '>' {
			return 0, d.syntax(Malformed, j, "unescaped ]]> not in CDATA section")
		}
		if c == '<' {
			if q != 0 {
				return 0, d.syntax(Malformed, j, "unescaped < inside quoted string")
			}
			break
		}
		if q != 0 && c == q {
			j++
			break
		}
		if c == '&' {
			n, err := d.reference(j)
			if err != nil {
				return 0, err
			}
			j += n
			b0, b1 = 0, 0
			continue
		}
		switch {
		case c == '\r':
			d.scratch = append(d.scratch, '\n')
		case b1 == '\r' && c == '\n':
		default:
			d.scratch = append(d.scratch, c)
		}
		b0, b1 = b1, c
		j++
	}
	if err := d.checkText(d.scratch[checked:], j); err != nil {
		return 0, err
	}
	return j, nil
}

// checkText refuses text that is not UTF-8 or holds a character XML
// does not allow, naming offset at; ASCII, nearly all of a scan, takes
// the short path.
func (d *Decoder) checkText(b []byte, at int) error {
	for k := 0; k < len(b); {
		c := b[k]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return d.syntax(Malformed, at, fmt.Sprintf("illegal character code %U", rune(c)))
			}
			k++
			continue
		}
		r, n := utf8.DecodeRune(b[k:])
		if r == utf8.RuneError && n == 1 {
			return d.syntax(Malformed, at, "invalid UTF-8")
		}
		if !inRange(r) {
			return d.syntax(Malformed, at, fmt.Sprintf("illegal character code %U", r))
		}
		k += n
	}
	return nil
}

var entities = map[string]byte{"lt": '<', "gt": '>', "amp": '&', "apos": '\'', "quot": '"'}

// reference decodes the reference at b[i:] ('&' first) into scratch and
// returns its length. Only the five predefined entities and character
// references are known: any other name is an error, as in a strict
// encoding/xml decoder without an entity map.
func (d *Decoder) reference(i int) (int, error) {
	b := d.buf[:d.end]
	j := i + 1
	if j >= len(b) {
		return 0, errShort
	}
	bad := func(k int) (int, error) {
		ent := string(b[i:k])
		if k >= len(b) || b[k] != ';' {
			ent += " (no semicolon)"
		} else {
			ent += ";"
		}
		return 0, d.syntax(Malformed, i, "invalid character entity "+ent)
	}
	if b[j] == '#' {
		j++
		if j >= len(b) {
			return 0, errShort
		}
		base := 10
		if b[j] == 'x' {
			base = 16
			j++
		}
		start := j
		for j < len(b) && ('0' <= b[j] && b[j] <= '9' || base == 16 && ('a' <= b[j] && b[j] <= 'f' || 'A' <= b[j] && b[j] <= 'F')) {
			j++
		}
		if j >= len(b) {
			return 0, errShort
		}
		if b[j] != ';' {
			return bad(j)
		}
		n, err := strconv.ParseUint(string(b[start:j]), base, 64)
		if err != nil || n > unicode.MaxRune {
			return bad(j)
		}
		d.scratch = utf8.AppendRune(d.scratch, rune(n))
		return j + 1 - i, nil
	}
	k, err := d.name(j)
	if err != nil {
		return 0, err
	}
	if b[k] != ';' {
		return bad(k)
	}
	c, ok := entities[string(b[j:k])]
	if !ok {
		return bad(k)
	}
	d.scratch = append(d.scratch, c)
	return k + 1 - i, nil
}

// text reads character data up to the next '<' or the end of input.
func (d *Decoder) text(i int) (int, error) {
	b := d.buf[:d.end]
	j := i
	for j < len(b) {
		c := b[j]
		if plain[c] || c == '"' || c == '\'' {
			j++
			continue
		}
		if c == '<' {
			d.tok = Token{Kind: CharData, Data: b[i:j]}
			return j, nil
		}
		if c == ']' {
			if j+2 >= len(b) && !d.eof {
				return 0, errShort
			}
			if j+2 < len(b) && b[j+1] == ']' && b[j+2] == '>' {
				return 0, d.syntax(Malformed, j+2, "unescaped ]]> not in CDATA section")
			}
			j++
			continue
		}
		if c >= utf8.RuneSelf {
			n, err := d.char(j)
			if err != nil {
				return 0, err
			}
			j += n
			continue
		}
		if c != '&' && c != '\r' {
			return 0, d.syntax(Malformed, j, fmt.Sprintf("illegal character code %U", rune(c)))
		}
		// A reference or a carriage return: decode from here on. The
		// two bytes before j matter to "]]>" only when they are "]]",
		// which would have been refused above.
		d.scratch = append(d.scratch[:0], b[i:j]...)
		end, err := d.decode(j, 0)
		if err != nil {
			return 0, err
		}
		d.tok = Token{Kind: CharData, Data: d.scratch}
		return end, nil
	}
	if !d.eof {
		return 0, errShort
	}
	d.tok = Token{Kind: CharData, Data: b[i:j]}
	return j, nil
}

func (d *Decoder) procInst(i int) (int, error) {
	j, err := d.name(i + 2)
	if err != nil {
		return 0, err
	}
	if j == i+2 {
		return 0, d.syntax(Malformed, j, "expected target name after <?")
	}
	target := d.buf[i+2 : j]
	if !isName(target) {
		return 0, d.syntax(Malformed, i+2, "invalid XML name: "+string(target))
	}
	if j, err = d.space(j); err != nil {
		return 0, err
	}
	k := bytes.Index(d.buf[j:d.end], []byte("?>"))
	if k < 0 {
		return 0, errShort
	}
	data := d.buf[j : j+k]
	if string(target) == "xml" {
		content := string(data)
		if ver := procInstParam("version", content); ver != "" && ver != "1.0" {
			return 0, d.syntax(Malformed, i, fmt.Sprintf("unsupported version %q; only version 1.0 is supported", ver))
		}
		if enc := procInstParam("encoding", content); enc != "" && !strings.EqualFold(enc, "utf-8") {
			return 0, d.syntax(Malformed, i, fmt.Sprintf("encoding %q declared; only UTF-8 is read", enc))
		}
	}
	d.tok = Token{Kind: ProcInst, Name: target, Data: data}
	return j + k + 2, nil
}

// procInstParam is encoding/xml's reading of a pseudo-attribute of the XML
// declaration, kept as it is so the same declarations are refused.
func procInstParam(param, s string) string {
	param = param + "="
	lenp := len(param)
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := strings.Index(sub, param)
		if k < 0 || lenp+k >= len(sub) {
			return ""
		}
		i += lenp + k + 1
		if c := sub[lenp+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], sep)
	if j < 0 {
		return ""
	}
	return s[i : i+j]
}

// bang reads what starts "<!": a comment, a CDATA section or a directive.
func (d *Decoder) bang(i int) (int, error) {
	b := d.buf[:d.end]
	if i+2 >= len(b) {
		return 0, errShort
	}
	switch b[i+2] {
	case '-':
		if i+3 >= len(b) {
			return 0, errShort
		}
		if b[i+3] != '-' {
			return 0, d.syntax(Malformed, i+3, "invalid sequence <!- not part of <!--")
		}
		start := i + 4
		k := bytes.Index(b[start:], []byte("--"))
		if k < 0 || start+k+2 >= len(b) {
			return 0, errShort
		}
		if b[start+k+2] != '>' {
			return 0, d.syntax(Malformed, start+k+2, `invalid sequence "--" not allowed in comments`)
		}
		d.tok = Token{Kind: Comment, Data: b[start : start+k]}
		return start + k + 3, nil
	case '[':
		const open = "CDATA["
		for n := range len(open) {
			if i+3+n >= len(b) {
				return 0, errShort
			}
			if b[i+3+n] != open[n] {
				return 0, d.syntax(Malformed, i+3+n, "invalid <![ sequence")
			}
		}
		start := i + 3 + len(open)
		k := bytes.Index(b[start:], []byte("]]>"))
		if k < 0 {
			if d.eof {
				return 0, d.syntax(Truncated, len(b), "unexpected EOF in CDATA section")
			}
			return 0, errShort
		}
		d.scratch = d.scratch[:0]
		raw := b[start : start+k]
		var b1 byte
		for _, c := range raw {
			switch {
			case c == '\r':
				d.scratch = append(d.scratch, '\n')
			case b1 == '\r' && c == '\n':
			default:
				d.scratch = append(d.scratch, c)
			}
			b1 = c
		}
		if err := d.checkText(d.scratch, start); err != nil {
			return 0, err
		}
		d.tok = Token{Kind: CharData, Data: d.scratch}
		return start + k + 3, nil
	}
	return d.directive(i)
}

// directive reads <!DOCTYPE ...> and the like as encoding/xml does:
// quoted '<' and '>' do not nest, comments inside become a space. One that
// declares entities is refused: tool output never does, and expanding
// them is how entity attacks work.
func (d *Decoder) directive(i int) (int, error) {
	b := d.buf[:d.end]
	out := d.scratch[:0]
	j := i + 2
	out = append(out, b[j])
	j++
	var inquote byte
	depth := 0
	for {
		if j >= len(b) {
			return 0, errShort
		}
		c := b[j]
		j++
		if inquote == 0 && c == '>' && depth == 0 {
			break
		}
	handle:
		out = append(out, c)
		switch {
		case c == inquote:
			inquote = 0
		case inquote != 0:
		case c == '\'' || c == '"':
			inquote = c
		case c == '>':
			depth--
		case c == '<':
			const s = "!--"
			for n := range len(s) {
				if j >= len(b) {
					return 0, errShort
				}
				c = b[j]
				j++
				if c != s[n] {
					out = append(out, s[:n]...)
					depth++
					goto handle
				}
			}
			out = out[:len(out)-1]
			var b0, b1 byte
			for {
				if j >= len(b) {
					return 0, errShort
				}
				c = b[j]
				j++
				if b0 == '-' && b1 == '-' && c == '>' {
					break
				}
				b0, b1 = b1, c
			}
			out = append(out, ' ')
		}
	}
	d.scratch = out
	up := bytes.ToUpper(out)
	if bytes.Contains(up, []byte("<!ENTITY")) || bytes.Contains(up, []byte("ENTITY ")) {
		return 0, d.syntax(Malformed, j, "DOCTYPE declares entities, which tool output never does (entity expansion attack?)")
	}
	d.tok = Token{Kind: Directive, Data: out}
	return j, nil
}
