package console

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
)

//go:embed pages/*.html
var pageFiles embed.FS

//go:embed assets/*
var assetFiles embed.FS

// pageNames are the console's pages, each parsed with the layout.
var pageNames = []string{"signin", "problem", "apps", "library", "newapp", "app", "delete", "connections", "link", "flows", "flow", "executions", "execution",
	"webhooks", "webhook", "whsecret", "whdelete"}

var pageTemplates = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		out[name] = template.Must(template.New("").Funcs(funcs).ParseFS(pageFiles, "pages/layout.html", "pages/"+name+".html"))
	}
	return out
}()

var funcs = template.FuncMap{
	"when": when,
	"join": strings.Join,
}

// layoutData is what the layout renders around a page.
type layoutData struct {
	Title string
	Base  string
	Demo  bool
	// Section is the navigation item of the page ("apps", "connections", "flows"); empty hides
	// the navigation (sign-in).
	Section string
	// Webhooks shows the webhooks item of the navigation.
	Webhooks bool
	Actor    string
	CSRF     string
	// Lang is the page's language (<html lang>) and T the layout's texts in it; only the
	// sign-in page speaks other languages than English.
	Lang string
	T    map[string]string
	Body any
}

// titled is a page view with a title.
type titled interface{ PageTitle() string }

// render writes a page; s is the session (nil on the sign-in and error pages without one).
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, s *session, body any) {
	d := layoutData{Base: c.opts.Base, Demo: c.opts.Demo, Body: body, Title: "Outflow console", Webhooks: c.opts.Webhooks != nil,
		Lang: "en", T: signInTexts["en"]}
	if t, ok := body.(titled); ok {
		d.Title = t.PageTitle() + " · Outflow console"
	}
	if v, ok := body.(signInView); ok {
		d.Lang, d.T = v.Lang, v.T
		d.Title = v.Title + " · " + v.T["layout.brand"]
	}
	if s != nil {
		d.Actor, d.CSRF, d.Section = s.Actor, s.CSRF, sectionOf(name)
	}
	var buf bytes.Buffer
	if err := pageTemplates[name].ExecuteTemplate(&buf, "layout", d); err != nil {
		c.log.ErrorContext(r.Context(), "console: render page", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	c.secureHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func sectionOf(page string) string {
	switch page {
	case "apps", "library", "newapp", "app", "delete":
		return "apps"
	case "connections", "link":
		return "connections"
	case "flows", "flow", "executions", "execution":
		return "flows"
	case "webhooks", "webhook", "whsecret", "whdelete":
		return "webhooks"
	}
	return ""
}

// secureHeaders are on every console answer: no framing, no caching, only the console's own
// script and styles, images from https and data: (app logos).
func (c *Console) secureHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
}

// asset serves an embedded asset (the stylesheet, the copy-button script).
func (c *Console) asset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	data, err := assetFiles.ReadFile("assets/" + name)
	if err != nil || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	switch {
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

// when shows a time to the minute, in UTC; "—" for none.
func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
