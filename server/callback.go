package server

import (
	"errors"
	"net/http"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound/oauth"
)

// oauthCallback is where the provider sends the browser back. The browser's binding (the hash
// of its cookie) goes to the vault, which refuses a consent started in another browser without
// using it up, so the right browser can still complete it and the execution stays as it was.
func (s *Server) oauthCallback(w http.ResponseWriter, r *http.Request) {
	binding := bindingOf(browserCookie(r))
	res, err := s.opts.Vault.HandleCallback(r.Context(), r.PathValue("appId"), r.URL.Query(), binding)
	var se *oauth.StateError
	if binding == "" && errors.As(err, &se) && se.Reason == oauth.StateBinding {
		err = s.errCookieMissing(r, true)
	}
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	s.afterCallback(w, r, res, binding)
}

// afterCallback decides where the browser goes once a consent ended. When a flow started it,
// the flow continues first; then the browser goes where the flow says (the next redirect, or
// the connect's or the flow's redirect URL), else back to the flow's hosted page when the
// execution belongs to this browser, else to the connect's redirect URL, else to a small page.
func (s *Server) afterCallback(w http.ResponseWriter, r *http.Request, res *oauth.CallbackResult, binding string) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	if res.Resume != nil && s.opts.Engine != nil {
		id := res.Resume.ExecutionID
		resp, err := s.opts.Engine.ResumeCallback(r.Context(), engine.CallbackRequest{ExecutionID: id, StepID: res.Resume.StepID,
			Nonce: res.Resume.Nonce, Binding: binding, Input: res.ResumeInput()})
		if err != nil {
			s.log.WarnContext(r.Context(), "oauth callback: resume the flow", "execution", id, "error", err)
		}
		switch {
		case err == nil && res.RedirectURL == "" && resp.Redirect != nil && resp.Redirect.URL != "":
			http.Redirect(w, r, resp.Redirect.URL, http.StatusSeeOther)
			return
		case res.RedirectURL == "" && binding != "" && s.boundTo(r, id, binding):
			http.Redirect(w, r, s.runPath(id), http.StatusSeeOther)
			return
		}
	}
	if res.RedirectURL != "" {
		http.Redirect(w, r, res.RedirectURL, http.StatusSeeOther)
		return
	}
	switch res.Outcome {
	case oauth.OutcomeConnected:
		s.renderPage(w, r, http.StatusOK, "problem", problemView{Title: localeOf(r, "").T("connected.title"), Message: localeOf(r, "").T("connected.text"), Done: true})
	case oauth.OutcomeDenied:
		s.renderPage(w, r, http.StatusOK, "problem", problemView{Title: localeOf(r, "").T("notconnected.title"), Message: localeOf(r, "").T("notconnected.denied")})
	default:
		s.renderPage(w, r, http.StatusOK, "problem", problemView{Title: localeOf(r, "").T("notconnected.title"), Message: res.ErrorMessage})
	}
}

// boundTo reports whether an execution is bound to the browser with this binding.
func (s *Server) boundTo(r *http.Request, executionID, binding string) bool {
	_, err := s.opts.Engine.BindingOf(r.Context(), executionID, binding)
	return err == nil
}
