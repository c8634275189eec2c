package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"
)

// MaxPartBytes bounds the uncompressed size of each part Read inflates,
// so a small upload cannot expand into gigabytes of XML.
const MaxPartBytes = 16 << 20

// ErrTooManyRows is returned, wrapped, when a sheet has more rows than
// the caller asked for.
var ErrTooManyRows = errors.New("too many rows")

// Read returns the rows of the first sheet of the workbook in b, as the
// sheet shows them: row i of the result is the sheet's row i+1 (empty
// rows between filled ones kept, so a caller can name rows), each cell
// at its column, trailing empty cells and rows dropped. Shared and
// inline strings are read as text, a number as its value, a boolean as
// TRUE or FALSE, and a number formatted as a date as 2006-01-02 (with
// T15:04:05Z when it has a time of day). More than maxRows rows is
// ErrTooManyRows.
func Read(b []byte, maxRows int) ([][]string, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	parts := map[string]*zip.File{}
	for _, f := range zr.File {
		parts[strings.TrimPrefix(f.Name, "/")] = f
	}
	wb, err := readWorkbook(parts)
	if err != nil {
		return nil, err
	}
	var sst []string
	if f := parts["xl/sharedStrings.xml"]; f != nil {
		if sst, err = readSharedStrings(f); err != nil {
			return nil, fmt.Errorf("xl/sharedStrings.xml: %w", err)
		}
	}
	var dates map[int]bool
	if f := parts["xl/styles.xml"]; f != nil {
		if dates, err = readDateStyles(f); err != nil {
			return nil, fmt.Errorf("xl/styles.xml: %w", err)
		}
	}
	f := parts[wb.sheet]
	if f == nil {
		return nil, fmt.Errorf("the first sheet's part %s is missing", wb.sheet)
	}
	rd := sheetReader{sst: sst, dates: dates, date1904: wb.date1904, maxRows: maxRows}
	rows, err := rd.read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", wb.sheet, err)
	}
	return rows, nil
}

// open returns a reader of f's content that fails past MaxPartBytes.
func open(f *zip.File) (io.ReadCloser, error) {
	if f.UncompressedSize64 > MaxPartBytes {
		return nil, fmt.Errorf("%s: larger than %d MiB uncompressed", f.Name, MaxPartBytes>>20)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{&limitReader{r: rc, n: MaxPartBytes, name: f.Name}, rc}, nil
}

// limitReader is io.LimitReader that reports going past the limit as an
// error rather than as the end of the part: a zip's declared size can lie.
type limitReader struct {
	r    io.Reader
	n    int64
	name string
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, fmt.Errorf("%s: larger than %d MiB uncompressed", l.name, MaxPartBytes>>20)
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// decode unmarshals part f into v.
func decode(f *zip.File, v any) error {
	rc, err := open(f)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := xml.NewDecoder(rc).Decode(v); err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	return nil
}

// workbookInfo is what Read needs from the workbook part: the first
// sheet's part and the date system.
type workbookInfo struct {
	sheet    string
	date1904 bool
}

// readWorkbook finds the package's workbook part through _rels/.rels
// (falling back to the usual name), its first sheet and that sheet's part.
func readWorkbook(parts map[string]*zip.File) (workbookInfo, error) {
	type rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	wbName := "xl/workbook.xml"
	if f := parts["_rels/.rels"]; f != nil {
		var r rels
		if err := decode(f, &r); err != nil {
			return workbookInfo{}, err
		}
		for _, x := range r.Rel {
			if strings.HasSuffix(x.Type, "/officeDocument") {
				wbName = resolve("", x.Target)
			}
		}
	}
	f := parts[wbName]
	if f == nil {
		return workbookInfo{}, fmt.Errorf("no workbook part (%s)", wbName)
	}
	var wb struct {
		Pr struct {
			Date1904 string `xml:"date1904,attr"`
		} `xml:"workbookPr"`
		Sheets []struct {
			RID string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decode(f, &wb); err != nil {
		return workbookInfo{}, err
	}
	if len(wb.Sheets) == 0 {
		return workbookInfo{}, fmt.Errorf("the workbook has no sheet")
	}
	relsName := path.Join(path.Dir(wbName), "_rels", path.Base(wbName)+".rels")
	rf := parts[relsName]
	if rf == nil {
		return workbookInfo{}, fmt.Errorf("no %s", relsName)
	}
	var r rels
	if err := decode(rf, &r); err != nil {
		return workbookInfo{}, err
	}
	info := workbookInfo{date1904: wb.Pr.Date1904 == "1" || wb.Pr.Date1904 == "true"}
	for _, x := range r.Rel {
		if x.ID == wb.Sheets[0].RID {
			info.sheet = resolve(path.Dir(wbName), x.Target)
			return info, nil
		}
	}
	return workbookInfo{}, fmt.Errorf("%s: no relationship %q for the first sheet", relsName, wb.Sheets[0].RID)
}

// resolve is a relationship's target as a part name: relative to dir, or
// from the package root when it starts with "/".
func resolve(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Clean(path.Join("/", dir, target)), "/")
}

// readSharedStrings reads the string table: each <si> is the text of its
// <t> elements, runs of rich text joined, phonetic guides (<rPh>) left out.
func readSharedStrings(f *zip.File) ([]string, error) {
	rc, err := open(f)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	var out []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "si" {
			s, err := richText(d, "si")
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
	}
}

// richText returns the text of the <t> elements up to the end of the
// element named end, skipping phonetic runs.
func richText(d *xml.Decoder, end string) (string, error) {
	var b strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				s, err := text(d)
				if err != nil {
					return "", err
				}
				b.WriteString(s)
			case "rPh":
				if err := d.Skip(); err != nil {
					return "", err
				}
			}
		case xml.EndElement:
			if t.Name.Local == end {
				return b.String(), nil
			}
		}
	}
}

