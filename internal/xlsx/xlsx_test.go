package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// rowsOf is a Sheet whose rows are rows.
func rowsOf(name string, rows ...[]any) Sheet {
	return Sheet{Name: name, Rows: func(add func(...any) error) error {
		for _, r := range rows {
			if err := add(r...); err != nil {
				return err
			}
		}
		return nil
	}}
}

func write(t *testing.T, sheets ...Sheet) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, sheets); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tricky is text a spreadsheet must give back as written.
var tricky = []any{"  spaced  ", "a < b & c > d \"q\" 'a'", "line 1\nline 2\ttab", "émigré ✓ 日本", "007", "=1+1", ""}

// A workbook written here opens in an independent reader (excelize, the
// library the pack used before) with every sheet, in order, and every
// cell as written: text exactly, numbers as numbers.
func TestWriteOpensInExcelize(t *testing.T) {
	b := write(t,
		rowsOf("Requirements", []any{"Requirement", "Count", "Ratio", "Ok"}, []any{"REQ-7.8-14", 3, 0.25, true}, []any{"REQ-5-01", int64(-12), 1e21, false}),
		rowsOf("Text", tricky),
		rowsOf("Empty"),
	)
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("does not open: %v", err)
	}
	defer f.Close()
	if got, want := f.GetSheetList(), []string{"Requirements", "Text", "Empty"}; !cmp.Equal(got, want) {
		t.Errorf("sheets %q, want %q", got, want)
	}
	// Raw values: a boolean is stored as 1 or 0 and shown as TRUE or FALSE.
	rows, err := f.GetRows("Requirements", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"Requirement", "Count", "Ratio", "Ok"}, {"REQ-7.8-14", "3", "0.25", "1"}, {"REQ-5-01", "-12", "1e+21", "0"}}
	if d := cmp.Diff(want, rows); d != "" {
		t.Errorf("Requirements (-want +got):\n%s", d)
	}
	if typ, _ := f.GetCellType("Requirements", "B2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("B2 is of type %v, want a number", typ)
	}
	text, err := f.GetRows("Text")
	if err != nil {
		t.Fatal(err)
	}
	if len(text) != 1 || len(text[0]) != len(tricky)-1 {
		t.Fatalf("Text rows %q", text)
	}
	for i, v := range text[0] {
		if v != tricky[i] {
			t.Errorf("cell %s is %q, want %q", ColumnName(i), v, tricky[i])
		}
	}
}

// The package has exactly the parts the format needs, each well-formed
// XML, so any reader that follows the relationships finds the sheets.
func TestWriteParts(t *testing.T) {
	b := write(t, rowsOf("One", []any{"x"}), rowsOf("Two", []any{1}))
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	want := []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"}
	if d := cmp.Diff(want, names); d != "" {
		t.Errorf("parts (-want +got):\n%s", d)
	}
	// The same cells give the same bytes: a pack's digest does not
	// change with the hour it was exported.
	if again := write(t, rowsOf("One", []any{"x"}), rowsOf("Two", []any{1})); !bytes.Equal(b, again) {
		t.Error("two writes of the same cells differ")
	}
}

