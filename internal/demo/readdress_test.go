package demo

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/evidenthq/evident/internal/importer"
)

// Every output of a format that names its hosts, re-addressed to a
// machine, is parsed as having checked that machine's address and names,
// and no longer the loopback address it was recorded on.
func TestReaddressedOutputsNameTheHostChecked(t *testing.T) {
	ms := machines([]string{"203.0.113.10", "203.0.113.11", "ocsp.example-trust.eu"})
	if len(ms) != 2 || !slices.Equal(ms[0].hosts(), []string{"203.0.113.10", "ocsp.example-trust.eu"}) || !slices.Equal(ms[1].hosts(), []string{"203.0.113.11"}) {
		t.Fatalf("machines %+v, want the name beside the first address", ms)
	}
	for format, names := range toolOutputs {
		if !importer.NamesHosts(format) {
			continue
		}
		for _, name := range names {
			data, err := outputs.ReadFile("outputs/" + name)
			if err != nil {
				t.Fatal(err)
			}
			want := ms[:1]
			if format == "nmap" {
				want = ms
			}
			res, err := importer.Parse(context.Background(), format, bytes.NewReader(readdress(format, data, want)), importer.Context{})
			if err != nil {
				t.Fatalf("%s re-addressed: %v", name, err)
			}
			for _, m := range want {
				for _, h := range m.hosts() {
					if !slices.Contains(res.Checked, h) {
						t.Errorf("%s re-addressed to %v: checked %v, want %s among them", name, m.hosts(), res.Checked, h)
					}
				}
			}
			if slices.Contains(res.Checked, loopback) || (format == "nmap" && res.Metrics["checked"] != float64(len(ms))) {
				t.Errorf("%s re-addressed: checked %v (%v hosts), want the machines only", name, res.Checked, res.Metrics["checked"])
			}
		}
	}
}
