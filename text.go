package evident

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text checks: bad bytes are refused where they enter, naming the field,
// never repaired later. A NUL cannot be stored by PostgreSQL at all, and
// control characters in a name can rewrite a terminal or a log line
// when displayed. Text fields may span lines; names may not.

// CheckText refuses free text (a summary, a description) holding invalid
// UTF-8, NUL or a control character other than tab, newline and carriage
// return.
func CheckText(field, s string) error {
	return checkChars(field, s, func(r rune) bool { return r == '\t' || r == '\n' || r == '\r' })
}

// CheckName refuses a name (an id, a file name, a user name, a single
// line of metadata) holding invalid UTF-8 or any control character.
func CheckName(field, s string) error {
	return checkChars(field, s, func(rune) bool { return false })
}

func checkChars(field, s string, allowed func(rune) bool) error {
	if !utf8.ValidString(s) {
		return ErrorAt(EINVALID, field, "is not valid UTF-8")
	}
	for i, r := range s {
		if unicode.IsControl(r) && !allowed(r) {
			if r == 0 {
				return ErrorAt(EINVALID, field, "holds a NUL byte at offset %d", i)
			}
			return ErrorAt(EINVALID, field, "holds control character %U at offset %d", r, i)
		}
	}
	return nil
}

// BaseName returns the last element of an uploaded file's name, read with
// either slash as a separator, so a stored name never carries a
// directory ("../../etc/passwd", "C:\\Users\\x\\report.pdf"). A name with
// no last element is "".
func BaseName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if name == "." || name == ".." {
		return ""
	}
	return name
}

// Display returns s safe to print on a terminal or in a table: every
// control character (an escape sequence's ESC, a tab or newline that
// would break a column) and every invalid byte is shown as a Go escape,
// \x1b, so stored text is shown as it is, never obeyed and never
// repaired.
func Display(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsControl(r) && r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		case r == '\\' && i+1 < len(s) && (s[i+1] == 'x' || s[i+1] == 'u'):
			// A literal backslash before x or u is doubled, so a
			// name cannot pass for an escaped one.
			b.WriteString(`\\`)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
