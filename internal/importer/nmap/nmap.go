// Package nmap parses nmap XML output (-oX) into open ports per host and
// compares them with the services the network zone allows.
package nmap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer/report"
	"github.com/evidenthq/evident/internal/importer/xmltok"
)

// Format is the name this package parses.
const Format = "nmap"

// Detect reports whether head looks like nmap XML: nmap writes its root
// element <nmaprun> within the first lines.
func Detect(head []byte) bool {
	return strings.Contains(string(head), "<nmaprun")
}

// scan is what a run of nmap reports, read in one pass: the run's own
// attributes and totals, and the findings of the hosts read so far. A host
// is judged when its element closes and then dropped, so memory grows with
// the findings, not with the file.
type scan struct {
	d       *xmltok.Decoder
	allowed []PortRange
	perHost map[string][]PortRange

	args, version string
	start         int64
	ports         int // services probed, summed over <scaninfo>
	finished      struct{ exit, summary, errormsg string }
	hostsUp       int
	hostsDown     int

	res     *report.Result
	targets []string
	up      int
	// blocks hold the findings as hosts are judged, a block at a time:
	// a large scan's tens of thousands of findings are copied once, into
	// a list of their size (collect), not at every growth of one list.
	blocks [][]report.Finding

	// open holds the elements open below and including the root, each as
	// the one of the names this parser reads it is (by local name), or
	// other. The file is judged as xml.Unmarshal read it: only the
	// elements its fields name, at the place they name, count, and the
	// first error Unmarshal would stop at (an attribute that is not a
	// number) is kept in derr. It is reported only once the whole file
	// passed the XML checks, which come first, as they always did.
	open []elem
	done bool // the root closed
	derr error
	h    host // the host being read

	// strs and services hold each attribute value and service string
	// once: a scan repeats a few protocols, states and services over
	// tens of thousands of ports, and every finding keeps its service.
	strs     map[string]string
	services map[port]string
}

// maxInterned bounds strs and services, so a file of distinct values
// costs no more than allocating each.
const maxInterned = 4096

// intern is string(v), the same string for the same bytes while there
// is room to remember them.
func (s *scan) intern(v []byte) string {
	if x, ok := s.strs[string(v)]; ok {
		return x
	}
	x := string(v)
	if len(s.strs) < maxInterned {
		s.strs[x] = x
	}
	return x
}

// service is what a port runs, as a finding's detail, the same string
// for the same service.
func (s *scan) service(p port) string {
	k := port{name: p.name, product: p.product, version: p.version, tunnel: p.tunnel}
	if x, ok := s.services[k]; ok {
		return x
	}
	x := service(p.name, p.product, p.version, p.tunnel)
	if len(s.services) < maxInterned {
		s.services[k] = x
	}
	return x
}

// elem is an element this parser reads, by its local name.
type elem uint8

const (
	other elem = iota
	eNmaprun
	eScaninfo
	eRunstats
	eFinished
	eHosts
	eHost
	eStatus
	eAddress
	eHostnames
	eHostname
	ePorts
	ePort
	eState
	eService
)

var elems = map[string]elem{"nmaprun": eNmaprun, "scaninfo": eScaninfo, "runstats": eRunstats,
	"finished": eFinished, "hosts": eHosts, "host": eHost, "status": eStatus, "address": eAddress,
	"hostnames": eHostnames, "hostname": eHostname, "ports": ePorts, "port": ePort, "state": eState,
	"service": eService}

type host struct {
	state     string
	addresses []address
	hostnames []string
	ports     []port
}

// reset empties h for the next host, keeping its lists' room: nothing
// judged keeps them.
func (h *host) reset() {
	*h = host{addresses: h.addresses[:0], hostnames: h.hostnames[:0], ports: h.ports[:0]}
}

type address struct{ addr, typ string }

type port struct {
	protocol                       string
	id                             int
	state                          string
	name, product, version, tunnel string
}

// Parse reads nmap XML held in memory; see ParseStream.
func Parse(ctx context.Context, data []byte, c report.Context) (*report.Result, error) {
	return ParseStream(ctx, bytes.NewReader(data), c)
}

