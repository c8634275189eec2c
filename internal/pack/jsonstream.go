package pack

import (
	"bufio"
	"bytes"
	"encoding"
	"encoding/json"
	"io"
	"reflect"
	"strings"
)

// writeJSON writes v exactly as a json.Encoder with SetIndent("", "  ")
// would, but a field or an element at a time: the encoder builds the
// whole document twice in memory (once encoded, once indented), which for
// an index or a manifest of a hundred thousand items is most of an
// export's memory. Values with their own encoding (json.Marshaler,
// encoding.TextMarshaler, maps, scalars) are encoded whole.
func writeJSON(w io.Writer, v any) error {
	return writeJSONWith(w, v, nil)
}

// fieldWriter writes the value of one top-level field itself, at the
// given indentation (the text that starts each of its lines).
type fieldWriter func(w *bufio.Writer, indent string) error

// writeJSONWith is writeJSON with some top-level fields (by JSON name)
// written by their own function instead: the manifest's items come from a
// file, never from memory.
func writeJSONWith(w io.Writer, v any, fields map[string]fieldWriter) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	s := &jsonStream{w: bw, fields: fields}
	if err := s.value(reflect.ValueOf(v), ""); err != nil {
		return err
	}
	bw.WriteByte('\n')
	return bw.Flush()
}

// writeJSONHook is writeJSON with some fields, at any depth, written by
// their own function instead: hook is asked for each field of each object
// (its value and JSON name) and returns nil to leave it to the stream. The
// index's evidence is read from a file, never held.
func writeJSONHook(w io.Writer, v any, hook func(parent reflect.Value, name string) fieldWriter) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	s := &jsonStream{w: bw, hook: hook}
	if err := s.value(reflect.ValueOf(v), ""); err != nil {
		return err
	}
	bw.WriteByte('\n')
	return bw.Flush()
}

// writeArray writes, at the given indentation, a JSON array of the
// elements each passes to elem, as writeJSON writes a non-nil slice.
func writeArray(w *bufio.Writer, indent string, each func(elem func(any) error) error) error {
	s := &jsonStream{w: w}
	inner := indent + "  "
	n := 0
	err := each(func(v any) error {
		openElem(w, &n, inner)
		return s.value(reflect.ValueOf(v), inner)
	})
	if err != nil {
		return err
	}
	if n == 0 {
		_, err = w.WriteString("[]")
		return err
	}
	_, err = w.WriteString("\n" + indent + "]")
	return err
}

type jsonStream struct {
	w      *bufio.Writer
	fields map[string]fieldWriter // top level only
	hook   func(parent reflect.Value, name string) fieldWriter
	buf    bytes.Buffer
	keys   map[string][]byte // field names as JSON, encoded once
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// whole reports whether values of t are encoded in one piece.
func whole(t reflect.Type) bool {
	if t.Implements(jsonMarshaler) || t.Implements(textMarshaler) ||
		reflect.PointerTo(t).Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(textMarshaler) {
		return true
	}
	switch t.Kind() {
	case reflect.Struct:
		// Embedded fields follow Go's promotion rules, and the ",string"
		// option rewrites values: both are left to encoding/json.
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous || strings.Contains(f.Tag.Get("json"), ",string") {
				return true
			}
		}
		return false
	case reflect.Slice:
		return t.Elem().Kind() == reflect.Uint8
	case reflect.Pointer, reflect.Interface, reflect.Array:
		return false
	}
	return true
}

// value writes v; indent is the text that starts each of its lines after
// the first.
func (s *jsonStream) value(v reflect.Value, indent string) error {
	if !v.IsValid() {
		_, err := s.w.WriteString("null")
		return err
	}
	t := v.Type()
	if whole(t) {
		return s.leaf(v, indent)
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			_, err := s.w.WriteString("null")
			return err
		}
		return s.value(v.Elem(), indent)
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && v.IsNil() {
			_, err := s.w.WriteString("null")
			return err
		}
		if v.Len() == 0 {
			_, err := s.w.WriteString("[]")
			return err
		}
		inner := indent + "  "
		s.w.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				s.w.WriteByte(',')
			}
			s.w.WriteString("\n" + inner)
			if err := s.value(v.Index(i), inner); err != nil {
				return err
			}
		}
		_, err := s.w.WriteString("\n" + indent + "]")
		return err
	}
	return s.object(v, indent)
}

// object writes a struct field by field, with encoding/json's names and
// its omitempty and omitzero rules.
func (s *jsonStream) object(v reflect.Value, indent string) error {
	t := v.Type()
	top := s.fields
	s.fields = nil // only the top level's fields are replaced
	inner := indent + "  "
	n := 0
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		fv := v.Field(i)
		if hasOpt(opts, "omitempty") && emptyValue(fv) {
			continue
		}
		if hasOpt(opts, "omitzero") && zeroValue(fv) {
			continue
		}
		if n == 0 {
			s.w.WriteByte('{')
		} else {
			s.w.WriteByte(',')
		}
		n++
		key, ok := s.keys[name]
		if !ok {
			var err error
			if key, err = json.Marshal(name); err != nil {
				return err
			}
			if s.keys == nil {
				s.keys = map[string][]byte{}
			}
			s.keys[name] = key
		}
		s.w.WriteByte('\n')
		s.w.WriteString(inner)
		s.w.Write(key)
		s.w.WriteString(": ")
		fw := top[name]
		if fw == nil && s.hook != nil {
			fw = s.hook(v, name)
		}
		var err error
		if fw != nil {
			err = fw(s.w, inner)
		} else {
			err = s.value(fv, inner)
		}
		if err != nil {
			return err
		}
	}
	if n == 0 {
		_, err := s.w.WriteString("{}")
		return err
	}
	_, err := s.w.WriteString("\n" + indent + "}")
	return err
}

// leaf encodes v whole and indents it to its place.
func (s *jsonStream) leaf(v reflect.Value, indent string) error {
	x := v.Interface()
	if v.CanAddr() {
		x = v.Addr().Interface() // pointer-receiver methods, as encoding/json uses them
	}
	b, err := json.Marshal(x)
	if err != nil {
		return err
	}
	if len(b) > 0 && b[0] != '{' && b[0] != '[' {
		// A string, number, boolean or null: indenting leaves it as it is.
		_, err = s.w.Write(b)
		return err
	}
	return writeIndented(s.w, &s.buf, b, indent)
}

// writeIndented writes compact JSON b indented as json.MarshalIndent with
// prefix indent and "  " would.
func writeIndented(w *bufio.Writer, buf *bytes.Buffer, b []byte, indent string) error {
	buf.Reset()
	if err := json.Indent(buf, b, indent, "  "); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func hasOpt(opts, name string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == name {
			return true
		}
	}
	return false
}

// emptyValue is encoding/json's omitempty test.
func emptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// zeroValue is encoding/json's omitzero test: an IsZero method if the
// type has one, else the zero value.
func zeroValue(v reflect.Value) bool {
	if z, ok := v.Interface().(interface{ IsZero() bool }); ok {
		if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
			return true
		}
		return z.IsZero()
	}
	return v.IsZero()
}

// openElem writes what comes before an element of an indented JSON array
// whose n elements so far are written: the bracket or a comma, then the
// line break and the element's indent. It counts the element.
func openElem(w *bufio.Writer, n *int, inner string) {
	if *n == 0 {
		w.WriteByte('[')
	} else {
		w.WriteByte(',')
	}
	*n++
	w.WriteString("\n" + inner)
}
