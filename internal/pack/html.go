package pack

import (
	_ "embed"
	"html/template"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/evidenthq/evident"
)

//go:embed index.html.tmpl
var indexTmpl string

// indexPage is index.html: one file with its styles inline and no script, no
// fonts, no images from anywhere, so it opens from a USB stick on an
// assessor's offline laptop exactly as it did here.
var indexPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("index").Funcs(pageFuncs).Parse(indexTmpl))
})

// pageFuncs are the helpers index.html and report.html share.
var pageFuncs = template.FuncMap{
	"utc":     func(t time.Time) string { return evident.UTC(t) },
	"day":     func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	"lastDay": func(t time.Time) string { return t.UTC().Add(-time.Nanosecond).Format("2006-01-02") },
	"join":    func(xs []string) string { return strings.Join(xs, ", ") },
	"anchor": func(ref string) string {
		return "req-" + strings.NewReplacer("@", "-", ":", "-", ".", "-").Replace(ref)
	},
	"class": func(s string) string { return strings.ReplaceAll(s, " ", "-") },
	"short": func(s string) string {
		if len(s) > 12 {
			return s[:12]
		}
		return s
	},
}

func writeHTML(w io.Writer, ix *Index) error { return indexPage().Execute(w, ix) }

// verifyMD is VERIFY.md: how to check the pack by hand, with standard
// tools, if the assessor does not want to trust our verifier.
//
//go:embed VERIFY.md
var verifyMD string
