// Package web is Evident's server-rendered browser UI: html/template pages
// over embedded templates and assets, no external CDN, and a strict
// Content-Security-Policy so an injected script cannot run. Every page reads
// without JavaScript; the one static script only adds live countdowns and
// drag-and-drop upload on top of plain links and forms.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/api"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/kept"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/pack"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

//go:embed templates static
var files embed.FS

// Config is what the web UI needs.
type Config struct {
	Store   *sqlstore.Store
	Catalog *catalog.Catalog
	// Ledger stores uploaded evidence and proves inclusion; without one
	// the evidence pages are not served.
	Ledger *ledger.Ledger
	// Pack is what evidence packs are exported from; without it the pack
	// pages are not served.
	Pack *pack.Source
	// Auth signs people in and out; the server's middleware in front of
	// every page has already authenticated the request.
	Auth   *auth.Auth
	Logger *slog.Logger
	// Figures keeps readiness over a period, shared with the API of the
	// same server; New makes one for the pages alone when nil.
	Figures *readiness.Figures
	// The clock is the store's (Store.Now): one injected clock for every
	// layer, so sessions, windows and clocks never disagree about now.
}

// Web renders the browser pages.
type Web struct {
	cfg       Config
	pages     map[string]*template.Template
	assetHash string                      // content hash of static/, part of every asset URL
	shared    stateCache                  // readiness now (dashboard, index, tasks)
	strips    stateCache                  // readiness now with the strips' history (controls)
	periods   kept.Keyed[periodView]      // the dashboard's readiness over a period, by query
	models    kept.Flight[*evident.Model] // the program model, by ledger size (model.go)
	// ledgerPages are pages drawn from the ledger alone, by its size
	// (ledgerContents).
	ledgerPages kept.Flight[*contents]
	setup       setup // the pending first-run setup token (setup.go)
}

// New parses the templates once at start, so a broken template fails the
// start-up instead of a request.
func New(cfg Config) (*Web, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Figures == nil {
		cfg.Figures = readiness.NewFigures(cfg.Store, cfg.Catalog)
	}
	w := &Web{cfg: cfg, pages: map[string]*template.Template{}}
	hash, err := hashStatic()
	if err != nil {
		return nil, err
	}
	w.assetHash = hash
	pages, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		name := path.Base(p)
		if name == "layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(w.funcs()).ParseFS(files, "templates/layout.html", p)
		if err != nil {
			return nil, err
		}
		w.pages[name] = t
	}
	return w, nil
}

// hashStatic digests every asset's name and bytes.
func hashStatic() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		h.Write([]byte(p))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:12], err
}

// Static serves the embedded assets under /static/<hash>/. The hash changes
// whenever an asset does, so assets can be cached forever.
func (w *Web) Static() http.Handler {
	sub, _ := fs.Sub(files, "static")
	fileServer := http.FileServer(http.FS(sub))
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, "/static/")
		hash, name, ok := strings.Cut(rest, "/")
		if !ok || hash != w.assetHash || name == "" {
			http.NotFound(rw, r)
			return
		}
		rw.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		setSecurityHeaders(rw)
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		fileServer.ServeHTTP(rw, r2)
	})
}

// page is the data every template gets.
type page struct {
	Title   string
	Program string
	Nav     string // the navigation entry to mark as current
	// NavHTML is the navigation's links for this reader (navHTML).
	NavHTML template.HTML
	CSRF    string // the token every form carries
	User    string
	Role    string
	Now     time.Time
	Data    any
	// Body is the page's content already rendered (renderContent), for
	// pages whose content is kept with the state it shows; the layout
	// renders the "content" template with Data when it is empty.
	Body template.HTML
	// kept is Body as kept with its state, which render may send gzip'd
	// (gzipPage); nil when Body is not.
	kept *keptContent

	principal auth.Principal
	signedIn  bool
}

// handlerFunc is a page handler that returns its error instead of writing
// it, so every failure gets the same error page and status.
type handlerFunc func(rw http.ResponseWriter, r *http.Request) error

func (w *Web) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if err := checkForm(r); err != nil {
			w.renderError(rw, r, err)
			return
		}
		run := h
		if r.Method == http.MethodPost {
			run = func(rw http.ResponseWriter, r *http.Request) error { return w.once(rw, r, h) }
		}
		if err := run(rw, r); err != nil {
			w.renderError(rw, r, err)
		}
	})
}

