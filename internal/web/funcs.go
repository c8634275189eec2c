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
		"utc":   timeElement,
		"ago":   formatAgo,
		// plural picks the word for a count: {{plural 1 "gap" "gaps"}}.
		"plural": plural,
		"day":    func(t time.Time) string { return formatDay(t) },
		"iso":    func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"span":   formatSpan,
		"pct":    func(n, of int) int { return percent(n, of) },
		"add":    func(a, b int) int { return a + b },
		"int":    func(n int64) int { return int(n) },
		"short":  shortHex,
		// idem is a fresh idempotency key for one form (formkey.go).
		"idem":       newFormKey,
		"auditHref":  auditHref,
		"sourceHref": sourceHref,
		"list":       func(s ...string) []string { return s },

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

// timeElement is how every page shows an instant: one style,
// "2026-12-04 20:52 UTC", with the exact RFC 3339 instant in the element's
// datetime and, for a pointer, its tooltip.
func timeElement(t time.Time) template.HTML {
	if t.IsZero() {
		return "—"
	}
	iso := t.UTC().Format(time.RFC3339)
	return template.HTML(`<time datetime="` + iso + `" title="` + iso + `">` + formatUTC(t) + `</time>`)
}

// formatAgo says how long before now t was, in the largest unit that
// matters: "just now", "3 min ago", "5 h ago", "2 days ago".
func formatAgo(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	default:
		return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
	}
}

// plural returns "1 gap" or "3 gaps".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
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