// ParseStream reads nmap XML from r in one pass with a strict tokenizer
// (see xmltok: malformed, cut or entity-declaring XML is refused, naming
// the line), decoding each element as it arrives. Every open port
// becomes a finding; one the zone does not allow (Context.HostPorts for
// its address, else Context.AllowedPorts) is high severity and counted in
// unexpected_open_ports. A scan without <runstats><finished> did not
// finish and is refused.
func ParseStream(ctx context.Context, r io.Reader, c report.Context) (*report.Result, error) {
	allowed, err := ParsePorts(c.AllowedPorts)
	if err != nil {
		return nil, err
	}
	perHost := map[string][]PortRange{}
	for h, specs := range c.HostPorts {
		if perHost[h], err = ParsePorts(specs); err != nil {
			return nil, err
		}
	}
	s := &scan{d: xmltok.NewDecoder(r), allowed: allowed, perHost: perHost, res: report.New(Format, "nmap"),
		strs: map[string]string{}, services: map[port]string{}}
	s.d.MaxDepth = report.MaxXMLDepth
	for _, m := range []string{"open_ports", "unexpected_open_ports"} {
		s.res.Metrics[m] = 0
	}
	for {
		tok, err := s.d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, xmlError(err)
		}
		if s.done || s.derr != nil {
			continue
		}
		switch tok.Kind {
		case xmltok.StartElement:
			s.open = append(s.open, elems[string(xmltok.Local(tok.Name))])
			s.startElement(tok)
		case xmltok.EndElement:
			if err := s.endElement(ctx); err != nil {
				return nil, err
			}
		}
	}
	if root := s.d.Root(); root != "nmaprun" {
		return nil, evident.Errorf(evident.EINVALID, "file is not nmap XML: root element is <%s>, want <nmaprun>", root)
	}
	if s.derr != nil {
		return nil, evident.Errorf(evident.EINVALID, "nmap XML: %v", s.derr)
	}
	if s.finished.exit == "" {
		// nmap writes <runstats> last; without it the scan was cut short and
		// its silence about ports proves nothing.
		return nil, report.Truncated("nmap XML has no <runstats><finished>: the scan did not finish or the file was cut")
	}
	res := s.res
	res.ToolVersion = s.version
	if s.start > 0 {
		res.Time = time.Unix(s.start, 0).UTC()
	}
	res.Summary["args"] = s.args
	res.Summary["exit"] = s.finished.exit
	res.Metrics["hosts_up"] = float64(s.hostsUp)
	res.Metrics["hosts_down"] = float64(s.hostsDown)
	res.Target = strings.Join(s.targets, " ")
	s.collect()
	s.checked()
	res.Sort()
	return res, nil
}

// xmlError words the tokenizer's refusal as the importers word XML errors:
// a file cut short is "truncated:", anything else is malformed at a line.
func xmlError(err error) error {
	var se *xmltok.SyntaxError
	if !errors.As(err, &se) {
		return fmt.Errorf("read nmap XML: %w", err)
	}
	switch se.Kind {
	case xmltok.NoRoot:
		return evident.Errorf(evident.EINVALID, "file is not %s XML: no root element", Format)
	case xmltok.Unclosed:
		return report.Truncated("%s XML ends with %d elements not closed (no closing </%s>)", Format, se.Depth, se.Root)
	case xmltok.Truncated:
		return report.Truncated("%s XML ends inside an element at line %d", Format, se.Line)
	}
	return evident.ErrorAt(evident.EINVALID, fmt.Sprintf("line %d column %d", se.Line, se.Column), "%s XML is malformed: %s", Format, se.Msg)
}

// at reports whether the element just opened or about to close sits at
// path below the root.
func (s *scan) at(path ...elem) bool {
	if len(s.open) != len(path)+1 {
		return false
	}
	for i, p := range path {
		if s.open[i+1] != p {
			return false
		}
	}
	return true
}

