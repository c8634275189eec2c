package pack

import (
	_ "embed"
	"errors"
	"html/template"
	"io"
	"iter"
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

// indexView is what index.html is rendered from: the index, with each
// control's evidence read from the spool as the page reaches it.
type indexView struct {
	*Index
	Controls iter.Seq[controlView]
}

// controlView is a control as index.html shows it.
type controlView struct {
	ControlRow
	EvidenceCount int
	Evidence      iter.Seq[EvidenceRef]
}

func writeHTML(w io.Writer, ix *Index, ev indexEvidence) error {
	var failed error
	refs := func(id string) iter.Seq[EvidenceRef] {
		return func(yield func(EvidenceRef) bool) {
			err := ev.each(id, func(r *EvidenceRef) error {
				if !yield(*r) {
					return errStopped
				}
				return nil
			})
			if err != nil && err != errStopped && failed == nil {
				failed = err
			}
		}
	}
	v := indexView{Index: ix, Controls: func(yield func(controlView) bool) {
		for _, c := range ix.Controls {
			if failed != nil || !yield(controlView{ControlRow: c, EvidenceCount: ev.count(c.ID), Evidence: refs(c.ID)}) {
				return
			}
		}
	}}
	if err := indexPage().Execute(w, v); err != nil {
		return err
	}
	return failed
}

// errStopped ends a read of the spool that its reader gave up.
var errStopped = errors.New("stopped")

// verifyMD is VERIFY.md: how to check the pack by hand, with standard
// tools, if the assessor does not want to trust our verifier.
//
//go:embed VERIFY.md
var verifyMD string
