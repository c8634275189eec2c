package nmap

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer/report"
	"github.com/evidenthq/evident/internal/importer/report/reporttest"
	"github.com/evidenthq/evident/internal/importer/xmltok"
)

var streamContext = report.Context{AllowedPorts: []string{"tcp/443", "tcp/18080"},
	HostPorts: map[string][]string{"10.0.0.2": {"tcp/22"}}, Now: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}

// sameAsReference parses data in one pass, from memory and byte by byte,
// and fails unless both give what the two-pass parser gave: the same
// result, or an error with the same code and, when the file is well-formed
// XML (so the refusal is nmap's, not the XML's), the same message. A
// malformed file may be refused in other words, naming where, and one the
// two-pass parser let through is refused only when encoding/xml's own
// strict reading (end tags matching) refuses it too: the guard it used
// did not match end tags after the root element.
func sameAsReference(t *testing.T, data []byte, c report.Context) {
	t.Helper()
	want, werr := parseReference(context.Background(), data, c)
	wellFormed := xmlWellFormed(data)
	for name, parse := range map[string]func() (*report.Result, error){
		"memory": func() (*report.Result, error) { return Parse(context.Background(), data, c) },
		"byte by byte": func() (*report.Result, error) {
			return ParseStream(context.Background(), iotest.OneByteReader(bytes.NewReader(data)), c)
		},
	} {
		got, gerr := parse()
		if werr == nil && gerr != nil && !wellFormed && !xmlStrictAccepts(data) {
			continue
		}
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%s: error %v, two-pass parser: %v\n%s", name, gerr, werr, data)
		}
		if werr != nil {
			if evident.ErrorCode(gerr) != evident.ErrorCode(werr) {
				t.Fatalf("%s: error %q (%s), two-pass parser: %q (%s)\n%s", name, gerr, evident.ErrorCode(gerr), werr, evident.ErrorCode(werr), data)
			}
			if wellFormed && gerr.Error() != werr.Error() {
				t.Fatalf("%s: error %q, two-pass parser: %q\n%s", name, gerr, werr, data)
			}
			continue
		}
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if !bytes.Equal(g, w) {
			t.Fatalf("%s: result\n%s\ntwo-pass parser:\n%s\ninput:\n%s", name, g, w, data)
		}
	}
}

// xmlWellFormed reports whether the tokenizer reads data to its end.
func xmlWellFormed(data []byte) bool {
	d := xmltok.NewDecoder(bytes.NewReader(data))
	for {
		if _, err := d.Next(); err != nil {
			return err == io.EOF
		}
	}
}

// xmlStrictAccepts reports whether encoding/xml's strict decoder, which
// matches end tags with their start, reads data to its end.
func xmlStrictAccepts(data []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	for {
		if _, err := d.Token(); err != nil {
			return err == io.EOF
		}
	}
}

// TestStreamMatchesTwoPass holds the one-pass parser to what the parser
// that checked the whole file and then unmarshalled it accepted, refused
// and reported: on every recorded scan, and on the ways a file can be
// wrong that only one of the two passes used to notice.
func TestStreamMatchesTwoPass(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", Format, "*.xml"))
	if len(files) == 0 {
		t.Fatal("no nmap fixtures")
	}
	base, err := os.ReadFile(filepath.Join("..", "testdata", Format, "baseline.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(name), func(t *testing.T) { sameAsReference(t, data, streamContext) })
	}
	edit := func(old, new string) []byte {
		if !bytes.Contains(base, []byte(old)) {
			t.Fatalf("baseline.xml has no %q", old)
		}
		return bytes.Replace(base, []byte(old), []byte(new), 1)
	}
	cut := bytes.Index(base, []byte("<runstats>"))
	cases := map[string][]byte{
		"cut before runstats":                 base[:cut],
		"cut inside a host":                   base[:bytes.Index(base, []byte("<ports>"))+20],
		"runstats removed":                    append(append([]byte{}, base[:cut]...), "</nmaprun>\n"...),
		"mismatched end tag":                  edit("</hostnames>", "</hostname>"),
		"mismatched, then entity":             append(edit("</hostnames>", "</hostnamez>"), "<!-- &bad; -->"...),
		"bad entity in text":                  edit("<verbose level=\"0\"/>", "<verbose>&bogus;</verbose>"),
		"port id not a number":                edit(`portid="14443"`, `portid="x"`),
		"port id with spaces":                 edit(`portid="14443"`, `portid=" 443 "`),
		"port id empty":                       edit(`portid="14443"`, `portid=""`),
		"start not a number":                  edit(`start="1795773899"`, `start="soon"`),
		"hosts up not a number":               edit(`up="1"`, `up="one"`),
		"hosts total bad":                     edit(`total="1"`, `total="?"`),
		"numservices bad":                     edit(`numservices="4"`, `numservices="-"`),
		"exit empty":                          edit(`exit="success"`, `exit=""`),
		"exit error":                          edit(`exit="success"`, `exit="error" errormsg="interrupted"`),
		"second finished":                     edit(`<hosts up="1"`, `<finished exit="error"/><hosts up="1"`),
		"second status":                       edit(`<address addr="127.0.0.1"`, `<status state="down"/><address addr="127.0.0.1"`),
		"host nested deeper":                  edit("<times ", `<extra><host><status state="up"/><address addr="10.9.9.9" addrtype="ipv4"/></host></extra><times `),
		"port outside ports":                  edit("<ports>", `<port protocol="tcp" portid="1"><state state="open"/></port><ports>`),
		"namespaced host":                     bytes.ReplaceAll(bytes.Replace(base, []byte("<nmaprun "), []byte(`<nmaprun xmlns:n="urn:x" `), 1), []byte("host>"), []byte("n:host>")),
		"namespace mismatch":                  edit("</hostnames>", "</n:hostnames>"),
		"end tag before root":                 edit("<nmaprun ", "</x><nmaprun "),
		"end tag after root":                  append(append([]byte{}, base...), "</x>"...),
		"end tag, then an element after root": append(append([]byte{}, base...), "</x><y>"...),
		"second root":                         append(append([]byte{}, base...), "<nmaprun/>"...),
		"other root":                          []byte(`<?xml version="1.0"?><scan><host/></scan>`),
		"no root":                             []byte(`<?xml version="1.0"?><!-- nothing -->`),
		"entity declared":                     edit("<!DOCTYPE nmaprun>", `<!DOCTYPE nmaprun [<!ENTITY a "aaaa">]>`),
		"too deep":                            edit("<times ", strings.Repeat("<d>", report.MaxXMLDepth)+strings.Repeat("</d>", report.MaxXMLDepth)+"<times "),
		"address of a mac only":               edit(`addrtype="ipv4"`, `addrtype="mac"`),
		"no address":                          edit(`<address addr="127.0.0.1" addrtype="ipv4"/>`, ""),
		"per-host zone":                       edit(`addr="127.0.0.1"`, `addr="10.0.0.2"`),
		"no port open":                        bytes.ReplaceAll(base, []byte(`<state state="open"`), []byte(`<state state="closed"`)),
		"empty":                               nil,
		"not xml":                             []byte("nmaprun, but not XML"),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) { sameAsReference(t, data, streamContext) })
	}
}

// FuzzStreamMatchesTwoPass feeds mutations of the recorded scans to both
// parsers: the one-pass parser must accept, refuse and report exactly as
// the two-pass one did.
func FuzzStreamMatchesTwoPass(f *testing.F) {
	reporttest.Seeds(f, Format, "*.xml")
	f.Fuzz(func(t *testing.T, data []byte) { sameAsReference(t, data, streamContext) })
}