// startElement takes what the element's attributes say, attribute by
// attribute in the order written, as Unmarshal sets struct fields.
func (s *scan) startElement(t *xmltok.Token) {
	if len(s.open) == 1 && s.open[0] != eNmaprun {
		s.done = true // not nmap XML: said once the checks pass
		return
	}
	attrs := func(set func(name string, value []byte) error) {
		for _, a := range t.Attr {
			if err := set(string(xmltok.Local(a.Name)), a.Value); err != nil {
				s.derr = err
				return
			}
		}
	}
	switch {
	case len(s.open) == 1:
		attrs(func(n string, v []byte) error {
			switch n {
			case "args":
				s.args = string(v)
			case "version":
				s.version = string(v)
			case "start":
				return setInt(&s.start, v)
			}
			return nil
		})
	case s.at(eScaninfo):
		var num int64
		attrs(func(n string, v []byte) error {
			if n == "numservices" {
				return setInt(&num, v)
			}
			return nil
		})
		s.ports += int(num)
	case s.at(eRunstats, eFinished):
		attrs(func(n string, v []byte) error {
			switch n {
			case "exit":
				s.finished.exit = string(v)
			case "summary":
				s.finished.summary = string(v)
			case "errormsg":
				s.finished.errormsg = string(v)
			}
			return nil
		})
	case s.at(eRunstats, eHosts):
		var up, down, total int64 = int64(s.hostsUp), int64(s.hostsDown), 0
		attrs(func(n string, v []byte) error {
			switch n {
			case "up":
				return setInt(&up, v)
			case "down":
				return setInt(&down, v)
			case "total":
				return setInt(&total, v)
			}
			return nil
		})
		s.hostsUp, s.hostsDown = int(up), int(down)
	case s.at(eHost):
		s.h.reset()
	case s.at(eHost, eStatus):
		attrs(func(n string, v []byte) error {
			if n == "state" {
				s.h.state = s.intern(v)
			}
			return nil
		})
	case s.at(eHost, eAddress):
		var a address
		attrs(func(n string, v []byte) error {
			switch n {
			case "addr":
				a.addr = string(v)
			case "addrtype":
				a.typ = s.intern(v)
			}
			return nil
		})
		s.h.addresses = append(s.h.addresses, a)
	case s.at(eHost, eHostnames, eHostname):
		var name string
		attrs(func(n string, v []byte) error {
			if n == "name" {
				name = string(v)
			}
			return nil
		})
		s.h.hostnames = append(s.h.hostnames, name)
	case s.at(eHost, ePorts, ePort):
		var p port
		var id int64
		attrs(func(n string, v []byte) error {
			switch n {
			case "protocol":
				p.protocol = s.intern(v)
			case "portid":
				return setInt(&id, v)
			}
			return nil
		})
		p.id = int(id)
		s.h.ports = append(s.h.ports, p)
	case s.at(eHost, ePorts, ePort, eState):
		p := &s.h.ports[len(s.h.ports)-1]
		attrs(func(n string, v []byte) error {
			if n == "state" {
				p.state = s.intern(v)
			}
			return nil
		})
	case s.at(eHost, ePorts, ePort, eService):
		p := &s.h.ports[len(s.h.ports)-1]
		attrs(func(n string, v []byte) error {
			switch n {
			case "name":
				p.name = s.intern(v)
			case "product":
				p.product = s.intern(v)
			case "version":
				p.version = s.intern(v)
			case "tunnel":
				p.tunnel = s.intern(v)
			}
			return nil
		})
	}
}

// setInt reads an integer attribute as Unmarshal does: empty is 0, space
// around the digits is allowed, and the error is strconv's.
func setInt(dst *int64, v []byte) error {
	if len(v) == 0 {
		*dst = 0
		return nil
	}
	// The digits alone, as nmap writes them, need no string.
	var n int64
	digits := len(v) <= 18
	for _, c := range v {
		if c < '0' || c > '9' {
			digits = false
			break
		}
		n = n*10 + int64(c-'0')
	}
	if digits {
		*dst = n
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(v)), 10, 64)
	if err != nil {
		return err
	}
	*dst = n
	return nil
}

// endElement judges a host once its element closes. The tokenizer has
// matched the end tag with its start.
func (s *scan) endElement(ctx context.Context) error {
	if s.at(eHost) {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.judge(s.h)
		s.h.reset()
	}
	s.open = s.open[:len(s.open)-1]
	if len(s.open) == 0 {
		s.done = true
	}
	return nil
}

// judge adds a host's open ports as findings, by its address.
func (s *scan) judge(h host) {
	addr := h.address()
	s.targets = append(s.targets, addr)
	if h.state == "up" {
		s.up++
		s.res.Checked = append(s.res.Checked, h.names()...)
	}
	for _, p := range h.ports {
		if p.state != "open" {
			continue
		}
		ok, found := s.perHost[addr]
		if !found {
			ok = s.allowed
		}
		s.add(portFinding(addr, p.protocol, p.id, s.service(p), ok))
	}
}

// add counts a finding in its metrics, as report.Result.Add does, and
// keeps it in the current block.
func (s *scan) add(f report.Finding) {
	for _, m := range f.Metrics {
		s.res.Metrics[m]++
	}
	if n := len(s.blocks); n == 0 || len(s.blocks[n-1]) == cap(s.blocks[n-1]) {
		s.blocks = append(s.blocks, make([]report.Finding, 0, 1024))
	}
	s.blocks[len(s.blocks)-1] = append(s.blocks[len(s.blocks)-1], f)
}

