package findinglist

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/evidenthq/evident"
)

func TestParseCSV(t *testing.T) {
	b, err := os.ReadFile("testdata/cab-findings.csv")
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Parse(bytes.NewReader(b), "cab-findings.csv", evident.EN319401, "3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 3 {
		t.Fatalf("%d findings, want 3", len(fs))
	}
	f := fs[0]
	if f.Ref != "NC-2027-01" || f.Kind != evident.FindingMajor || len(f.Requirements) != 2 || f.Requirements[1].String() != "EN319401@3.2.1:REQ-7.8-13" ||
		!f.Due.Equal(time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("first finding %+v", f)
	}
	if fs[1].RootCause != "Collector disabled during upgrade" || fs[2].Kind != evident.FindingObservation || len(fs[2].Requirements) != 0 {
		t.Errorf("findings %+v", fs[1:])
	}
}

// xlsxOf writes rows as the first sheet of a workbook.
func xlsxOf(t *testing.T, rows [][]any) []byte {
	t.Helper()
	x := excelize.NewFile()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseXLSX(t *testing.T) {
	b := xlsxOf(t, [][]any{{"ref", "kind", "requirements", "text", "due"}, {"NC-1", "major", "REQ-7.8-14", "scans incomplete", "2027-03-01"}})
	fs, err := Parse(bytes.NewReader(b), "cab.xlsx", evident.EN319401, "3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Ref != "NC-1" || fs[0].Due.IsZero() {
		t.Errorf("findings %+v", fs)
	}
}

// A due date typed into a spreadsheet is stored as a day number with a
// date format; it is read as that day, not as the number or as the
// format's month-first rendering.
func TestParseXLSXDateCell(t *testing.T) {
	due := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	b := xlsxOf(t, [][]any{{"ref", "kind", "requirements", "text", "due"}, {"NC-1", "minor", "REQ-7.8-14", "late review", due}})
	fs, err := Parse(bytes.NewReader(b), "cab.xlsx", evident.EN319401, "3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || !fs[0].Due.Equal(due) {
		t.Errorf("findings %+v, want one due %s", fs, due)
	}
}

// A workbook past MaxRows is refused as a whole, as a CSV file is.
func TestParseXLSXTooManyRows(t *testing.T) {
	rows := [][]any{{"ref", "kind", "requirements", "text"}}
	for i := 0; i <= MaxRows; i++ {
		rows = append(rows, []any{fmt.Sprintf("O-%d", i), "observation", "", "x"})
	}
	_, err := Parse(bytes.NewReader(xlsxOf(t, rows)), "cab.xlsx", evident.EN319401, "3.2.1")
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("cab.xlsx: more than %d rows", MaxRows)) {
		t.Errorf("err %v, want the sheet refused for its size", err)
	}
}

// Each bad sheet is refused naming the row and the column, and nothing is
// returned.
func TestParseRefusesNamingRowAndColumn(t *testing.T) {
	head := "ref,kind,requirements,text\n"
	for _, c := range []struct{ name, in, want string }{
		{"unknown column", "ref,kind,requirements,text,severity\n", `row 1, column E: unknown column "severity"`},
		{"missing column", "ref,kind,text\n", `row 1: no "requirements" column`},
		{"bad kind", head + "NC-1,major,REQ-7.8-14,x\nNC-2,critical,REQ-7.8-14,y\n", `row 3, column B (kind): finding kind "critical"`},
		{"bad requirement", head + "NC-1,major,7.8-14,x\n", "row 2, column C (requirements)"},
		{"nonconformity without requirement", head + "NC-1,minor,,x\n", "row 2, column C (requirements): a nonconformity names the requirements"},
		{"empty text", head + "NC-1,minor,REQ-7.8-14,\n", "row 2, column D (text)"},
		{"duplicate ref", head + "NC-1,minor,REQ-7.8-14,x\nNC-1,minor,REQ-7.8-14,y\n", `row 3, column A (ref): "NC-1" is also on row 2`},
		{"bad due", "ref,kind,requirements,text,due\nNC-1,minor,REQ-7.8-14,x,next week\n", `row 2, column E (due): "next week"`},
		{"control character", head + "NC-1,minor,REQ-7.8-14,\"a\x00b\"\n", "row 2, column D (text)"},
		{"only a header", head, "no findings below the header"},
		{"broken quoting", head + "NC-1,minor,REQ-7.8-14,\"x\n", "row 2"},
		{"not a workbook", "PK\x03\x04garbage", "not a readable XLSX workbook"},
	} {
		fs, err := Parse(strings.NewReader(c.in), "cab.csv", evident.EN319401, "3.2.1")
		if err == nil || !strings.Contains(err.Error(), c.want) || fs != nil {
			t.Errorf("%s: %v (%d findings), want an error with %q and nothing", c.name, err, len(fs), c.want)
		}
		if evident.ErrorCode(err) != evident.EINVALID {
			t.Errorf("%s: code %s, want %s", c.name, evident.ErrorCode(err), evident.EINVALID)
		}
	}
}

// FuzzParseCSV checks that no sheet crashes the reader and that what it
// accepts is valid: every finding passes Validate, with a reference.
func FuzzParseCSV(f *testing.F) {
	seed, _ := os.ReadFile("testdata/cab-findings.csv")
	f.Add(seed)
	f.Add([]byte("ref,kind,requirements,text\nNC-1,major,REQ-7.8-14,x\n"))
	f.Add([]byte("\xef\xbb\xbfRef;Kind\n\"a"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fs, err := Parse(bytes.NewReader(b), "fuzz.csv", evident.EN319401, "3.2.1")
		if err != nil {
			if evident.ErrorCode(err) != evident.EINVALID {
				t.Fatalf("error %v has code %s, want %s", err, evident.ErrorCode(err), evident.EINVALID)
			}
			return
		}
		for _, x := range fs {
			if x.Ref == "" {
				t.Fatalf("accepted a finding with no ref: %+v", x)
			}
			if err := x.Validate(); err != nil {
				t.Fatalf("accepted an invalid finding %+v: %v", x, err)
			}
		}
	})
}
