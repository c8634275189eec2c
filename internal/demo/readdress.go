package demo

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
)

// The embedded outputs were recorded on loopback (127.0.0.1, a VM called
// "vm"). The demo simulates a year of collectors checking the example
// program's hosts, so before each import it re-addresses the recorded
// output to the host the run checked: the bytes are real tool output with
// the address changed, nothing else. Outputs that name no host (chrony,
// time-stamp responses, zlint, SARIF, Trivy) are left as they are; their
// import's target names the host or system instead, as an operator's
// collector would.

// loopback is the address every embedded output was recorded against.
const loopback = "127.0.0.1"

// machine is one host as the demo checks it: its address and the names
// the program lists for the same machine (either may be empty).
type machine struct {
	addr  string
	names []string
}

// label is how the machine calls itself: its first name, else its address.
func (m machine) label() string {
	if len(m.names) > 0 {
		return m.names[0]
	}
	return m.addr
}

// hosts lists everything the program may call the machine.
func (m machine) hosts() []string {
	var out []string
	if m.addr != "" {
		out = append(out, m.addr)
	}
	return append(out, m.names...)
}

// machines groups a system's hosts into machines: each address is one,
// and the names the program lists are spread over them in order (the
// example lists a service name beside each DMZ address); names of a system
// without addresses are machines of their own.
func machines(hosts []string) []machine {
	var out []machine
	var names []string
	for _, h := range hosts {
		if _, err := netip.ParseAddr(h); err == nil {
			out = append(out, machine{addr: h})
		} else {
			names = append(names, h)
		}
	}
	if len(out) == 0 {
		for _, n := range names {
			out = append(out, machine{names: []string{n}})
		}
		return out
	}
	for i, n := range names {
		out[i%len(out)].names = append(out[i%len(out)].names, n)
	}
	return out
}

// readdress rewrites a recorded output of format to speak of ms: nmap
// gets one <host> block per machine, the single-host formats (Lynis,
// OpenSCAP, testssl) the one machine ms holds. Other formats are returned
// unchanged.
func readdress(format string, data []byte, ms []machine) []byte {
	if len(ms) == 0 {
		return data
	}
	m := ms[0]
	addr := m.addr
	if addr == "" {
		addr = m.label()
	}
	switch format {
	case "nmap":
		return readdressNmap(data, ms)
	case "lynis":
		out := bytes.Replace(data, []byte("\nhostname=vm\n"), []byte("\nhostname="+m.label()+"\n"), 1)
		if m.addr != "" && len(m.names) > 0 {
			out = append(out, "network_ipv4_address[]="+m.addr+"\n"...)
		}
		return out
	case "openscap":
		out := bytes.ReplaceAll(data, []byte("<target>vm</target>"), []byte("<target>"+m.label()+"</target>"))
		return bytes.ReplaceAll(out, []byte(loopback), []byte(addr))
	case "testssl":
		out := bytes.ReplaceAll(data, []byte(loopback+"/"+loopback), []byte(m.label()+"/"+addr))
		out = bytes.ReplaceAll(out, []byte(`"targetHost"      : "`+loopback+`"`), []byte(`"targetHost"      : "`+m.label()+`"`))
		return bytes.ReplaceAll(out, []byte(loopback), []byte(addr))
	}
	return data
}

// readdressNmap repeats the recorded <host> block once per machine, with
// the machine's address and names, and counts them in the run statistics.
func readdressNmap(data []byte, ms []machine) []byte {
	s := string(data)
	start, end := strings.Index(s, "<host "), strings.Index(s, "</host>")
	if start < 0 || end < start {
		return data
	}
	end += len("</host>\n")
	head, block, tail := s[:start], s[start:end], s[end:]
	var targets []string
	var b strings.Builder
	for i, m := range ms {
		addr := m.addr
		if addr == "" {
			addr = fmt.Sprintf("192.0.2.%d", i+1) // TEST-NET-1: a name the program lists without an address
		}
		targets = append(targets, m.label())
		var names strings.Builder
		for _, n := range m.names {
			fmt.Fprintf(&names, "<hostname name=%q type=\"user\"/>\n", n)
		}
		h := strings.Replace(block, `<hostname name="localhost" type="PTR"/>`+"\n", names.String(), 1)
		b.WriteString(strings.ReplaceAll(h, loopback, addr))
	}
	n := len(ms)
	head = strings.ReplaceAll(head, loopback, strings.Join(targets, " "))
	tail = strings.Replace(tail, `<hosts up="1" down="0" total="1"/>`, fmt.Sprintf(`<hosts up="%d" down="0" total="%d"/>`, n, n), 1)
	tail = strings.Replace(tail, "1 IP address (1 host up)", fmt.Sprintf("%d IP addresses (%d hosts up)", n, n), 1)
	return []byte(head + b.String() + tail)
}
