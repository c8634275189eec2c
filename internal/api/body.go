package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/evidenthq/evident"
)

// MaxJSONBody bounds a JSON request body. The largest are program
// objects and incident reports: kilobytes.
const MaxJSONBody = 1 << 20

// decodeJSON reads a JSON request body into v. The body is checked
// before it is decoded, because encoding/json is lenient where a request
// must not be: it keeps the last of two equal keys (so a reviewer and the
// server can read different values), ignores nothing after the first
// value, and accepts NUL and control characters in strings, which
// PostgreSQL refuses and a terminal obeys. Unknown fields are refused so
// a misspelt field is an error rather than silently ignored; a body over
// MaxJSONBody is 413.
func decodeJSON(r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxJSONBody))
	if err != nil {
		return bodyError(err, MaxJSONBody)
	}
	if err := checkJSON(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return evident.ErrorAt(evident.EINVALID, "body", "request body: %v", err)
	}
	return nil
}

// bodyError names a request body that could not be read: 413 when it was
// over limit, 400 otherwise.
func bodyError(err error, limit int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		e := evident.ErrorAt(evident.EINVALID, "body", "request body is larger than %d bytes", limit)
		e.Err = tooBig
		return e
	}
	return evident.ErrorAt(evident.EINVALID, "body", "request body: %v", err)
}

// checkJSON walks a JSON document's tokens and refuses, naming the field
// by its path: syntax errors, duplicate keys, data after the value, and
// NUL or control characters (other than tab and line breaks) in any
// string, key or value.
func checkJSON(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := walkJSON(dec, "body"); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return evident.ErrorAt(evident.EINVALID, "body", "request body holds data after its JSON value")
	}
	return nil
}

// walkJSON checks the value starting at dec's next token.
func walkJSON(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return evident.ErrorAt(evident.EINVALID, path, "request body: %v", syntaxError(err))
	}
	switch t := tok.(type) {
	case string:
		return evident.CheckText(path, t)
	case json.Delim:
		switch t {
		case '{':
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return evident.ErrorAt(evident.EINVALID, path, "request body: %v", syntaxError(err))
				}
				key, _ := kt.(string)
				field := path + "." + key
				if err := evident.CheckName(path+" key", key); err != nil {
					return err
				}
				if seen[key] {
					return evident.ErrorAt(evident.EINVALID, field, "appears twice in the object")
				}
				seen[key] = true
				if err := walkJSON(dec, field); err != nil {
					return err
				}
			}
		case '[':
			for i := 0; dec.More(); i++ {
				if err := walkJSON(dec, path+"["+strconv.Itoa(i)+"]"); err != nil {
					return err
				}
			}
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return evident.ErrorAt(evident.EINVALID, path, "request body: %v", syntaxError(err))
		}
	}
	return nil
}

// syntaxError says where a syntax error is, as an offset into the body.
func syntaxError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%v at byte %d", se, se.Offset)
	}
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// UploadPart wraps one uploaded file's reader so that a read failing
// half-way (a client that stops sending, a body over limit) is the
// client's error, 400 or 413 naming field, rather than an internal one.
func UploadPart(r io.Reader, field string, limit int64) io.ReadCloser {
	return io.NopCloser(&uploadPart{r: r, field: field, limit: limit})
}

type uploadPart struct {
	r     io.Reader
	field string
	limit int64
}

func (u *uploadPart) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	if err != nil && err != io.EOF {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			e := evident.ErrorAt(evident.EINVALID, u.field, "the upload is larger than %d bytes", u.limit)
			e.Err = tooBig
			return n, e
		}
		return n, evident.ErrorAt(evident.EINVALID, u.field, "reading the upload: %v", err)
	}
	return n, err
}
