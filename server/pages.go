package server

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/outflowhq/outflow/actions"
)

//go:embed pages/*.html
var pageFiles embed.FS

// pageNames are the hosted pages; each is parsed with the shared layout.
var pageNames = []string{"screen", "problem", "landing", "index", "redirect", "continue"}

// pageTemplates are the built-in hosted pages.
var pageTemplates = func() map[string]*template.Template {
	out, err := parsePages(nil)
	if err != nil {
		panic(err) // the built-in pages are embedded; the package's tests render each
	}
	return out
}()

// parsePages parses the hosted pages, each with the layout; a file of custom named like a page
// (layout.html, screen.html, ...) is parsed after the built-in one, so the blocks it defines
// ("layout", "main", "field", ...) replace theirs.
func parsePages(custom fs.FS) (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		// t is bound to the page's language when it renders.
		t := template.New(name).Funcs(template.FuncMap{"t": func(string, ...string) string { return "" }})
		t, err := t.ParseFS(pageFiles, "pages/layout.html", "pages/"+name+".html")
		if err != nil {
			return nil, err
		}
		for _, file := range []string{"layout.html", name + ".html"} {
			if custom == nil {
				continue
			}
			src, err := fs.ReadFile(custom, file)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err == nil {
				_, err = t.Parse(string(src))
			}
			if err != nil {
				return nil, fmt.Errorf("page template %s: %w", file, err)
			}
		}
		out[name] = t
	}
	return out, nil
}

// pageData is what the layout renders: the page's own view in Body.
type pageData struct {
	Demo bool
	Wide bool
	// Lang and Dir are the page's language and direction (<html lang dir>).
	Lang, Dir string
	// Brand is the server's or the tenant's brand; nil for Outflow's own look.
	Brand *brandView
	Body  any
}

// problemView is a page with a heading and a message: errors, expiry, a finished flow.
type problemView struct {
	Title   string
	Message string
	// Done shows a check mark (a finished flow, a completed connection); Neutral a neutral mark
	// (a flow that finished with nothing done).
	Done, Neutral bool
	// Expired adds how to start again.
	Expired bool
	Link    *linkView
}

type linkView struct{ URL, Label string }

// continueView is the page a one-time link shows before it is used: opening the link (a GET, as
// mail scanners and link previewers do) changes nothing; the person's press on Continue (a POST,
// with the page's CSRF token) uses it. It says what is being continued: the flow, or the app a
// consent connects.
type continueView struct {
	Title, Text, Action, CSRF, ExpiresAt string
	Flow                                 *continueFlow
	App                                  *appView
}

// continueFlow is the flow a link continues.
type continueFlow struct{ Name, Description string }

// redirectView is the page of an execution waiting at another site (an OAuth consent).
type redirectView struct {
	Title string
	URL   string
}

// appView brands a screen or a button: the app's logo, or its initial when it has none.
type appView struct {
	Name string
	// Logo is an https or data:image URL, checked when the app was saved and again here.
	Logo    template.URL
	Initial string
	Small   bool
}

func newAppView(b *actions.AppBadge, small bool) *appView {
	if b == nil {
		return nil
	}
	v := &appView{Name: b.Name, Small: small}
	if strings.HasPrefix(b.Logo, "https://") || strings.HasPrefix(b.Logo, "data:image/") {
		v.Logo = template.URL(b.Logo) // #nosec: only https: and data:image/ URLs, see above
	}
	if r, _ := utf8.DecodeRuneInString(strings.TrimSpace(b.Name)); r != utf8.RuneError {
		v.Initial = string(unicode.ToUpper(r))
	}
	return v
}

// renderPage writes a hosted page in the language of r (see localeOf). Pages work without
// JavaScript and load nothing from elsewhere but app logos.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, status int, name string, body any) {
	s.renderPageIn(w, localeOf(r, ""), status, name, body)
}

// renderPageIn writes a hosted page in the language loc, in the server's brand.
func (s *Server) renderPageIn(w http.ResponseWriter, loc *pageLocale, status int, name string, body any) {
	s.renderPageFor(w, loc, "", status, name, body)
}

// renderPageFor writes a hosted page in the language loc, in the brand of tenant.
func (s *Server) renderPageFor(w http.ResponseWriter, loc *pageLocale, tenant string, status int, name string, body any) {
	var buf bytes.Buffer
	data := pageData{Demo: s.opts.Demo != nil, Wide: name == "landing", Lang: loc.Lang, Dir: loc.Dir, Brand: s.brandFor(tenant), Body: body}
	pages := s.pages
	if pages == nil {
		pages = pageTemplates
	}
	tpl, err := pages[name].Clone()
	if err == nil {
		tpl.Funcs(template.FuncMap{"t": loc.T})
		err = tpl.ExecuteTemplate(&buf, "layout", data)
	}
	if err != nil {
		s.log.Error("render page", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	if h.Get("Referrer-Policy") == "" {
		h.Set("Referrer-Policy", "same-origin")
	}
	// No form-action: browsers apply it to the redirect that follows a form (to a provider's
	// consent page) too.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
