package chrony

import (
	"context"
	"testing"

	"github.com/evidenthq/evident/internal/importer/report"
)

// A clock 150 ms slow is as wrong as one 150 ms fast: offset_ms is the
// magnitude whichever way chrony prints the sign.
func TestOffsetIsAbsolute(t *testing.T) {
	tests := map[string]string{
		"text slow": "Reference ID    : C0A80001 (ntp1)\nStratum         : 2\nRef time (UTC)  : Fri Nov 27 10:05:56 2026\nSystem time     : 0.150000000 seconds slow of NTP time\nLast offset     : -0.000000031 seconds\nRMS offset      : 0.000000690 seconds\nFrequency       : 0.001 ppm slow\nResidual freq   : +0.001 ppm\nSkew            : 0.079 ppm\nRoot delay      : 0.000006356 seconds\nRoot dispersion : 0.000001530 seconds\nUpdate interval : 64.0 seconds\nLeap status     : Normal\n",
		"csv fast":  "C0A80001,ntp1,2,1795773956.112876419,-0.150000000,0.000000031,0.000000690,-0.001,0.001,0.079,0.000006356,0.000001530,64.0,Normal\n",
	}
	for name, in := range tests {
		res, err := Parse(context.Background(), []byte(in), report.Context{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := res.Metrics["offset_ms"]; got < 149.999 || got > 150.001 {
			t.Errorf("%s: offset_ms = %v, want 150", name, got)
		}
		if res.Metrics["synced"] != 1 || res.Metrics["stratum"] != 2 {
			t.Errorf("%s: metrics %v, want synced at stratum 2", name, res.Metrics)
		}
	}
}