// checkForm refuses a submitted form holding NUL or control characters
// (other than line breaks and tabs) in any field, naming it, before a
// handler reads it: the boundary every form crosses. Multipart uploads
// check their fields as they stream (Upload).
func checkForm(r *http.Request) error {
	if r.Method != http.MethodPost {
		return nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		return nil
	}
	if err := r.ParseForm(); err != nil {
		return evident.ErrorAt(evident.EINVALID, "form", "%v", err)
	}
	for k, vs := range r.PostForm {
		if err := evident.CheckName("form field name", k); err != nil {
			return err
		}
		for _, v := range vs {
			if err := evident.CheckText(k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

var titleOf = map[int]string{
	http.StatusBadRequest:          "Bad request",
	http.StatusNotFound:            "Not found",
	http.StatusConflict:            "Conflict",
	http.StatusUnauthorized:        "Sign in required",
	http.StatusForbidden:           "Not allowed",
	http.StatusUnprocessableEntity: "Check failed",
	http.StatusInternalServerError: "Internal error",
}

// NotFound answers a path no route serves with the 404 page in the
// layout, navigation and all; paths under /api/ keep the plain answer
// API clients expect.
func (w *Web) NotFound() http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			http.NotFound(rw, r)
			return
		}
		w.renderError(rw, r, evident.Errorf(evident.ENOTFOUND, "there is no page at %s", r.URL.Path))
	})
}

// Refuse renders err (a refusal: 401, 403) as a page in the layout, so a
// user turned away still has the navigation and knows what to do next.
func (w *Web) Refuse(rw http.ResponseWriter, r *http.Request, err error) { w.renderError(rw, r, err) }

// errorPage is what the error page shows: the message and the status, so
// it can say what to do about it.
type errorPage struct {
	Status  int
	Message string
}

func (w *Web) renderError(rw http.ResponseWriter, r *http.Request, err error) {
	status := api.Status(err)
	msg := evident.ErrorMessage(err)
	if status == http.StatusInternalServerError {
		// The detail is for the operator's log, not for the browser.
		w.cfg.Logger.Error("web error", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "Something went wrong on the server; the error is in its log."
	}
	w.render(rw, r, status, "error.html", page{Title: titleOf[status], Data: errorPage{Status: status, Message: msg}})
}

// render writes a page with the security headers every browser page gets.
// The page is rendered to a buffer first so a template failure becomes a
// clean 500 rather than half a page.
func (w *Web) render(rw http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := w.pages[name]
	if !ok {
		http.Error(rw, "no such page template: "+name, http.StatusInternalServerError)
		return
	}
	if p.Program == "" {
		// Pages drawn from a shared state name the program from it.
		if prog, err := w.cfg.Store.Program(r.Context()); err == nil {
			p.Program = prog.Name
		}
	}
	p.Now = w.cfg.Store.Now().UTC()
	w.session(r, &p)
	nav, err := navHTML(p.Nav, p.Can)
	if err != nil {
		w.cfg.Logger.Error("render", "page", name, "err", err)
		http.Error(rw, "internal error", http.StatusInternalServerError)
		return
	}
	p.NavHTML = nav
	// Content already rendered is not passed through the template, which
	// would copy it through fmt (a third of a request's CPU for the list
	// of 500 controls): the layout is rendered around a mark, and the
	// content written in its place.
	body := p.Body
	if body != "" {
		p.Body = bodyMark
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		w.cfg.Logger.Error("render", "page", name, "err", err)
		http.Error(rw, "internal error", http.StatusInternalServerError)
		return
	}
	head, tail := buf.Bytes(), []byte(nil)
	if body != "" {
		i := bytes.Index(head, []byte(bodyMark))
		if i < 0 {
			w.cfg.Logger.Error("render", "page", name, "err", "the layout has no place for the content")
			http.Error(rw, "internal error", http.StatusInternalServerError)
			return
		}
		head, tail = head[:i], head[i+len(bodyMark):]
	}
	setSecurityHeaders(rw)
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	if p.kept != nil && p.kept.shared && p.kept.html == body {
		rw.Header().Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			gz := gzipPage(head, p.kept, tail)
			rw.Header().Set("Content-Encoding", "gzip")
			rw.Header().Set("Content-Length", strconv.Itoa(len(gz)))
			rw.WriteHeader(status)
			rw.Write(gz)
			return
		}
	}
	rw.Header().Set("Content-Length", strconv.Itoa(len(head)+len(body)+len(tail)))
	rw.WriteHeader(status)
	rw.Write(head)
	io.WriteString(rw, string(body))
	rw.Write(tail)
}

// bodyMark stands in the layout for content already rendered (render).
// No page can contain it: it is not valid in HTML text, and templates
// escape what they are given.
const bodyMark = template.HTML("<\x00evident-content\x00>")

// renderContent renders the "content" template of page name with data
// alone, to be kept with the state it shows (program.content). Nothing of
// the request is in reach of it: the layout around it, rendered by render
// per request, has the session, the CSRF token and the clock.
func (w *Web) renderContent(name string, data any) (template.HTML, error) {
	t, ok := w.pages[name]
	if !ok {
		return "", fmt.Errorf("no such page template: %s", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "content", page{Data: data}); err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	return template.HTML(buf.String()), nil
}

// setSecurityHeaders forbids inline script, framing and MIME sniffing.
func setSecurityHeaders(rw http.ResponseWriter) {
	h := rw.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
}
