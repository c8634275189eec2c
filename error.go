package evident

import (
	"errors"
	"fmt"
)

// Error codes. The set is append-only: the HTTP status and the exit code of
// each are fixed in one table each (internal/api and cmd/evident), and API
// clients match on the code, so a code is never renamed or reused.
const (
	EINVALID      = "invalid"      // bad input: exit 2, HTTP 400/422
	ENOTFOUND     = "not_found"    // unknown id: exit 2, HTTP 404
	ECONFLICT     = "conflict"     // state does not allow it: exit 2, HTTP 409
	EUNAUTHORIZED = "unauthorized" // no or bad credentials: HTTP 401
	EFORBIDDEN    = "forbidden"    // credentials lack the role: HTTP 403
	EFAILED       = "check_failed" // a verification or gate failed: exit 1
	EINTERNAL     = "internal"     // a bug or an infrastructure failure: exit 1, HTTP 500
	EREFUSED      = "refused"      // well-formed input the program refuses (an unknown name, a file only an importer may judge): exit 2, HTTP 422
)

// Error is an application error with a stable code and a message meant for
// the user. Where names the file, line, field or object the error is about,
// so the message can say exactly what to fix.
type Error struct {
	Code    string
	Where   string // optional: "examples/qtsp/risks.yaml:12 risks[3].likelihood"
	Message string
	Err     error // optional underlying cause
}

// Error implements the error interface as "where: message: cause".
func (e *Error) Error() string {
	s := e.Message
	if e.Where != "" {
		s = e.Where + ": " + s
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorAt returns an *Error located at where (a file, line or field).
func ErrorAt(code, where, format string, args ...any) *Error {
	return &Error{Code: code, Where: where, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil. Unknown failures are internal
// on purpose: only errors we raised deliberately blame the user's input.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing text of err. Internal errors keep
// their detail for the operator's terminal; the HTTP layer hides them.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
