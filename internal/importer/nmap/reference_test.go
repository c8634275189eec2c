package nmap

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer/report"
)

type refRun struct {
	Scanner string `xml:"scanner,attr"`
	Args    string `xml:"args,attr"`
	Start   int64  `xml:"start,attr"`
	Version string `xml:"version,attr"`
	// ScanInfo is one entry per protocol scanned; a host discovery scan
	// (-sn) has none, and checks no port.
	ScanInfo []struct {
		Type        string `xml:"type,attr"`
		Protocol    string `xml:"protocol,attr"`
		NumServices int    `xml:"numservices,attr"`
	} `xml:"scaninfo"`
	Hosts []refHost `xml:"host"`
	Stats struct {
		Finished struct {
			Exit     string `xml:"exit,attr"`
			Summary  string `xml:"summary,attr"`
			ErrorMsg string `xml:"errormsg,attr"`
		} `xml:"finished"`
		Hosts struct {
			Up    int `xml:"up,attr"`
			Down  int `xml:"down,attr"`
			Total int `xml:"total,attr"`
		} `xml:"hosts"`
	} `xml:"runstats"`
}

type refHost struct {
	Status struct {
		State string `xml:"state,attr"`
	} `xml:"status"`
	Addresses []struct {
		Addr string `xml:"addr,attr"`
		Type string `xml:"addrtype,attr"`
	} `xml:"address"`
	Hostnames []struct {
		Name string `xml:"name,attr"`
	} `xml:"hostnames>hostname"`
	Ports []struct {
		Protocol string `xml:"protocol,attr"`
		ID       int    `xml:"portid,attr"`
		State    struct {
			State string `xml:"state,attr"`
		} `xml:"state"`
		Service struct {
			Name    string `xml:"name,attr"`
			Product string `xml:"product,attr"`
			Version string `xml:"version,attr"`
			Tunnel  string `xml:"tunnel,attr"`
		} `xml:"service"`
	} `xml:"ports>port"`
}

// parseReference is the parser as it was before it read the file in one
// pass: the whole file checked by report.CheckXML, then decoded by
// xml.Unmarshal. ParseStream must agree with it on every input.
//
// It reads nmap XML. Every open port becomes a finding; one the zone
// does not allow (Context.HostPorts for its address, else
// Context.AllowedPorts) is high severity and counted in
// unexpected_open_ports.
func parseReference(ctx context.Context, data []byte, c report.Context) (*report.Result, error) {
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
	root, err := report.CheckXML(Format, data)
	if err != nil {
		return nil, err
	}
	if root != "nmaprun" {
		return nil, evident.Errorf(evident.EINVALID, "file is not nmap XML: root element is <%s>, want <nmaprun>", root)
	}
	var nr refRun
	if err := xml.Unmarshal(data, &nr); err != nil {
		return nil, evident.Errorf(evident.EINVALID, "nmap XML: %v", err)
	}
	if nr.Stats.Finished.Exit == "" {
		// nmap writes <runstats> last; without it the scan was cut short and
		// its silence about ports proves nothing.
		return nil, report.Truncated("nmap XML has no <runstats><finished>: the scan did not finish or the file was cut")
	}
	res := report.New(Format, "nmap")
	res.ToolVersion = nr.Version
	if nr.Start > 0 {
		res.Time = time.Unix(nr.Start, 0).UTC()
	}
	res.Summary["args"] = nr.Args
	res.Summary["exit"] = nr.Stats.Finished.Exit
	for _, m := range []string{"open_ports", "unexpected_open_ports"} {
		res.Metrics[m] = 0
	}
	res.Metrics["hosts_up"] = float64(nr.Stats.Hosts.Up)
	res.Metrics["hosts_down"] = float64(nr.Stats.Hosts.Down)
	var targets []string
	up := 0
	for _, h := range nr.Hosts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		addr := h.address()
		targets = append(targets, addr)
		if h.Status.State == "up" {
			up++
			res.Checked = append(res.Checked, h.names()...)
		}
		for _, p := range h.Ports {
			if p.State.State != "open" {
				continue
			}
			ok, found := perHost[addr]
			if !found {
				ok = allowed
			}
			res.Add(portFinding(addr, p.Protocol, p.ID, service(p.Service.Name, p.Service.Product, p.Service.Version, p.Service.Tunnel), ok))
		}
	}
	res.Target = strings.Join(targets, " ")
	checkedReference(res, nr, up)
	res.Sort()
	return res, nil
}

// checked sets how many hosts the scan checked: hosts that were up, when
// the scan probed ports and ended normally. A scan that found no host up,
// probed no port or ended in an error checked nothing, and its silence
// about open ports proves nothing.
func checkedReference(res *report.Result, nr refRun, up int) {
	ports := 0
	for _, si := range nr.ScanInfo {
		ports += si.NumServices
	}
	f := nr.Stats.Finished
	switch {
	case f.Exit != "success":
		res.Checked = nil
		res.NothingChecked(fmt.Sprintf("nmap ended with exit=%q: %s", f.Exit, f.ErrorMsg))
	case up == 0:
		res.NothingChecked(fmt.Sprintf("nmap found no host up (%s)", f.Summary))
	case ports == 0:
		res.Checked = nil
		res.NothingChecked("nmap probed no port (a host discovery scan such as -sn)")
	default:
		res.Metrics[report.Checked] = float64(up)
	}
}

// names are the address and names of a host, any of which a system's
// hosts may list.
func (h refHost) names() []string {
	var out []string
	for _, a := range h.Addresses {
		if a.Type != "mac" {
			out = append(out, a.Addr)
		}
	}
	for _, n := range h.Hostnames {
		out = append(out, n.Name)
	}
	return out
}

// address prefers the IP address, so keys do not change when reverse DNS does.
func (h refHost) address() string {
	for _, a := range h.Addresses {
		if a.Type == "ipv4" || a.Type == "ipv6" {
			return a.Addr
		}
	}
	if len(h.Addresses) > 0 {
		return h.Addresses[0].Addr
	}
	if len(h.Hostnames) > 0 {
		return h.Hostnames[0].Name
	}
	return "unknown"
}