// text returns the character data up to the end of the current element.
func text(d *xml.Decoder) (string, error) {
	var b strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.StartElement:
			if err := d.Skip(); err != nil {
				return "", err
			}
		case xml.EndElement:
			return b.String(), nil
		}
	}
}

// readDateStyles returns the cell formats (indexes into cellXfs) whose
// number format shows a date or a time.
func readDateStyles(f *zip.File) (map[int]bool, error) {
	var st struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Xfs []struct {
			NumFmtID int `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := decode(f, &st); err != nil {
		return nil, err
	}
	custom := map[int]string{}
	for _, n := range st.NumFmts {
		custom[n.ID] = n.Code
	}
	dates := map[int]bool{}
	for i, x := range st.Xfs {
		code, ok := custom[x.NumFmtID]
		if ok && isDateFormat(code) || !ok && builtinDate(x.NumFmtID) {
			dates[i] = true
		}
	}
	return dates, nil
}

// builtinDate reports whether a built-in number format (ECMA-376 Part 1,
// 18.8.30) shows a date or a time.
func builtinDate(id int) bool {
	return id >= 14 && id <= 22 || id >= 45 && id <= 47 || id >= 27 && id <= 36 || id >= 50 && id <= 58
}

// isDateFormat reports whether a custom format code shows a date or a
// time: it has y, m, d, h or s outside quoted text, escapes and
// [bracketed] colours or conditions.
func isDateFormat(code string) bool {
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				return false
			}
		case '\\', '_', '*':
			i++
		case '[':
			if j := strings.IndexByte(code[i:], ']'); j >= 0 {
				// [h], [m] and [s] are elapsed times: still times.
				if in := strings.ToLower(code[i+1 : i+j]); strings.Trim(in, "hms") == "" && in != "" {
					return true
				}
				i += j
			}
		case 'y', 'Y', 'm', 'M', 'd', 'D', 'h', 'H', 's', 'S':
			return true
		}
	}
	return false
}

// sheetReader reads one worksheet part token by token, so a sheet is
// never held as a tree.
type sheetReader struct {
	sst      []string
	dates    map[int]bool
	date1904 bool
	maxRows  int
}

func (r *sheetReader) read(f *zip.File) ([][]string, error) {
	rc, err := open(f)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	var rows [][]string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return trimRows(rows), nil
		}
		if err != nil {
			return nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "row" {
			continue
		}
		n := len(rows) + 1
		if s := attr(se, "r"); s != "" {
			if n, err = strconv.Atoi(s); err != nil || n <= len(rows) || n > MaxRows {
				return nil, fmt.Errorf("row number %q out of order", s)
			}
		}
		if n > r.maxRows {
			return nil, fmt.Errorf("%w: more than %d", ErrTooManyRows, r.maxRows)
		}
		for len(rows) < n-1 {
			rows = append(rows, nil)
		}
		row, err := r.row(d, n)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
}

// trimRows drops the empty rows at the end, as a spreadsheet's used range
// ends at its last filled row.
func trimRows(rows [][]string) [][]string {
	for len(rows) > 0 && len(rows[len(rows)-1]) == 0 {
		rows = rows[:len(rows)-1]
	}
	return rows
}

// maxColumns is the most columns a worksheet has (XFD).
const maxColumns = 16384

// row reads the cells of row n up to </row>.
func (r *sheetReader) row(d *xml.Decoder, n int) ([]string, error) {
	var row []string
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if t.Name.Local == "row" {
				for len(row) > 0 && row[len(row)-1] == "" {
					row = row[:len(row)-1]
				}
				return row, nil
			}
		case xml.StartElement:
			if t.Name.Local != "c" {
				if err := d.Skip(); err != nil {
					return nil, err
				}
				continue
			}
			col := len(row)
			if ref := attr(t, "r"); ref != "" {
				c, rn, err := parseRef(ref)
				if err != nil || rn != n || c < len(row) {
					return nil, fmt.Errorf("row %d: cell reference %q out of place", n, ref)
				}
				col = c
			}
			v, err := r.cell(d, t)
			if err != nil {
				return nil, fmt.Errorf("row %d, column %s: %w", n, ColumnName(col), err)
			}
			for len(row) < col {
				row = append(row, "")
			}
			row = append(row, v)
		}
	}
}

// cell reads one <c> element's value as the sheet shows it.
func (r *sheetReader) cell(d *xml.Decoder, c xml.StartElement) (string, error) {
	var v, inline string
	hasInline := false
	for done := false; !done; {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "v":
				if v, err = text(d); err != nil {
					return "", err
				}
			case "is":
				if inline, err = richText(d, "is"); err != nil {
					return "", err
				}
				hasInline = true
			default:
				if err := d.Skip(); err != nil {
					return "", err
				}
			}
		case xml.EndElement:
			done = true
		}
	}
	switch attr(c, "t") {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(r.sst) {
			return "", fmt.Errorf("shared string %q out of range", v)
		}
		return r.sst[i], nil
	case "inlineStr":
		if hasInline {
			return inline, nil
		}
		return v, nil
	case "b":
		if strings.TrimSpace(v) == "1" {
			return "TRUE", nil
		}
		return "FALSE", nil
	case "str", "e", "d":
		return v, nil
	}
	if s, err := strconv.Atoi(attr(c, "s")); err == nil && r.dates[s] && v != "" {
		return r.date(v)
	}
	return v, nil
}

// date formats a serial date (days since the workbook's epoch, the
// fraction the time of day) as 2006-01-02, with the time when it has one.
func (r *sheetReader) date(v string) (string, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 || f > 2958466 || math.IsNaN(f) {
		return "", fmt.Errorf("date %q is not a day number", v)
	}
	// Day 1 is 1900-01-01, but day 60 is the 29 February 1900 that
	// Lotus 1-2-3 counted and Excel keeps for compatibility: from day 61
	// on, the epoch is a day earlier.
	day := math.Floor(f)
	epoch := time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	switch {
	case r.date1904:
		epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case day >= 61:
		epoch = epoch.AddDate(0, 0, -1)
	}
	t := epoch.AddDate(0, 0, int(day)).Add(time.Duration(math.Round((f-day)*86400)) * time.Second)
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		return t.Format("2006-01-02"), nil
	}
	return t.Format("2006-01-02T15:04:05Z"), nil
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// parseRef splits a cell reference such as "AB12" into a column index
// from 0 and a row number from 1.
func parseRef(ref string) (col, row int, err error) {
	i := 0
	for i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z' {
		col = col*26 + int(ref[i]-'A'+1)
		if col > maxColumns {
			return 0, 0, fmt.Errorf("column of %q out of range", ref)
		}
		i++
	}
	if i == 0 {
		return 0, 0, fmt.Errorf("no column in %q", ref)
	}
	row, err = strconv.Atoi(ref[i:])
	if err != nil || row < 1 || row > MaxRows {
		return 0, 0, fmt.Errorf("no row in %q", ref)
	}
	return col - 1, row, nil
}
