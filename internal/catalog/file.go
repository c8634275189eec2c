package catalog

import (
	"fmt"
	"regexp"
	"sync"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/yamlsafe"
)

// The three kinds of catalog file. Each file says which it is in its
// top-level "kind" field, so a misnamed file is still read correctly.
const (
	kindVersion = "version"
	kindMapping = "mapping"
	kindOverlay = "overlay"
	kindIDSpace = "idspace"
)

// header is the part every catalog file shares.
type header struct {
	Kind string `yaml:"kind"`
}

// versionFile is one standard version: its clauses in catalog order, each
// with its requirements.
type versionFile struct {
	Kind      string        `yaml:"kind"`
	Standard  string        `yaml:"standard"`
	Version   string        `yaml:"version"`
	Title     string        `yaml:"title"`
	Published string        `yaml:"published"`
	Complete  bool          `yaml:"complete"`
	Confirmed bool          `yaml:"confirmed"`
	Note      string        `yaml:"note"`
	Clauses   []clauseEntry `yaml:"clauses"`
}

type clauseEntry struct {
	Clause       string             `yaml:"clause"`
	Title        string             `yaml:"title"`
	Note         string             `yaml:"note"`
	Requirements []requirementEntry `yaml:"requirements"`
}

type requirementEntry struct {
	ID      string           `yaml:"id"`
	Types   []string         `yaml:"types"`
	Text    string           `yaml:"text"`
	Figures []evident.Figure `yaml:"figures"`
	Note    string           `yaml:"note"`
	// Confirmed overrides the file's default for one entry.
	Confirmed *bool `yaml:"confirmed"`
}

// mappingFile pairs identifiers of two versions of one standard.
type mappingFile struct {
	Kind     string      `yaml:"kind"`
	Standard string      `yaml:"standard"`
	From     string      `yaml:"from"`
	To       string      `yaml:"to"`
	Note     string      `yaml:"note"`
	Pairs    []pairEntry `yaml:"pairs"`
}

type pairEntry struct {
	From  string `yaml:"from"`
	To    string `yaml:"to"`
	Basis string `yaml:"basis"`
	Note  string `yaml:"note"`
}

// overlayFile is a named set of adaptations of one version.
type overlayFile struct {
	Kind        string            `yaml:"kind"`
	Name        string            `yaml:"name"`
	Title       string            `yaml:"title"`
	Standard    string            `yaml:"standard"`
	Version     string            `yaml:"version"`
	Sources     []string          `yaml:"sources"`
	Note        string            `yaml:"note"`
	Act         string            `yaml:"act"`
	AppliesTo   *appliesToEntry   `yaml:"applies_to"`
	Adaptations []adaptationEntry `yaml:"adaptations"`
}

// appliesToEntry says which services an act's overlay is for.
type appliesToEntry struct {
	Qualification string   `yaml:"qualification"`
	ServiceTypes  []string `yaml:"service_types"`
}

type adaptationEntry struct {
	Label   string           `yaml:"label"`
	Article string           `yaml:"article"`
	Target  string           `yaml:"target"`
	Shall   bool             `yaml:"shall"`
	Text    string           `yaml:"text"`
	Figures []evident.Figure `yaml:"figures"`
	Note    string           `yaml:"note"`
}

// source is one catalog file being read. It keeps the parsed syntax tree
// so that a validation error found after decoding can still name the line.
type source struct {
	name string
	data []byte
	tree *ast.File
}

// parse reads the file's syntax tree once; decoding and error locations
// both work from it, which halves the cost of loading the catalog.
func (s *source) parse() error {
	if s.tree != nil {
		return nil
	}
	tree, err := parser.ParseBytes(s.data, 0)
	if err != nil {
		return s.syntaxError(err)
	}
	if len(tree.Docs) != 1 || tree.Docs[0].Body == nil {
		return evident.ErrorAt(evident.EINVALID, s.name, "want exactly one YAML document")
	}
	s.tree = tree
	return nil
}

// kind reads the file's "kind" field.
func (s *source) kind() (string, error) {
	if err := s.parse(); err != nil {
		return "", err
	}
	var h header
	if err := yamlsafe.Do(func() error { return yaml.NodeToValue(s.tree.Docs[0].Body, &h) }); err != nil {
		return "", s.syntaxError(err)
	}
	if h.Kind == "" {
		return "", s.errorf("", "no kind: want kind: version, mapping or overlay")
	}
	return h.Kind, nil
}

// decode reads the whole file strictly: an unknown field is an error, so a
// misspelt "figure:" does not silently drop a figure.
func (s *source) decode(v any) error {
	if err := s.parse(); err != nil {
		return err
	}
	if err := yamlsafe.Do(func() error { return yaml.NodeToValue(s.tree.Docs[0].Body, v, yaml.Strict()) }); err != nil {
		return s.syntaxError(err)
	}
	return nil
}

// syntaxError turns a YAML error into an EINVALID error located at
// "file:line:column", moving go-yaml's "[line:column]" prefix into the
// location so every catalog error reads the same way.
func (s *source) syntaxError(err error) error {
	msg := yaml.FormatError(err, false, false)
	if m := position().FindStringSubmatch(msg); m != nil {
		return evident.ErrorAt(evident.EINVALID, s.name+":"+m[1]+":"+m[2], "%s", m[3])
	}
	return evident.ErrorAt(evident.EINVALID, s.name, "%s", msg)
}

// position matches go-yaml's "[line:column] message".
var position = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\[(\d+):(\d+)\] (?s:(.*))$`) })

// errorf returns an EINVALID error located at the YAML path (such as
// "$.clauses[3].requirements[2]") in this file, with the line number when
// the path can be found.
func (s *source) errorf(path, format string, args ...any) error {
	return evident.ErrorAt(evident.EINVALID, s.where(path), format, args...)
}

// where formats "file:line" for a YAML path, or just the file name.
func (s *source) where(path string) string {
	if line := s.line(path); line > 0 {
		return fmt.Sprintf("%s:%d", s.name, line)
	}
	return s.name
}

// line returns the line of the node at path, or 0 when it is unknown.
func (s *source) line(path string) int {
	if path == "" {
		return 0
	}
	if s.tree == nil {
		return 0
	}
	p, err := yaml.PathString(path)
	if err != nil {
		return 0
	}
	n, err := p.FilterFile(s.tree)
	if err != nil || n == nil || n.GetToken() == nil {
		return 0
	}
	return n.GetToken().Position.Line
}
