package xmltok

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// reference reads data with encoding/xml's strict decoder and the rules
// this package adds (end tags match, one root, no entity declaration,
// bounded depth, no truncation), and returns the tokens written as text,
// or the first refusal.
func reference(data []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var out []string
	var stack []xml.Name
	root := ""
	for {
		t, err := d.RawToken()
		if err == io.EOF {
			if root == "" {
				return out, errors.New("no root")
			}
			if len(stack) > 0 {
				return out, errors.New("unclosed")
			}
			return out, nil
		}
		if err != nil {
			return out, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			if len(stack) == 0 && root != "" {
				return out, errors.New("second root")
			}
			root = t.Name.Local
			stack = append(stack, t.Name)
			if len(stack) > DefaultMaxDepth {
				return out, errors.New("too deep")
			}
			s := "start " + t.Name.Space + "|" + t.Name.Local
			for _, a := range t.Attr {
				s += fmt.Sprintf(" %s|%s=%q", a.Name.Space, a.Name.Local, a.Value)
			}
			out = append(out, s)
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1] != t.Name {
				return out, errors.New("end tag does not match")
			}
			stack = stack[:len(stack)-1]
			out = append(out, "end "+t.Name.Space+"|"+t.Name.Local)
		case xml.CharData:
			out = append(out, fmt.Sprintf("text %q", t))
		case xml.Comment:
			out = append(out, fmt.Sprintf("comment %q", t))
		case xml.ProcInst:
			out = append(out, fmt.Sprintf("pi %s %q", t.Target, t.Inst))
		case xml.Directive:
			up := bytes.ToUpper(t)
			if bytes.Contains(up, []byte("<!ENTITY")) || bytes.Contains(up, []byte("ENTITY ")) {
				return out, errors.New("entity declared")
			}
			out = append(out, fmt.Sprintf("directive %q", t))
		}
	}
}

// tokens reads r with this package, starting with a buffer of size
// bytes, written as reference writes them.
func tokens(r io.Reader, size int) ([]string, error) {
	d := newDecoderSize(r, size)
	var out []string
	for {
		t, err := d.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		switch t.Kind {
		case StartElement:
			s := "start " + string(Space(t.Name)) + "|" + string(Local(t.Name))
			for _, a := range t.Attr {
				s += fmt.Sprintf(" %s|%s=%q", Space(a.Name), Local(a.Name), a.Value)
			}
			out = append(out, s)
		case EndElement:
			out = append(out, "end "+string(Space(t.Name))+"|"+string(Local(t.Name)))
		case CharData:
			out = append(out, fmt.Sprintf("text %q", t.Data))
		case Comment:
			out = append(out, fmt.Sprintf("comment %q", t.Data))
		case ProcInst:
			out = append(out, fmt.Sprintf("pi %s %q", t.Name, t.Data))
		case Directive:
			out = append(out, fmt.Sprintf("directive %q", t.Data))
		}
	}
}

// same fails unless this package accepts data exactly when the reference
// does, with the same tokens, whether the buffer holds the input at once
// or starts at one or seven bytes (every token then crosses its end).
func same(t *testing.T, data []byte) {
	t.Helper()
	want, werr := reference(data)
	for name, size := range map[string]int{"whole": 64 << 10, "a buffer of 1 byte": 1, "a buffer of 7 bytes": 7} {
		got, gerr := tokens(iotest.OneByteReader(bytes.NewReader(data)), size)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%s: error %v, encoding/xml: %v\ninput %q", name, gerr, werr, data)
		}
		if gerr != nil {
			var se *SyntaxError
			if !errors.As(gerr, &se) || se.Line < 1 || se.Column < 1 {
				t.Fatalf("%s: error %v does not say where", name, gerr)
			}
			continue
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%s: tokens\n%s\nencoding/xml:\n%s\ninput %q", name, strings.Join(got, "\n"), strings.Join(want, "\n"), data)
		}
	}
}

func fixtures(t testing.TB) [][]byte {
	var out [][]byte
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "*", "*.xml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
	if len(out) == 0 {
		t.Fatal("no XML fixtures")
	}
	return out
}

