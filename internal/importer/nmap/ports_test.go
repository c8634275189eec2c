package nmap

import "testing"

func TestAllowedPorts(t *testing.T) {
	ranges, err := ParsePorts([]string{"tcp/443", "UDP/123", "tcp/8000-8010", "22"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		proto string
		port  int
		want  bool
	}{
		{"tcp", 443, true},
		{"udp", 443, false},
		{"udp", 123, true},
		{"tcp", 8005, true},
		{"tcp", 8011, false},
		{"tcp", 22, true},
		{"tcp", 23, false},
	}
	for _, tt := range tests {
		if got := Allows(ranges, tt.proto, tt.port); got != tt.want {
			t.Errorf("Allows(%s/%d) = %v, want %v", tt.proto, tt.port, got, tt.want)
		}
	}
	for _, bad := range []string{"tcp/", "tcp/99999", "icmp/1", "tcp/20-10", "https"} {
		if _, err := ParsePorts([]string{bad}); err == nil {
			t.Errorf("ParsePorts(%q) succeeded, want error", bad)
		}
	}
}
