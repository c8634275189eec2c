package pack

import (
	"io"
	"strings"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/xlsx"
)

// sheet is one worksheet of index.xlsx: a header row and its rows.
type sheet struct {
	name   string
	header []string
	rows   func(add func(...any) error) error
}

// writeXLSX writes the index as a workbook for assessors who work in
// spreadsheets: one sheet per table, its header row first, rows streamed
// so a year of daily evidence is never held as cells.
func writeXLSX(w io.Writer, ix *Index, ev indexEvidence) error {
	var sheets []xlsx.Sheet
	for _, s := range xlsxSheets(ix, ev) {
		sheets = append(sheets, xlsx.Sheet{Name: s.name, Rows: func(add func(...any) error) error {
			head := make([]any, len(s.header))
			for i, h := range s.header {
				head[i] = h
			}
			if err := add(head...); err != nil {
				return err
			}
			return s.rows(add)
		}})
	}
	return xlsx.Write(w, sheets)
}

func xlsxSheets(ix *Index, ev indexEvidence) []sheet {
	join := func(xs []string) string { return strings.Join(xs, ", ") }
	return []sheet{
		{"Requirements", []string{"Requirement", "Clause", "Clause title", "Paraphrase", "Applicable", "Justification", "Proportionality", "Controls", "Period state"},
			func(add func(...any) error) error {
				for _, r := range ix.Requirements {
					if err := add(r.Ref, r.Clause, r.ClauseTitle, r.Text, yesNo(r.Applicable), r.Justification, r.Proportionality, join(r.Controls), r.State); err != nil {
						return err
					}
				}
				return nil
			}},
		{"Controls", []string{"Control", "Title", "Requirements", "Owner", "Narrative", "Method", "Format", "Method description", "Criteria", "Cadence", "Expected", "Found", "Excepted", "Gaps"},
			func(add func(...any) error) error {
				for _, c := range ix.Controls {
					var gaps []string
					for _, g := range c.Coverage.Gaps {
						gaps = append(gaps, g.String()+" ("+string(g.State)+")")
					}
					if err := add(c.ID, c.Title, join(c.Requirements), c.Owner, c.Narrative, string(c.Method.Kind), c.Method.Format,
						c.Method.Description, join(c.Criteria), c.Cadence, c.Coverage.Expected, c.Coverage.Found, c.Coverage.Excepted, join(gaps)); err != nil {
						return err
					}
				}
				return nil
			}},
		{"Evidence", []string{"Control", "Leaf", "Evidence", "Effective", "Received", "Actor", "Verdict", "File", "SHA-256"},
			func(add func(...any) error) error {
				for _, c := range ix.Controls {
					err := ev.each(c.ID, func(e *EvidenceRef) error {
						return add(c.ID, e.Index, e.ID, e.Effective, evident.UTC(e.Received), e.Actor, e.Verdict, e.Filename, e.SHA256)
					})
					if err != nil {
						return err
					}
				}
				return nil
			}},
		{"Findings", []string{"Control", "Evidence", "Leaf", "Effective", "Detail"},
			func(add func(...any) error) error {
				for _, x := range ix.Findings {
					if err := add(x.Control, x.Evidence, x.Index, x.Effective, x.Detail); err != nil {
						return err
					}
				}
				return nil
			}},
		{"Incidents", []string{"Incident", "Title", "Kind", "Severity", "Significant", "Aware", "Closed", "Clock", "Due", "Met", "State"},
			func(add func(...any) error) error {
				for _, inc := range ix.Incidents {
					closed := ""
					if !inc.ClosedAt.IsZero() {
						closed = evident.UTC(inc.ClosedAt)
					}
					for _, c := range inc.Clocks {
						met := ""
						if !c.MetAt.IsZero() {
							met = evident.UTC(c.MetAt)
						}
						if err := add(inc.ID, inc.Title, inc.Kind, inc.Severity, yesNo(inc.Significant), evident.UTC(inc.AwareAt), closed,
							c.Title, evident.UTC(c.Due), met, string(c.State)); err != nil {
							return err
						}
					}
				}
				return nil
			}},
		{"Exceptions", []string{"Control", "From", "Expires", "Reason", "Approver", "Approved"},
			func(add func(...any) error) error {
				for _, x := range ix.Exceptions {
					if err := add(x.Control, evident.UTC(x.From), evident.UTC(x.Expires), x.Reason, x.Approver, evident.UTC(x.ApprovedAt)); err != nil {
						return err
					}
				}
				return nil
			}},
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