// TestSameAsEncodingXML holds the tokenizer to encoding/xml on the
// recorded scanner output and on the ways XML can be wrong.
func TestSameAsEncodingXML(t *testing.T) {
	for i, data := range fixtures(t) {
		t.Run(fmt.Sprint("fixture ", i), func(t *testing.T) { same(t, data) })
	}
	cases := []string{
		`<a/>`,
		`<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE nmaprun><a x="1" y='2'>t</a>`,
		`<?xml version="1.1"?><a/>`,
		`<?xml version="1.0" encoding="latin1"?><a/>`,
		`<?xml version="1.0" encoding="utf-8"?><a/>`,
		`<a b="1"c="2"/>`,
		`<a b=1/>`,
		`<a b/>`,
		`<a b="x<y"/>`,
		`<a b="x>y ]]> &amp;&lt;&gt;&quot;&apos;&#65;&#x42;"/>`,
		"<a b=\"line\r\nbreak\rhere\"/>",
		"<a>line\r\nbreak\rhere</a>",
		`<a>]]></a>`,
		`<a>]]]</a>`,
		`<a>]</a>`,
		`<a>&bogus;</a>`,
		`<a>&amp</a>`,
		`<a>&#;</a>`,
		`<a>&#x;</a>`,
		`<a>&#0;</a>`,
		`<a>&#xD800;</a>`,
		`<a>&#x110000;</a>`,
		`<a>&#99999999999999999999;</a>`,
		"<a>\x01</a>",
		"<a>\xff</a>",
		"<a>\xc3</a>",
		"<a b=\"\xc3\"/>",
		"<a>\xef\xbf\xbe</a>",
		"<a>é ü 日本</a>",
		"<é/>",
		"<a\xcc\x81/>",
		"<\xcc\x81/>",
		`<1a/>`,
		`<a:b:c/>`,
		`<:a/>`,
		`<a:/>`,
		`<n:a xmlns:n="u"></n:a>`,
		`<n:a></m:a>`,
		`<a></b>`,
		`<a></a></a>`,
		`</a>`,
		`<a/><b/>`,
		`<a/>trailing text`,
		`text <a/>`,
		`<a>`,
		`<a><b>`,
		`<a`,
		`<a b="`,
		`<a b="1"`,
		`<a/`,
		`<a/ >`,
		`< a/>`,
		`<a></a >`,
		`<a></a x>`,
		`<a><!-- c --></a>`,
		`<a><!-- a--b --></a>`,
		`<a><!----></a>`,
		`<a><!---></a>`,
		`<a><!-x --></a>`,
		`<a><!-- never closed`,
		`<a><![CDATA[x < & ]] ]]></a>`,
		`<a><![CDATA[]]]></a>`,
		"<a><![CDATA[\r\n]]></a>",
		`<a><![CDATA[open`,
		`<a><![CDAT[x]]></a>`,
		`<a><?pi data?></a>`,
		`<a><?pi?></a>`,
		`<a><? pi?></a>`,
		`<a><?1pi?></a>`,
		`<a><?pi never`,
		`<!DOCTYPE a [<!ELEMENT a ANY>]><a/>`,
		`<!DOCTYPE a [<!ENTITY x "y">]><a/>`,
		`<!ENTITY x "y"><a/>`,
		`<!DOCTYPE a "quoted > bracket"><a/>`,
		`<!DOCTYPE a [<!-- comment > -->]><a/>`,
		`<!DOCTYPE a [<!-x>]><a/>`,
		`<!><a/>`,
		`<!DOCTYPE a`,
		strings.Repeat("<d>", DefaultMaxDepth) + strings.Repeat("</d>", DefaultMaxDepth),
		strings.Repeat("<d>", DefaultMaxDepth+1) + strings.Repeat("</d>", DefaultMaxDepth+1),
		``,
		`   `,
		`<!-- only a comment -->`,
		`<a>` + strings.Repeat("long text &amp; ", 10000) + `</a>`,
		`<a b="` + strings.Repeat("v", 200000) + `"/>`,
	}
	for _, c := range cases {
		name := c
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) { same(t, []byte(c)) })
	}
}

// TestWhere checks an error names the line and column of the fault and
// tells a cut file from a malformed one.
func TestWhere(t *testing.T) {
	for _, c := range []struct {
		in        string
		kind      ErrorKind
		line, col int
	}{
		{"<a>\n  <b>\n  </c>\n</a>", Malformed, 3, 3},
		{"<a>\n<b x=\"1\">", Unclosed, 2, 10},
		{"<a>\n<b x=\"1", Truncated, 2, 8},
		{"<!-- x -->\n", NoRoot, 2, 1},
		{"<a>\n\n  &nope;</a>", Malformed, 3, 3},
	} {
		_, err := tokens(iotest.OneByteReader(strings.NewReader(c.in)), 1)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("%q: error %v, want a SyntaxError", c.in, err)
		}
		if se.Kind != c.kind || se.Line != c.line || se.Column != c.col {
			t.Errorf("%q: %v (kind %d), want kind %d at line %d column %d", c.in, err, se.Kind, c.kind, c.line, c.col)
		}
	}
}

// FuzzSameAsEncodingXML mutates the recorded scanner output and the cases
// above: the tokenizer must accept, refuse and tokenize as encoding/xml.
func FuzzSameAsEncodingXML(f *testing.F) {
	for _, data := range fixtures(f) {
		f.Add(data)
	}
	for _, s := range []string{`<a b="1&amp;2">x&#65;<![CDATA[y]]><!--c--><?p q?></a>`, `<!DOCTYPE a [<!-- c -->]><n:a xmlns:n="u">]]</n:a>`, "<a>\r\n\xc3\xa9</a>",
		// Names nsname decides in one pass: colons, a digit or dot
		// first, characters beyond ASCII, a name cut by the buffer.
		`<a:b:c d:e="1" f:="2" :g="3"/>`, `<é x.y-1="1"><_1 a0="b"/></é>`, `<a 1b="2"/>`, "<a\xe2\x80\x8b b=\"1\"/>", `<abc d`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { same(t, data) })
}
