package evident

import (
	"strings"
	"testing"
)

func TestTextAndNameChecks(t *testing.T) {
	for _, tc := range []struct {
		s          string
		text, name bool // accepted as text, as a name
	}{
		{"plain", true, true},
		{"two\nlines\tand a tab\r\n", true, false},
		{"nul\x00", false, false},
		{"escape \x1b[2J", false, false},
		{"del \x7f", false, false},
		{"c1 \u009b", false, false},
		{"bad utf-8 \xff", false, false},
		{"ünïcödé ✓", true, true},
	} {
		if got := CheckText("f", tc.s) == nil; got != tc.text {
			t.Errorf("CheckText(%q) accepted %v, want %v", tc.s, got, tc.text)
		}
		err := CheckName("field", tc.s)
		if got := err == nil; got != tc.name {
			t.Errorf("CheckName(%q) accepted %v, want %v", tc.s, got, tc.name)
		}
		if err != nil && (ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), "field")) {
			t.Errorf("CheckName(%q): %v, want EINVALID naming the field", tc.s, err)
		}
	}
}

func TestBaseNameDropsEveryDirectory(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf": "report.pdf", "../../etc/passwd": "passwd", `C:\Users\x\scan.xml`: "scan.xml",
		"dir/": "", "..": "", "a/..": "", "": "",
	} {
		if got := BaseName(in); got != want {
			t.Errorf("BaseName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDisplayEscapesWhatATerminalWouldObey(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":          "report.pdf",
		"a\x1b[2Jb":           `a\x1b[2Jb`,
		"tab\tnew\nline":      `tab\x09new\x0aline`,
		"c1 \u009b31m":        `c1 \u009b31m`,
		"bad \xff":            `bad \xff`,
		`looks\x1bescaped`:    `looks\\x1bescaped`,
		"ünïcödé ✓ and a \\ ": "ünïcödé ✓ and a \\ ",
	} {
		if got := Display(in); got != want {
			t.Errorf("Display(%q) = %q, want %q", in, got, want)
		}
	}
}
