// Package xlsx writes and reads the small Office Open XML workbooks the
// product exchanges with people who work in spreadsheets: the export
// pack's index.xlsx and a conformity assessment body's list of findings.
//
// Both need only cells of text and numbers, so this package replaces a
// general spreadsheet library whose package initialisation alone cost
// every command several milliseconds of CPU, about a sixth of `evident
// version` (issue #19). A workbook is a zip of
// a few XML parts (ECMA-376 Part 1, SpreadsheetML):
//
//	[Content_Types].xml         the media type of each part
//	_rels/.rels                 the package's entry: xl/workbook.xml
//	xl/workbook.xml             the sheets' names and order
//	xl/_rels/workbook.xml.rels  each sheet's part
//	xl/worksheets/sheetN.xml    rows of cells
//	xl/sharedStrings.xml        strings cells refer to by index (read only)
//	xl/styles.xml               number formats, to tell dates (read only)
//
// Write emits text as inline strings so a sheet streams out row by row
// without a string table held in memory; Read accepts what spreadsheet
// programs write.
package xlsx

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sheet is one worksheet to write: its name and a function that adds its
// rows in order, so a caller streams a year of records without building
// them all first.
type Sheet struct {
	Name string
	// Rows calls add once per row; a cell is a string, an integer, a
	// float, a bool or nil (an empty cell).
	Rows func(add func(cells ...any) error) error
}

// MaxCellChars is the most characters a spreadsheet program keeps in one
// cell; Write refuses a longer string rather than hand over a file Excel
// reports as damaged.
const MaxCellChars = 32767

// MaxRows is the most rows a worksheet may have.
const MaxRows = 1048576

// The namespaces of the parts written.
const (
	nsMain    = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsDocRels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkgRels = "http://schemas.openxmlformats.org/package/2006/relationships"
	relSheet  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
	relDoc    = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)

// Write writes sheets as one workbook to w, in order; the first is the
// one a spreadsheet program shows on opening. The bytes depend only on
// the cells: no time stamp, so the same pack content gives the same file.
func Write(w io.Writer, sheets []Sheet) error {
	if len(sheets) == 0 {
		return fmt.Errorf("a workbook needs at least one sheet")
	}
	seen := map[string]bool{}
	for _, s := range sheets {
		if err := checkSheetName(s.Name); err != nil {
			return err
		}
		if k := strings.ToLower(s.Name); seen[k] {
			return fmt.Errorf("sheet name %q appears twice", s.Name)
		} else {
			seen[k] = true
		}
	}
	zw := zip.NewWriter(w)
	for _, p := range []struct{ name, body string }{
		{"[Content_Types].xml", contentTypes(len(sheets))},
		{"_rels/.rels", xml.Header + `<Relationships xmlns="` + nsPkgRels + `"><Relationship Id="rId1" Type="` + relDoc + `" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", workbook(sheets)},
		{"xl/_rels/workbook.xml.rels", workbookRels(len(sheets))},
	} {
		f, err := zw.Create(p.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(f, p.body); err != nil {
			return err
		}
	}
	for i, s := range sheets {
		f, err := zw.Create(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1))
		if err != nil {
			return err
		}
		if err := writeSheet(f, s); err != nil {
			return fmt.Errorf("sheet %s: %w", s.Name, err)
		}
	}
	return zw.Close()
}

// checkSheetName applies the rules spreadsheet programs enforce on a
// sheet's name: 1 to 31 characters, none of : \ / ? * [ ], and no
// apostrophe at either end.
func checkSheetName(name string) error {
	if n := utf8.RuneCountInString(name); n == 0 || n > 31 {
		return fmt.Errorf("sheet name %q: want 1 to 31 characters", name)
	}
	if strings.ContainsAny(name, `:\/?*[]`) || strings.HasPrefix(name, "'") || strings.HasSuffix(name, "'") {
		return fmt.Errorf(`sheet name %q: none of : \ / ? * [ ] and no apostrophe at either end`, name)
	}
	return nil
}

func contentTypes(n int) string {
	var b strings.Builder
	b.WriteString(xml.Header + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i)
	}
	b.WriteString(`</Types>`)
	return b.String()
}

func workbook(sheets []Sheet) string {
	var b strings.Builder
	b.WriteString(xml.Header + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsDocRels + `"><sheets>`)
	for i, s := range sheets {
		b.WriteString(`<sheet name="`)
		xml.EscapeText(&b, []byte(s.Name))
		fmt.Fprintf(&b, `" sheetId="%d" r:id="rId%d"/>`, i+1, i+1)
	}
	b.WriteString(`</sheets></workbook>`)
	return b.String()
}

func workbookRels(n int) string {
	var b strings.Builder
	b.WriteString(xml.Header + `<Relationships xmlns="` + nsPkgRels + `">`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `<Relationship Id="rId%d" Type="`+relSheet+`" Target="worksheets/sheet%d.xml"/>`, i, i)
	}
	b.WriteString(`</Relationships>`)
	return b.String()
}

// writeSheet streams one worksheet part: each row is written as it is
// added, so memory stays that of one row.
func writeSheet(w io.Writer, s Sheet) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(xml.Header + `<worksheet xmlns="` + nsMain + `"><sheetData>`)
	row := 0
	add := func(cells ...any) error {
		row++
		if row > MaxRows {
			return fmt.Errorf("more than %d rows", MaxRows)
		}
		fmt.Fprintf(bw, `<row r="%d">`, row)
		for i, v := range cells {
			if err := writeCell(bw, ColumnName(i)+strconv.Itoa(row), v); err != nil {
				return err
			}
		}
		_, err := bw.WriteString(`</row>`)
		return err
	}
	if err := s.Rows(add); err != nil {
		return err
	}
	bw.WriteString(`</sheetData></worksheet>`)
	return bw.Flush()
}

