package console

import (
	"errors"
	"net/http"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/outbound/webhooks"
	"github.com/outflowhq/outflow/store"
)

// pageError is an error with the status and the text a console page shows.
type pageError struct {
	status      int
	title, text string
}

func (e *pageError) Error() string { return "console: " + e.text }

var (
	errBadForm = &pageError{http.StatusForbidden, "Please try that again",
		"The form expired or did not come from this console. Go back, reload the page and try again."}
	errCrossSite = &pageError{http.StatusForbidden, "Refused",
		"This request came from another site. Open the console and try again from there."}
	errPageNotFound = &pageError{http.StatusNotFound, "Page not found", "There is no console page here."}
)

// problemView is an error page.
type problemView struct{ Title, Text, Base string }

// PageTitle implements titled.
func (v problemView) PageTitle() string { return v.Title }

// classify is the one place console errors become a status and a text. Nothing it shows holds
// more than the error's own public message (which never holds a secret).
func classify(err error) *pageError {
	var pe *pageError
	var ie *outbound.InvalidError
	switch {
	case errors.As(err, &pe):
		return pe
	case errors.As(err, &ie):
		return &pageError{http.StatusBadRequest, "Please check the form", ie.Error()}
	case errors.Is(err, apps.ErrAppNotFound), errors.Is(err, apps.ErrTemplateNotFound):
		return &pageError{http.StatusNotFound, "Not found", "There is no such app or template; it may have been deleted."}
	case errors.Is(err, oauth.ErrConnectionNotFound), errors.Is(err, oauth.ErrNotConnected), errors.Is(err, apikeys.ErrKeyNotFound):
		return &pageError{http.StatusNotFound, "Not found", "There is no such connection; it may have been disconnected."}
	case errors.Is(err, engine.ErrExecutionNotFound), errors.Is(err, engine.ErrFlowNotFound):
		return &pageError{http.StatusNotFound, "Not found", "There is no such flow or execution; executions are deleted when they expire."}
	case errors.Is(err, webhooks.ErrEndpointNotFound), errors.Is(err, webhooks.ErrDeliveryNotFound):
		return &pageError{http.StatusNotFound, "Not found", "There is no such webhook endpoint or delivery; it may have been deleted (deliveries are kept for 7 days)."}
	case errors.Is(err, webhooks.ErrManagedByFile):
		return &pageError{http.StatusConflict, "Declared in the apps file", "This endpoint's signing secret comes from the environment variable the apps file names: " +
			"set a new secret there and apply the file again (the old one keeps signing for 24 hours)."}
	case errors.Is(err, apps.ErrAppExists):
		return &pageError{http.StatusConflict, "Already taken", "An app with this id already exists: choose another id."}
	case errors.Is(err, store.ErrUnavailable):
		return &pageError{http.StatusServiceUnavailable, "Try again shortly", "Storage is unavailable for a moment. Try again in a few seconds."}
	}
	return &pageError{http.StatusInternalServerError, "Something went wrong", "The console could not do that. The server's log has the details."}
}

// fail answers with an error page; s may be nil.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	pe := classify(err)
	if pe.status >= 500 {
		c.log.ErrorContext(r.Context(), "console page failed", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	if pe.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "2")
	}
	c.render(w, r, pe.status, "problem", s, problemView{Title: pe.title, Text: pe.text, Base: c.opts.Base})
}