// collect appends the findings of every block to the result's.
func (s *scan) collect() {
	if len(s.blocks) > 0 {
		s.res.Findings = slices.Concat(append([][]report.Finding{s.res.Findings}, s.blocks...)...)
	}
	s.blocks = nil
}

// checked sets how many hosts the scan checked: hosts that were up, when
// the scan probed ports and ended normally. A scan that found no host up,
// probed no port or ended in an error checked nothing, and its silence
// about open ports proves nothing.
func (s *scan) checked() {
	res, f := s.res, s.finished
	switch {
	case f.exit != "success":
		res.Checked = nil
		res.NothingChecked(fmt.Sprintf("nmap ended with exit=%q: %s", f.exit, f.errormsg))
	case s.up == 0:
		res.NothingChecked(fmt.Sprintf("nmap found no host up (%s)", f.summary))
	case s.ports == 0:
		res.Checked = nil
		res.NothingChecked("nmap probed no port (a host discovery scan such as -sn)")
	default:
		res.Metrics[report.Checked] = float64(s.up)
	}
}

// The metrics a finding counts in; shared, as findings never change them.
var (
	openMetrics       = []string{"open_ports"}
	unexpectedMetrics = []string{"open_ports", "unexpected_open_ports"}
)

func portFinding(addr, proto string, port int, svc string, allowed []PortRange) report.Finding {
	// The port number is formatted on the stack and each string made in
	// one concatenation: a scan has tens of thousands of open ports.
	var nb [20]byte
	n := strconv.AppendInt(nb[:0], int64(port), 10)
	f := report.Finding{Key: addr + " " + proto + "/" + string(n), Target: addr, Detail: svc}
	if Allows(allowed, proto, port) {
		f.Severity, f.Rule, f.Metrics = "info", "open_port", openMetrics[:1:1]
		f.Title = "open port " + proto + "/" + string(n)
		return f
	}
	f.Severity, f.Rule, f.Metrics = "high", "unexpected_open_port", unexpectedMetrics[:2:2]
	f.Title = "port " + proto + "/" + string(n) + " is open on " + addr + " but the zone does not allow it"
	return f
}

func service(name, product, version, tunnel string) string {
	s := strings.TrimSpace(name + " " + product + " " + version)
	if tunnel != "" {
		s = tunnel + "/" + s
	}
	return s
}

// names are the address and names of a host, any of which a system's
// hosts may list.
func (h host) names() []string {
	var out []string
	for _, a := range h.addresses {
		if a.typ != "mac" {
			out = append(out, a.addr)
		}
	}
	out = append(out, h.hostnames...)
	return out
}

// address prefers the IP address, so keys do not change when reverse DNS does.
func (h host) address() string {
	for _, a := range h.addresses {
		if a.typ == "ipv4" || a.typ == "ipv6" {
			return a.addr
		}
	}
	if len(h.addresses) > 0 {
		return h.addresses[0].addr
	}
	if len(h.hostnames) > 0 {
		return h.hostnames[0]
	}
	return "unknown"
}

// PortRange is an allowed service: a protocol and an inclusive port range.
type PortRange struct {
	Proto    string
	From, To int
}

// ParsePorts reads allowed services written "tcp/443", "udp/123" or
// "tcp/8000-8080". A bare number means TCP, as it does in nmap's -p.
func ParsePorts(specs []string) ([]PortRange, error) {
	var out []PortRange
	for i, s := range specs {
		proto, ports, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "/")
		if !ok {
			proto, ports = "tcp", proto
		}
		from, to, isRange := strings.Cut(ports, "-")
		if !isRange {
			to = from
		}
		a, err1 := strconv.Atoi(from)
		b, err2 := strconv.Atoi(to)
		valid := proto == "tcp" || proto == "udp" || proto == "sctp"
		if err1 != nil || err2 != nil || !valid || a < 0 || b > 65535 || a > b {
			return nil, evident.ErrorAt(evident.EINVALID, fmt.Sprintf("allowed_ports[%d]", i), "%q is not a port such as \"tcp/443\" or \"udp/1000-2000\"", s)
		}
		out = append(out, PortRange{proto, a, b})
	}
	return out, nil
}

// Allows reports whether the port is in one of the ranges.
func Allows(ranges []PortRange, proto string, port int) bool {
	for _, r := range ranges {
		if r.Proto == proto && port >= r.From && port <= r.To {
			return true
		}
	}
	return false
}
