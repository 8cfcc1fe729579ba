package server

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
)

// runPathPrefix is where an execution's hosted page lives: /flows/run/{executionId}.
const runPathPrefix = "/flows/run/"

// runPath is the path of an execution's hosted page, under the base path.
func (s *Server) runPath(executionID string) string {
	return s.path(runPathPrefix + url.PathEscape(executionID))
}

// pageRoutes registers the browser routes: the index (or the demo landing page), one-time links
// and the hosted pages of executions. None takes a management key; a hosted page answers only
// the browser its execution is bound to; its forms carry a CSRF token, and their POSTs are
// refused when another site sent them (see sameSite).
func (s *Server) pageRoutes() {
	s.handle("GET /{$}", s.index)
	if s.opts.Engine == nil || s.opts.Store == nil {
		return
	}
	s.handle("GET /flows/link/{token}", s.showLink)
	s.handle("POST /flows/link/{token}", s.sameSite(s.openLink))
	s.handle("GET /flows/run/{executionId}", s.runPage)
	s.handle("POST /flows/run/{executionId}", s.sameSite(s.runSubmit))
	if s.opts.Demo != nil {
		s.handle("POST /flows/try/{flowId}", s.sameSite(s.tryFlow))
	}
}

// boundExecution returns where an execution stands for the browser of r, with its nonce, or an
// error when the browser is not the one the execution is bound to.
func (s *Server) boundExecution(r *http.Request, id string) (*engine.Response, string, error) {
	cookie := browserCookie(r)
	if cookie == "" {
		return nil, "", s.errCookieMissing(r, false)
	}
	resp, err := s.opts.Engine.BindingOf(r.Context(), id, bindingOf(cookie))
	if errors.Is(err, engine.ErrWrongBrowser) {
		return nil, "", errNoBrowser
	}
	return resp, cookie, err
}

// runPage is GET /flows/run/{executionId}: the current screen, the finished page, or a page that
// says what happened.
func (s *Server) runPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("executionId")
	resp, cookie, err := s.boundExecution(r, id)
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	loc := localeOf(r, resp.Locale)
	resp.Screen = s.localized(resp, loc.Lang)
	page := func(status int, name string, body any) {
		s.renderPageFor(w, loc, resp.Subject.TenantID, status, name, body)
	}
	switch {
	case resp.Status == engine.StatusWaiting && resp.Screen != nil:
		v := newScreenView(resp.Screen, s.runPath(id), s.csrfToken(cookie, "run:"+id), resp.Nonce, resp.StepID)
		page(http.StatusOK, "screen", v)
	case resp.Status == engine.StatusWaiting && resp.Wait != nil:
		// The page looks again by itself until the wait is answered (or times out).
		w.Header().Set("Refresh", "10")
		msg := loc.T("wait.text", "for", resp.Wait.For)
		if u := resp.Wait.Until; u != nil {
			msg += " " + loc.T("wait.until", "until", loc.DateTime(*u))
		}
		page(http.StatusOK, "problem", problemView{Title: loc.T("wait.title"), Message: msg})
	case resp.Status == engine.StatusWaiting && resp.Redirect != nil:
		page(http.StatusOK, "redirect", redirectView{Title: loc.T("redirect.title"), URL: resp.Redirect.URL})
	case resp.Status == engine.StatusCompleted && resp.Redirect != nil:
		http.Redirect(w, r, resp.Redirect.URL, http.StatusSeeOther)
	case resp.Status == engine.StatusCompleted:
		v := problemView{Title: loc.T("done.title"), Message: loc.T("done.text"), Done: true}
		if sc := resp.Screen; sc != nil && (sc.Title != "" || sc.Text != "") {
			v.Title, v.Message = sc.Title, sc.Text
		}
		if sc := resp.Screen; sc != nil && sc.Tone == actions.ToneNeutral {
			v.Done, v.Neutral = false, true
		}
		page(http.StatusOK, "problem", v)
	case resp.Status == engine.StatusExpired:
		page(http.StatusGone, "problem", problemView{Title: loc.T("error.expired"), Message: loc.T("expired.text"), Expired: true})
	default:
		msg := loc.T("failed.text")
		if resp.Error != nil && resp.Error.Message != "" {
			msg = resp.Error.Message
		}
		page(http.StatusOK, "problem", problemView{Title: loc.T("error.title"), Message: msg})
	}
}

// runSubmit is POST /flows/run/{executionId}: the pressed button (the submit button's value),
// the fields, the nonce and the CSRF token of the page. It advances the execution, then sends
// the browser back to the page (Post/Redirect/Get), to the provider when the step redirects, or
// to the flow's redirect URL when it ends with one.
func (s *Server) runSubmit(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("executionId")
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		s.failPage(w, r, &bodyError{msg: "The form could not be read; it may be too large. Go back and try again.", status: statusOf(err)})
		return
	}
	cur, cookie, err := s.boundExecution(r, id)
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	if !s.validCSRF(cookie, "run:"+id, r.PostForm.Get(formCSRF)) {
		s.failPage(w, r, errBadForm)
		return
	}
	if cur.Status != engine.StatusWaiting || cur.Screen == nil {
		http.Redirect(w, r, s.runPath(id), http.StatusSeeOther)
		return
	}
	resp, err := s.opts.Engine.Next(r.Context(), id, engine.NextRequest{
		StepID: r.PostForm.Get(formStep), Interaction: r.PostForm.Get(formAction),
		Input: formInput(cur.Screen, r.PostForm), Nonce: r.PostForm.Get(formNonce),
		Binding: bindingOf(cookie),
	})
	switch {
	case errors.Is(err, engine.ErrConflict), errors.Is(err, engine.ErrBadInput):
		// A page shown before another answer (a second tab, a double click, the back button):
		// show where the execution stands now.
		http.Redirect(w, r, s.runPath(id), http.StatusSeeOther)
	case err != nil:
		s.failPage(w, r, err)
	case resp.Redirect != nil && resp.Redirect.URL != "":
		http.Redirect(w, r, resp.Redirect.URL, http.StatusSeeOther)
	default:
		http.Redirect(w, r, s.runPath(id), http.StatusSeeOther)
	}
}
