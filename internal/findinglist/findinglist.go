// Package findinglist reads a conformity assessment body's list of
// findings, as a CSV file or an XLSX workbook, into findings to record.
//
// CABs send their findings as a spreadsheet; typing each one in again is
// where references get lost. The header contract is fixed so that a
// column the reader does not know is refused rather than silently
// dropped, and a bad cell is reported by row and column so the sender can
// fix the sheet. Parse returns every finding or an error: the caller
// stores all of them in one transaction, or none.
//
// Header contract (first row, case and spaces ignored, "-" and " " read
// as "_"):
//
//	ref                the CAB's number for the finding (required, unique in the file)
//	kind               major, minor or observation (required)
//	requirements       requirement ids or references, separated by ";", "," or spaces
//	                   (required for a nonconformity); a bare id takes the program's version
//	text               the assessor's text (required)
//	root_cause         optional
//	corrective_action  optional
//	due                the corrective action's due date, YYYY-MM-DD or RFC 3339 (optional)
package findinglist

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/xlsx"
)

// Columns lists the header contract's columns in the order documented.
var Columns = []string{"ref", "kind", "requirements", "text", "root_cause", "corrective_action", "due"}

// required are the columns every sheet must have.
var required = []string{"ref", "kind", "requirements", "text"}

// MaxRows bounds a sheet: a CAB's list has tens of findings, and a
// million-row upload is a mistake or an attack.
const MaxRows = 10000

// maxBytes bounds the input read.
const maxBytes = 16 << 20

// Parse reads the list in r, named name in errors, as XLSX when it starts
// like a zip file and as CSV otherwise. std and version qualify bare
// requirement ids. Each finding has Ref, Kind, Requirements, Text and the
// optional fields set; the caller fills in the engagement and who raises it.
func Parse(r io.Reader, name string, std evident.Standard, version string) ([]evident.Finding, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, evident.Errorf(evident.EINVALID, "%s: %v", name, err)
	}
	if len(b) > maxBytes {
		return nil, evident.Errorf(evident.EINVALID, "%s: larger than %d MiB", name, maxBytes>>20)
	}
	var rows [][]string
	if bytes.HasPrefix(b, []byte("PK\x03\x04")) {
		rows, err = xlsxRows(b, name)
	} else {
		rows, err = csvRows(b, name)
	}
	if err != nil {
		return nil, err
	}
	return parseRows(rows, name, std, version)
}

// csvRows reads every record of a CSV file; a UTF-8 byte order mark, as
// spreadsheet programs write, is dropped.
func csvRows(b []byte, name string) ([][]string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1
	var rows [][]string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, evident.Errorf(evident.EINVALID, "%s row %d: %v", name, pe.Line, pe.Err)
			}
			return nil, evident.Errorf(evident.EINVALID, "%s: %v", name, err)
		}
		if len(rows) > MaxRows {
			return nil, evident.Errorf(evident.EINVALID, "%s: more than %d rows", name, MaxRows)
		}
		rows = append(rows, rec)
	}
}

// xlsxRows reads the first sheet of a workbook.
func xlsxRows(b []byte, name string) ([][]string, error) {
	rows, err := xlsx.Read(b, MaxRows+1)
	if errors.Is(err, xlsx.ErrTooManyRows) {
		return nil, evident.Errorf(evident.EINVALID, "%s: more than %d rows", name, MaxRows)
	}
	if err != nil {
		return nil, evident.Errorf(evident.EINVALID, "%s: not a readable XLSX workbook: %v", name, err)
	}
	return rows, nil
}

// header maps a column name as written to the contract's name.
func header(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer("-", "_", " ", "_").Replace(s)
}

// parseRows applies the header contract to rows, the first being the header.
func parseRows(rows [][]string, name string, std evident.Standard, version string) ([]evident.Finding, error) {
	if len(rows) == 0 {
		return nil, evident.Errorf(evident.EINVALID, "%s: empty; the first row names the columns: %s", name, strings.Join(Columns, ", "))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		c := header(h)
		if c == "" {
			continue
		}
		known := false
		for _, k := range Columns {
			known = known || k == c
		}
		if !known {
			return nil, evident.Errorf(evident.EINVALID, "%s row 1, column %s: unknown column %q: want %s", name, xlsx.ColumnName(i), h, strings.Join(Columns, ", "))
		}
		if _, dup := col[c]; dup {
			return nil, evident.Errorf(evident.EINVALID, "%s row 1, column %s: column %q appears twice", name, xlsx.ColumnName(i), c)
		}
		col[c] = i
	}
	for _, c := range required {
		if _, ok := col[c]; !ok {
			return nil, evident.Errorf(evident.EINVALID, "%s row 1: no %q column; the first row names the columns: %s", name, c, strings.Join(Columns, ", "))
		}
	}
	out := []evident.Finding{}
	seen := map[string]int{}
	for n, row := range rows[1:] {
		line := n + 2
		cell := func(c string) string {
			i, ok := col[c]
			if !ok || i >= len(row) {
				return ""
			}
			return strings.TrimSpace(row[i])
		}
		blank := true
		for _, v := range row {
			blank = blank && strings.TrimSpace(v) == ""
		}
		if blank {
			continue
		}
		at := func(c string, err error) error {
			msg := err.Error()
			var e *evident.Error
			if errors.As(err, &e) {
				msg = e.Message
			}
			return evident.Errorf(evident.EINVALID, "%s row %d, column %s (%s): %s", name, line, xlsx.ColumnName(col[c]), c, msg)
		}
		f := evident.Finding{Ref: cell("ref"), Text: cell("text"), RootCause: cell("root_cause"), CorrectiveAction: cell("corrective_action")}
		if f.Ref == "" {
			return nil, at("ref", errors.New("empty: each finding needs the CAB's reference"))
		}
		if first, dup := seen[f.Ref]; dup {
			return nil, at("ref", fmt.Errorf("%q is also on row %d", f.Ref, first))
		}
		seen[f.Ref] = line
		var err error
		if f.Kind, err = evident.ParseFindingKind(cell("kind")); err != nil {
			return nil, at("kind", err)
		}
		for _, id := range strings.FieldsFunc(cell("requirements"), func(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
			ref, err := evident.ParseRequirementRef(id, std, version)
			if err == nil {
				_, _, _, err = ref.ID.Parts()
			}
			if err != nil {
				return nil, at("requirements", err)
			}
			f.Requirements = append(f.Requirements, ref)
		}
		if d := cell("due"); d != "" {
			if f.Due, err = parseDue(d); err != nil {
				return nil, at("due", err)
			}
		}
		if err := f.Validate(); err != nil {
			var e *evident.Error
			field := "text"
			if errors.As(err, &e) && e.Where != "" {
				field = e.Where
			}
			return nil, at(field, err)
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, evident.Errorf(evident.EINVALID, "%s: no findings below the header", name)
	}
	return out, nil
}

// parseDue reads a date as spreadsheets write it: a day, or an instant.
func parseDue(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	t, err := evident.ParseTime(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want a date (2027-03-01) or an RFC 3339 time", s)
	}
	return t, nil
}
