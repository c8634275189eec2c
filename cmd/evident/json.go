package main

import "encoding/json"

// printJSON writes v as indented JSON, the --json form of every command:
// the bytes json.Encoder with SetIndent("", "  ") writes, indented by
// indentJSON instead of the encoder's scanner, which revalidates what
// Marshal has just produced byte by byte and was a fifth of the CPU of
// a five-year `status --json --from` (2 MB of output).
func (a *app) printJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = a.stdout.Write(indentJSON(make([]byte, 0, len(b)*2), b))
	return err
}

// indentJSON appends compact, valid JSON src (as json.Marshal writes it:
// no white space outside strings) to dst as json.Indent(dst, src, "",
// "  ") would, with a final newline as json.Encoder writes. src is
// trusted: it is never anything but Marshal's output, so only strings
// need care, and their escapes are copied as they are.
func indentJSON(dst, src []byte) []byte {
	depth := 0
	newline := func() {
		dst = append(dst, '\n')
		for range depth {
			dst = append(dst, ' ', ' ')
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '"':
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			dst = append(dst, src[i:min(j+1, len(src))]...)
			i = j
		case '{', '[':
			dst = append(dst, c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, src[i+1])
				i++
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '\n')
}
