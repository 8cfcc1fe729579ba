package server

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/outflowhq/outflow/flows"
)

// indexView is the small page at / of a server without the demo. Base is the base path its
// links are under.
type indexView struct{ Title, Base string }

// landingView is the demo landing page.
type landingView struct {
	Title  string
	Base   string
	UserID string
	Flows  []landingFlow
	Notes  []string
	CSRF   string
}

type landingFlow struct {
	Name, Description, Action string
}

// index is GET /: the demo landing page in demo mode, else a page that says what this server is.
func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	if s.opts.Demo == nil || s.opts.Engine == nil {
		s.renderPage(w, r, http.StatusOK, "index", indexView{Title: "Outflow", Base: s.base})
		return
	}
	cookie := s.ensureCookie(w, r)
	v := landingView{Title: "Try Outflow", Base: s.base, UserID: s.opts.Demo.UserID, Notes: s.opts.Demo.Notes, CSRF: s.csrfToken(cookie, "try")}
	for _, f := range s.demoFlows() {
		v.Flows = append(v.Flows, landingFlow{Name: flowName(f), Description: strings.TrimSpace(f.Description), Action: s.path("/flows/try/" + url.PathEscape(f.ID))})
	}
	s.renderPage(w, r, http.StatusOK, "landing", v)
}

// demoFlows are the flows the landing page offers, in the configured order; every flow when
// none is configured, or none of those configured is loaded.
func (s *Server) demoFlows() []*flows.Flow {
	var out []*flows.Flow
	for _, id := range s.opts.Demo.Flows {
		if f, ok := s.opts.Engine.Flow(id); ok {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return s.opts.Engine.Flows()
	}
	return out
}

// flowName turns a flow id into a title: "demo-tour" → "Demo tour".
func flowName(f *flows.Flow) string {
	name := strings.ReplaceAll(f.ID, "-", " ")
	if name == "" {
		return f.ID
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// tryFlow is POST /flows/try/{flowId} (demo only): it starts the flow for the demo user, as a
// backend would, and uses its one-time link in this browser at once (the press on Try it is the
// person's Continue).
func (s *Server) tryFlow(w http.ResponseWriter, r *http.Request) {
	cookie, ok := s.readForm(w, r, linkFormLimit, "try")
	if !ok {
		return
	}
	id := r.PathValue("flowId")
	if !slices.ContainsFunc(s.demoFlows(), func(f *flows.Flow) bool { return f.ID == id }) {
		s.failPage(w, r, errNotFound("The demo does not offer this flow."))
		return
	}
	_, link, err := s.start(r, id, startBody{UserID: s.opts.Demo.UserID, OpenInBrowser: true})
	if err == nil && link == nil {
		err = errLinkUsed
	}
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	_, token, _ := strings.Cut(link.URL, linkPathPrefix)
	s.useLink(w, r, token, cookie)
}
