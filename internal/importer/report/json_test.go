package report

import (
	"encoding/json"
	"testing"
)

// jsonCases are findings whose strings need every escape encoding/json
// writes: quotes, control characters, HTML, invalid UTF-8 and the two
// line separators JavaScript chokes on.
var jsonCases = []Finding{
	{Key: "10.0.0.1 tcp/23", Target: "10.0.0.1", Severity: "high", Rule: "unexpected_open_port",
		Title: "port tcp/23 is open on 10.0.0.1 but the zone does not allow it", Detail: "telnet", Metrics: []string{"open_ports", "unexpected_open_ports"}},
	{Key: "k", Severity: "info"},
	{Key: "", Severity: "", Metrics: []string{}},
	{Key: "q\"uote\\back/slash", Title: "<script>&amp;</script>", Detail: "\x00\x01\b\f\n\r\t\x1f\x7f"},
	{Key: "bad \xff\xfe utf-8 \xe2\x82", Rule: "line\u2028para\u2029", Target: "héllo wörld ✓ 𝄞"},
	{Key: "m", Metrics: []string{"", "a\"b"}},
	// Bytes to escape at and past the eighth, where appendString's
	// eight-at-a-time skip hands over to the byte-by-byte tests.
	{Key: "01234567\"9abcdef0\\", Target: "0123456<89abcdef>", Rule: "01234567&", Title: "0123456789abcdef\x1f0123456789\x7f0123456\x80",
		Detail: "port tcp/23 is open on 10.0.0.1 but\u2028the zone does not\xffallow it"},
}

// AppendJSON writes what json.Marshal writes.
func TestAppendJSONIsMarshal(t *testing.T) {
	for _, f := range jsonCases {
		checkAppendJSON(t, f)
	}
}

func checkAppendJSON(t *testing.T, f Finding) {
	t.Helper()
	want, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.AppendJSON([]byte("x")); string(got[1:]) != string(want) || got[0] != 'x' {
		t.Errorf("AppendJSON(%#v)\n got %s\nwant x%s", f, got, want)
	}
}

func FuzzAppendJSON(f *testing.F) {
	for _, c := range jsonCases {
		f.Add(c.Key, c.Target, c.Severity, c.Rule, c.Title, c.Detail, "open_ports")
	}
	f.Fuzz(func(t *testing.T, key, target, sev, rule, title, detail, metric string) {
		fd := Finding{Key: key, Target: target, Severity: sev, Rule: rule, Title: title, Detail: detail}
		if metric != "" {
			fd.Metrics = []string{metric, metric}
		}
		checkAppendJSON(t, fd)
	})
}