// What Write writes, Read gives back, text and numbers alike.
func TestRoundTrip(t *testing.T) {
	b := write(t, rowsOf("First", []any{"ref", "n", nil, "after gap"}, nil, append([]any{}, tricky...)), rowsOf("Second", []any{"not read"}))
	got, err := Read(b, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"ref", "n", "", "after gap"}, nil, {"  spaced  ", "a < b & c > d \"q\" 'a'", "line 1\nline 2\ttab", "émigré ✓ 日本", "007", "=1+1"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// A workbook as spreadsheet programs save it, with a shared string table,
// gaps between rows and cells, a date typed into a cell and booleans,
// reads as the sheet shows it.
func TestReadExcelizeWorkbook(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	set := func(cell string, v any) {
		t.Helper()
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	set("A1", "ref")
	set("B1", "due")
	set("A2", "NC-1")
	set("B2", time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC))
	set("D2", true)
	set("A4", 42)
	set("C4", "rich <text>")
	set("A5", time.Date(2027, 3, 1, 14, 30, 0, 0, time.UTC))
	if _, err := f.NewSheet("Later"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Read(buf.Bytes(), 100)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"ref", "due"}, {"NC-1", "2027-03-01", "", "TRUE"}, nil, {"42", "", "rich <text>"}, {"2027-03-01T14:30:00Z"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// A serial date converts by the workbook's date system, including the
// 1900 system's phantom 29 February.
func TestDate(t *testing.T) {
	for _, c := range []struct {
		v    string
		y04  bool
		want string
	}{
		{"1", false, "1900-01-01"},
		{"59", false, "1900-02-28"},
		{"61", false, "1900-03-01"},
		{"46447", false, "2027-03-01"},
		{"46447.5", false, "2027-03-01T12:00:00Z"},
		{"0", true, "1904-01-01"},
		{"44985", true, "2027-03-01"},
	} {
		r := sheetReader{date1904: c.y04}
		if got, err := r.date(c.v); err != nil || got != c.want {
			t.Errorf("date(%s, 1904=%v) = %q, %v; want %q", c.v, c.y04, got, err, c.want)
		}
	}
}

func TestIsDateFormat(t *testing.T) {
	for code, want := range map[string]bool{
		"yyyy-mm-dd": true, "d/m/yy h:mm": true, "[h]:mm:ss": true, "[$-409]mmmm d, yyyy": true,
		"General": false, "0.00": false, `#,##0 "days"`: false, "[Red]0.00": false, `0\d`: false, "0.00E+00": false,
	} {
		if got := isDateFormat(code); got != want {
			t.Errorf("isDateFormat(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestReadTooManyRows(t *testing.T) {
	b := write(t, rowsOf("S", []any{"a"}, []any{"b"}, []any{"c"}))
	if _, err := Read(b, 2); !errors.Is(err, ErrTooManyRows) {
		t.Errorf("3 rows read with a limit of 2: err %v, want ErrTooManyRows", err)
	}
	if rows, err := Read(b, 3); err != nil || len(rows) != 3 {
		t.Errorf("3 rows with a limit of 3: %q, %v", rows, err)
	}
}

// A damaged or foreign file is an error naming what is wrong, never a
// panic or a partial sheet.
func TestReadRefuses(t *testing.T) {
	good := write(t, rowsOf("S", []any{"a"}))
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"not a zip", []byte("ref,kind\n"), "zip"},
		{"zip without workbook", zipOf(t, map[string]string{"a.txt": "x"}), "no workbook part"},
		{"bad shared string", replacePart(t, good, "xl/worksheets/sheet1.xml",
			`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>7</v></c></row></sheetData></worksheet>`), "shared string"},
		{"rows out of order", replacePart(t, good, "xl/worksheets/sheet1.xml",
			`<worksheet><sheetData><row r="2"></row><row r="1"></row></sheetData></worksheet>`), "out of order"},
		{"cell in another row", replacePart(t, good, "xl/worksheets/sheet1.xml",
			`<worksheet><sheetData><row r="1"><c r="A2"><v>1</v></c></row></sheetData></worksheet>`), "out of place"},
		{"truncated xml", replacePart(t, good, "xl/worksheets/sheet1.xml", `<worksheet><sheetData><row r="1"><c`), "sheet1.xml"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(c.b, 100)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want one containing %q", err, c.want)
			}
		})
	}
}

// A part that inflates past MaxPartBytes is refused, however small the
// file and whatever size its zip header declares.
func TestReadRefusesZipBomb(t *testing.T) {
	good := write(t, rowsOf("S", []any{"a"}))
	big := `<worksheet><sheetData>` + strings.Repeat(" ", MaxPartBytes) + `</sheetData></worksheet>`
	b := replacePart(t, good, "xl/worksheets/sheet1.xml", big)
	if len(b) > 1<<20 {
		t.Fatalf("the bomb is %d bytes: deflate should make it small", len(b))
	}
	if _, err := Read(b, 100); err == nil || !strings.Contains(err.Error(), "MiB") {
		t.Errorf("err %v, want the part refused as too large", err)
	}
}

func TestWriteRefuses(t *testing.T) {
	for _, c := range []struct {
		name   string
		sheets []Sheet
		want   string
	}{
		{"no sheet", nil, "at least one sheet"},
		{"long name", []Sheet{rowsOf(strings.Repeat("x", 32))}, "31 characters"},
		{"bad character", []Sheet{rowsOf("a/b")}, "none of"},
		{"same name", []Sheet{rowsOf("A"), rowsOf("a")}, "twice"},
		{"long cell", []Sheet{rowsOf("A", []any{strings.Repeat("x", MaxCellChars+1)})}, "cell A1"},
		{"unknown type", []Sheet{rowsOf("A", []any{1, struct{}{}})}, "cell B1: cannot write a struct"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Write(new(bytes.Buffer), c.sheets)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestColumnName(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 27: "AB", 701: "ZZ", 702: "AAA", maxColumns - 1: "XFD"} {
		if got := ColumnName(i); got != want {
			t.Errorf("ColumnName(%d) = %q, want %q", i, got, want)
		}
		if c, _, err := parseRef(want + "1"); err != nil || c != i {
			t.Errorf("parseRef(%s1) = %d, %v; want %d", want, c, err, i)
		}
	}
}

func zipOf(t *testing.T, parts map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// replacePart returns the workbook b with part name's content replaced.
func replacePart(t *testing.T, b []byte, name, body string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		var s strings.Builder
		if _, err := fmt.Fprint(&s, readAll(t, rc)); err != nil {
			t.Fatal(err)
		}
		parts[f.Name] = s.String()
	}
	parts[name] = body
	return zipOf(t, parts)
}

func readAll(t *testing.T, r interface{ Read([]byte) (int, error) }) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// FuzzRead feeds Read damaged workbooks: it returns rows or an error,
// and rows it returns are within the limit.
func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	Write(&buf, []Sheet{rowsOf("S", []any{"ref", 1, true}, nil, []any{"x", 2.5})})
	f.Add(buf.Bytes())
	x := excelize.NewFile()
	x.SetCellValue("Sheet1", "A1", "shared")
	x.SetCellValue("Sheet1", "B3", time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC))
	var xb bytes.Buffer
	x.Write(&xb)
	f.Add(xb.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := Read(b, 50)
		if err == nil && len(rows) > 50 {
			t.Errorf("%d rows past a limit of 50", len(rows))
		}
	})
}
