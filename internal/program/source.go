package program

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sync"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/yamlsafe"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// source is one program file being read. It keeps the syntax tree so an
// error found after decoding, even one found by the model check, can
// still name the line.
type source struct {
	name string // as shown to the user: the path under the program directory's parent
	dir  string // the file's directory on disk, for policy documents
	data []byte
	tree *ast.File
}

// decode reads the file strictly: an unknown field is an error, so a
// misspelt "cadance:" does not silently drop the cadence.
func (s *source) decode(v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(s.data), yaml.Strict())
	if err := yamlsafe.Do(func() error { return dec.Decode(v) }); err != nil && !errors.Is(err, io.EOF) { // a file of comments only is empty, not wrong
		return s.syntaxError(err)
	}
	return nil
}

// position matches go-yaml's "[line:column] message".
var position = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\[(\d+):(\d+)\] (?s:(.*))$`) })

// syntaxError moves go-yaml's "[line:column]" prefix into the location so
// every program error reads "file:line: message".
func (s *source) syntaxError(err error) error {
	msg := yaml.FormatError(err, false, false)
	if m := position().FindStringSubmatch(msg); m != nil {
		return evident.ErrorAt(evident.EINVALID, s.name+":"+m[1], "%s", firstLine(m[3]))
	}
	return evident.ErrorAt(evident.EINVALID, s.name, "%s", firstLine(msg))
}

// firstLine drops go-yaml's source excerpt: the location already says where.
func firstLine(s string) string {
	if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// errorf returns an EINVALID error at YAML path ("$.controls[3].owner")
// in this file. The field is named in the message as the path without
// "$." so the reader sees which of several fields on a line is wrong.
func (s *source) errorf(path, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if f := fieldOf(path); f != "" {
		msg = f + ": " + msg
	}
	return evident.ErrorAt(evident.EINVALID, s.where(path), "%s", msg)
}

func fieldOf(path string) string {
	if len(path) > 2 && path[:2] == "$." {
		return path[2:]
	}
	return ""
}

// where formats "file:line" for a YAML path, walking up to the nearest
// node that exists (a missing field is reported at its object's line).
func (s *source) where(path string) string {
	for p := path; p != "" && p != "$"; p = parent(p) {
		if line := s.line(p); line > 0 {
			return fmt.Sprintf("%s:%d", s.name, line)
		}
	}
	return s.name
}

// parent strips the last ".field" or "[i]" from a YAML path.
func parent(p string) string {
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '.' || p[i] == '[' {
			return p[:i]
		}
	}
	return ""
}

// line returns the line of the node at path, or 0 when it is not there.
func (s *source) line(path string) int {
	if s.tree == nil {
		tree, err := parser.ParseBytes(s.data, 0)
		if err != nil {
			return 0
		}
		s.tree = tree
	}
	p, err := yaml.PathString(path)
	if err != nil {
		return 0
	}
	n, err := p.FilterFile(s.tree)
	if err != nil || n == nil || n.GetToken() == nil {
		return 0
	}
	// A mapping node's token is its first key; for a key's value, the
	// value's own line is what the reader wants, and that is the token.
	return n.GetToken().Position.Line
}