// writeCell writes one cell at ref: text as an inline string (its spaces
// kept), numbers and booleans as values; nil writes nothing.
func writeCell(w *bufio.Writer, ref string, v any) error {
	num := func(s string) {
		w.WriteString(`<c r="` + ref + `"><v>` + s + `</v></c>`)
	}
	switch v := v.(type) {
	case nil:
	case string:
		if n := utf8.RuneCountInString(v); n > MaxCellChars {
			return fmt.Errorf("cell %s: %d characters, more than the %d a spreadsheet cell holds", ref, n, MaxCellChars)
		}
		w.WriteString(`<c r="` + ref + `" t="inlineStr"><is><t xml:space="preserve">`)
		xml.EscapeText(w, []byte(v))
		w.WriteString(`</t></is></c>`)
	case bool:
		b := "0"
		if v {
			b = "1"
		}
		w.WriteString(`<c r="` + ref + `" t="b"><v>` + b + `</v></c>`)
	case int:
		num(strconv.FormatInt(int64(v), 10))
	case int32:
		num(strconv.FormatInt(int64(v), 10))
	case int64:
		num(strconv.FormatInt(v, 10))
	case uint32:
		num(strconv.FormatUint(uint64(v), 10))
	case uint64:
		num(strconv.FormatUint(v, 10))
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("cell %s: %v is not a number a spreadsheet holds", ref, v)
		}
		num(strconv.FormatFloat(v, 'g', -1, 64))
	default:
		return fmt.Errorf("cell %s: cannot write a %T", ref, v)
	}
	return nil
}

// ColumnName is a spreadsheet's name for the column at index i from 0:
// 0 is A, 25 Z, 26 AA.
func ColumnName(i int) string {
	var b [8]byte
	n := len(b)
	for i++; i > 0; i = (i - 1) / 26 {
		n--
		b[n] = byte('A' + (i-1)%26)
	}
	return string(b[n:])
}
