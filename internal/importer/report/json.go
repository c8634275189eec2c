package report

import "unicode/utf8"

// AppendJSON appends f as encoding/json's Marshal writes it, byte for
// byte: the derived blob and the import run store findings in that form,
// and a large scan's findings are written one by one as they are stored
// rather than marshalled whole (TestAppendJSONIsMarshal and FuzzAppendJSON
// hold the two to the same bytes).
func (f *Finding) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"key":`...)
	dst = appendString(dst, f.Key)
	if f.Target != "" {
		dst = append(dst, `,"target":`...)
		dst = appendString(dst, f.Target)
	}
	dst = append(dst, `,"severity":`...)
	dst = appendString(dst, f.Severity)
	for _, kv := range [...]struct{ name, v string }{{`,"rule":`, f.Rule}, {`,"title":`, f.Title}, {`,"detail":`, f.Detail}} {
		if kv.v != "" {
			dst = append(dst, kv.name...)
			dst = appendString(dst, kv.v)
		}
	}
	if len(f.Metrics) > 0 {
		dst = append(dst, `,"metrics":[`...)
		for i, m := range f.Metrics {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, m)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// appendString quotes s as encoding/json does with HTML escaping on:
// control characters, quote, backslash, <, > and & escaped, invalid UTF-8
// replaced by U+FFFD, U+2028 and U+2029 escaped.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight bytes at a time while none needs a look: a large scan's
		// findings are encoded three times (twice in the derived blob,
		// once for the import run), tens of megabytes of mostly plain
		// text, and the byte-by-byte tests were most of that CPU.
		if i = skipVerbatim(s, i); i == len(s) {
			break
		}
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// skipVerbatim returns where, from i on, the first word of eight bytes
// begins that may hold a byte to escape (or where fewer than eight are
// left): a word needs no look when each byte is ASCII from space on and
// none is a quote, a backslash, <, > or &. The tests are the exact
// word-at-a-time ones (Bit Twiddling Hacks' haszero, and hasless, exact
// once no byte has its top bit).
func skipVerbatim(s string, i int) int {
	const ones, tops = 0x0101010101010101, 0x8080808080808080
	zero := func(y uint64) uint64 { return (y - ones) &^ y & tops }
	for ; i+8 <= len(s); i += 8 {
		w := s[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		if x&tops != 0 || (x-0x20*ones)&^x&tops != 0 ||
			zero(x^('"'*ones))|zero(x^('\\'*ones))|zero(x^('<'*ones))|zero(x^('>'*ones))|zero(x^('&'*ones)) != 0 {
			break
		}
	}
	return i
}
