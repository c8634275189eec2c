// Package web is Evident's server-rendered browser UI: html/template pages
// over embedded templates and assets, no external CDN, and a strict
// Content-Security-Policy so an injected script cannot run.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/sqlstore"
)

//go:embed templates static
var files embed.FS

// Config is what the web UI needs.
type Config struct {
	Store   *sqlstore.Store
	Catalog *catalog.Catalog
	Logger  *slog.Logger
	Now     func() time.Time
}

// Web renders the browser pages.
type Web struct {
	cfg       Config
	pages     map[string]*template.Template
	assetHash string // content hash of static/, part of every asset URL
}

// New parses the templates once at start, so a broken template fails the
// start-up instead of a request.
func New(cfg Config) (*Web, error) {
	w := &Web{cfg: cfg, pages: map[string]*template.Template{}}
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
	if err != nil {
		return nil, err
	}
	w.assetHash = hex.EncodeToString(h.Sum(nil))[:12]
	funcs := template.FuncMap{
		"asset": func(name string) string { return "/static/" + w.assetHash + "/" + name },
		"join":  strings.Join,
	}
	pages, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		name := path.Base(p)
		if name == "layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", p)
		if err != nil {
			return nil, err
		}
		w.pages[name] = t
	}
	return w, nil
}

// Static serves the embedded assets under /static/<hash>/. The hash changes
// whenever an asset does, so assets can be cached forever.
func (w *Web) Static() http.Handler {
	sub, _ := fs.Sub(files, "static")
	fileServer := http.FileServer(http.FS(sub))
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, "/static/")
		hash, name, ok := strings.Cut(rest, "/")
		if !ok || hash != w.assetHash {
			http.NotFound(rw, r)
			return
		}
		rw.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		fileServer.ServeHTTP(rw, r2)
	})
}

// page is the data every template gets.
type page struct {
	Title   string
	Program string
	Data    any
}

// render writes a page with the security headers every browser page gets.
func (w *Web) render(rw http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := w.pages[name]
	if !ok {
		http.Error(rw, "no such page template: "+name, http.StatusInternalServerError)
		return
	}
	if prog, err := w.cfg.Store.Program(r.Context()); err == nil {
		p.Program = prog.Name
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		w.cfg.Logger.Error("render", "page", name, "err", err)
		http.Error(rw, "internal error", http.StatusInternalServerError)
		return
	}
	setSecurityHeaders(rw)
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.WriteHeader(status)
	rw.Write(buf.Bytes())
}

// setSecurityHeaders forbids inline script, framing and MIME sniffing.
func setSecurityHeaders(rw http.ResponseWriter) {
	h := rw.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
}
