package testssl

import (
	"testing"
	"time"

	"github.com/evidenthq/evident/internal/importer/report"
	"github.com/evidenthq/evident/internal/importer/report/reporttest"
)

// FuzzParseTestssl feeds the parser mutations of the real fixtures. Whatever
// the input, it must not panic, and it must either return a result that
// keeps the report invariants or an EINVALID error that blames the input.
func FuzzParseTestssl(f *testing.F) {
	reporttest.Seeds(f, Format, "*.json")
	reporttest.Seeds(f, Format, "*.csv")
	c := report.Context{AllowedPorts: []string{"tcp/443"}, Now: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
	reporttest.Fuzz(f, Format, Parse, c)
}
