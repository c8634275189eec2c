package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// funcs are the helpers templates may call. They format; they never fetch.
func (w *Web) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) string { return "/static/" + w.assetHash + "/" + name },
		"join":  strings.Join,
		"nav":   func() []navItem { return navigation },
		"utc":   formatUTC,
		"day":   func(t time.Time) string { return formatDay(t) },
		"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"span":  formatSpan,
		"pct":   func(n, of int) int { return percent(n, of) },
		"add":   func(a, b int) int { return a + b },
		"int":   func(n int64) int { return int(n) },
		"short": shortHex,
		// idem is a fresh idempotency key for one form (formkey.go).
		"idem": newFormKey,

		// gapHref links a gap's object to its page.
		"gapHref": gapHref,
	}
}

// formatUTC prints an instant the way the whole product does: UTC, to the
// minute, with the zone spelled out so nobody reads it as local time.
func formatUTC(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func formatDay(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02")
}

// formatSpan prints a duration in the largest units that matter to someone
// watching a deadline: days and hours, or hours and minutes.
func formatSpan(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	d = d.Round(time.Minute)
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	mins := int(d % time.Hour / time.Minute)
	var s string
	switch {
	case days > 0:
		s = fmt.Sprintf("%dd %dh", days, hours)
	case hours > 0:
		s = fmt.Sprintf("%dh %02dm", hours, mins)
	default:
		s = fmt.Sprintf("%dm", mins)
	}
	if neg {
		return s + " ago"
	}
	return s
}

func percent(n, of int) int {
	if of <= 0 {
		return 0
	}
	return (n*100 + of/2) / of
}

// shortHex abbreviates a digest for tables; the full value is one click away.
func shortHex(s string) string {
	if len(s) <= 12 {
		return s
	}
	return s[:12] + "…"
}
