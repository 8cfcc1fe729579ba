package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/outbound/proxy"
	"github.com/outflowhq/outflow/outbound/webhooks"
	"github.com/outflowhq/outflow/store"
)

// This file is the one place where errors become status codes and messages: classify decides,
// fail writes it as JSON for the API, failPage as an HTML page for browsers.

// errorBody is the JSON every error answers with.
type errorBody struct {
	Error apiError `json:"error"`
}

type apiError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// Restart tells a client how to start an expired execution again.
	Restart *restart `json:"restart,omitempty"`
}

type restart struct {
	FlowID string `json:"flowId"`
	// Input is the input the execution was started with. Only management-key callers get it:
	// anyone who knows an execution's id may call the public next route.
	Input map[string]any `json:"input,omitempty"`
}

// httpError is an error with a status and a message for clients.
type httpError struct {
	status int
	body   apiError
}

func (e *httpError) Error() string { return e.body.Message }

func errNotFound(msg string) error {
	return &httpError{status: http.StatusNotFound, body: apiError{Code: "not_found", Message: msg}}
}

func errMethodNotAllowed(method string, allowed []string) error {
	return &httpError{status: http.StatusMethodNotAllowed, body: apiError{Code: "method_not_allowed",
		Message: "this route does not take " + method + "; it takes " + strings.Join(allowed, ", ")}}
}

func errInvalid(fields map[string]string) error {
	return &httpError{status: http.StatusBadRequest, body: apiError{Code: "invalid_request", Message: "the request has invalid fields", Fields: fields}}
}

var (
	errUnauthorized = &httpError{status: http.StatusUnauthorized, body: apiError{Code: "unauthorized",
		Message: "this route needs a management key: Authorization: Bearer <key>"}}
	// errLinkUsed: a one-time link that was opened already, has expired, or never existed.
	errLinkUsed = &httpError{status: http.StatusGone, body: apiError{Code: "link_used",
		Message: "This link was already opened or has expired. Links work once, for a few minutes: ask for a new one."}}
	errLinkMalformed = &httpError{status: http.StatusNotFound, body: apiError{Code: "not_found",
		Message: "This link is not complete. Copy the whole link and try again."}}
	// errNoBrowser: a hosted page opened by a browser that is not the one the execution is bound to.
	errNoBrowser = &httpError{status: http.StatusForbidden, body: apiError{Code: "wrong_browser",
		Message: "This page belongs to the browser that opened its link. Continue there, or ask for a new link."}}
	// errBadForm: a hosted form without a valid CSRF token (an old page, or another site's form).
	errBadForm = &httpError{status: http.StatusForbidden, body: apiError{Code: "invalid_form",
		Message: "This form is out of date or did not come from this page. Reload the page and try again."}}
	// errNoCookie: a Continue press from a browser that did not keep the cookie its page set.
	errNoCookie = &httpError{status: http.StatusForbidden, body: apiError{Code: "invalid_form",
		Message: "This browser did not keep the cookie this page needs. Allow cookies for this site, then open the link again."}}
	// errCrossSite: a form another site made the browser post.
	errCrossSite = &httpError{status: http.StatusForbidden, body: apiError{Code: "invalid_form",
		Message: "This form was sent from another site, so it was ignored. Open the link you were given and press Continue there."}}
	// errNotReady: Redis did not answer the readiness check.
	errNotReady = &httpError{status: http.StatusServiceUnavailable, body: apiError{Code: "unavailable",
		Message: "storage is unavailable; try again shortly"}}
	// errDraining: the readiness check of a server that is stopping (Server.Drain).
	errDraining = &httpError{status: http.StatusServiceUnavailable, body: apiError{Code: "unavailable",
		Message: "this instance is shutting down; send requests to another"}}
)

// storageRetryAfter is the Retry-After, in seconds, of a 503 unavailable: about how long a
// Redis failover, a restart that loads the dataset or a freed-up maxmemory takes to pass.
const storageRetryAfter = "5"

// errCookieMissing: a hosted page, or the OAuth callback, opened by a browser that sent no
// cookie at all: another browser, or the same one at another address than the public URL, as
// browsers keep cookies per address. It names the address to use.
func (s *Server) errCookieMissing(r *http.Request, callback bool) error {
	at := s.publicURL(r)
	msg := "This browser did not send the cookie of this page, so this page cannot continue here: it was opened in another browser, " +
		"or at another address than " + at + ". Open it in the browser you started in, at " + at + "."
	if callback {
		msg = "This browser did not send the cookie of this sign-in: it was started in another browser, or at another address than " +
			at + ". Go back to the browser where you started, at " + at + ", or start again from this one."
	}
	return &httpError{status: http.StatusForbidden, body: apiError{Code: "wrong_browser", Message: msg}}
}

// fail maps err to a status and a JSON error body. Debug detail goes to the log, never to the
// client.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, body := s.classify(err)
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "route", r.Pattern, "status", status, "error", err)
	}
	retryLater(w, body)
	var ee *engine.ExpiredError
	if body.Restart != nil && errors.As(err, &ee) && managed(r) {
		body.Restart = &restart{FlowID: ee.FlowID, Input: ee.Input}
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="outflow"`)
	}
	writeJSON(w, status, errorBody{Error: body})
}

// failPage answers a browser with an HTML page that says what went wrong and what to do.
func (s *Server) failPage(w http.ResponseWriter, r *http.Request, err error) {
	status, body := s.classify(err)
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "page failed", "method", r.Method, "route", r.Pattern, "status", status, "error", err)
	}
	retryLater(w, body)
	loc := localeOf(r, "")
	title := loc.T("error.title")
	if _, known := loc.msgs["error."+body.Code]; known {
		title = loc.T("error." + body.Code)
	}
	s.renderPageIn(w, loc, status, "problem", problemView{Title: title, Message: body.Message, Expired: body.Code == "expired"})
}

// retryLater tells a client when to try again after storage was unavailable.
func retryLater(w http.ResponseWriter, body apiError) {
	if body.Code == "unavailable" {
		w.Header().Set("Retry-After", storageRetryAfter)
	}
}

func (s *Server) classify(err error) (int, apiError) {
	var (
		he *httpError
		be *bodyError
		ie *outbound.InvalidError
		ee *engine.ExpiredError
		ce *engine.ConflictError
		de *oauth.DiscoveryError
	)
	switch {
	case errors.As(err, &he):
		return he.status, he.body
	case errors.As(err, &be):
		return be.status, apiError{Code: "invalid_body", Message: be.msg}
	case errors.As(err, &ie):
		return http.StatusBadRequest, invalidBody(ie)
	case errors.As(err, &ee):
		return http.StatusGone, apiError{Code: "expired", Message: "This flow took too long and expired. Start it again.",
			Restart: &restart{FlowID: ee.FlowID}}
	case errors.As(err, &ce):
		return http.StatusConflict, apiError{Code: "conflict", Message: ce.Reason}
	case errors.Is(err, engine.ErrWrongBrowser):
		return http.StatusForbidden, apiError{Code: "wrong_browser",
			Message: "This flow belongs to the browser that opened its link; requests from elsewhere cannot advance it."}
	case errors.Is(err, engine.ErrFlowNotFound):
		return http.StatusNotFound, apiError{Code: "not_found", Message: "no flow has this id"}
	case errors.Is(err, engine.ErrExecutionNotFound):
		return http.StatusNotFound, apiError{Code: "not_found", Message: "no execution has this id"}
	case errors.Is(err, apps.ErrAppNotFound):
		return http.StatusNotFound, apiError{Code: "not_found", Message: "no app has this id"}
	case errors.Is(err, apps.ErrTenantSettingsNotFound):
		return http.StatusNotFound, apiError{Code: "not_found", Message: "this tenant has no settings of its own for the app; PUT them first"}
	case errors.Is(err, apps.ErrTemplateNotFound):
		return http.StatusNotFound, apiError{Code: "not_found", Message: "no template has this id; GET /v1/templates lists them"}
	case errors.Is(err, apps.ErrAppExists):
		return http.StatusConflict, apiError{Code: "app_exists", Message: "an app with this id already exists; choose another id, or change the app with PATCH /v1/apps/{id}"}
	case errors.As(err, &de):
		return http.StatusBadGateway, apiError{Code: "provider_misconfigured", Message: de.Message()}
	case errors.Is(err, outbound.ErrSecretUnreadable):
		// Not 503: retrying cannot help until an operator configures the key that sealed the
		// secret, and the request itself is fine. The log names the key id.
		return http.StatusInternalServerError, apiError{Code: "secret_unreadable",
			Message: "a stored secret this request would replace does not open with the server's sealing keys, so nothing was changed; the server's operator must configure the key that sealed it"}
	case isConnectionError(err):
		return connectionError(err)
	case isAPIKeyError(err):
		return apikeyError(err)
	case isProxyError(err):
		return proxyError(err)
	case errors.Is(err, webhooks.ErrEndpointNotFound):
		return http.StatusNotFound, apiError{Code: "not_found", Message: "no webhook endpoint has this id"}
	case errors.Is(err, webhooks.ErrManagedByFile):
		return http.StatusConflict, apiError{Code: "managed_by_file", Message: "this webhook endpoint is declared in the apps file, which names the environment variable holding its signing secret; " +
			"to rotate it, set a new secret there and apply the file again (the old one keeps signing for 24 hours)"}
	case errors.Is(err, webhooks.ErrDeliveryNotFound):
		return http.StatusNotFound, apiError{Code: "not_found", Message: "this webhook endpoint has no delivery with this id (deliveries are kept for 7 days)"}
	case errors.Is(err, store.ErrUnavailable):
		return http.StatusServiceUnavailable, apiError{Code: "unavailable", Message: "storage is unavailable; try again shortly"}
	}
	return http.StatusInternalServerError, apiError{Code: "internal", Message: "internal error"}
}

// invalidBody is the body of input rejected for its fields, one message per field; its kind
// picks the code: the input of a flow, an app, or a request to the vault or the key store.
func invalidBody(ie *outbound.InvalidError) apiError {
	switch {
	case errors.Is(ie, engine.ErrBadInput):
		return apiError{Code: "invalid_input", Message: "the input has invalid fields", Fields: ie.Messages()}
	case errors.Is(ie, apps.ErrInvalidApp):
		return apiError{Code: "invalid_app", Message: "invalid app: " + ie.List(), Fields: ie.Messages()}
	}
	return apiError{Code: "invalid_request", Message: "the request has invalid fields", Fields: ie.Messages()}
}

// isConnectionError reports whether err is one of the token vault's errors (see
// connectionError).
func isConnectionError(err error) bool {
	for _, target := range []error{
		oauth.ErrInvalidState, oauth.ErrConnectionNotFound,
		oauth.ErrNotConnected, oauth.ErrMissingScopes, oauth.ErrReauthRequired,
		oauth.ErrRefreshFailed, oauth.ErrNotOAuthApp, oauth.ErrVerifyFailed,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// connectionError maps an error of the token vault to a status and body. None of these errors
// carries a token.
func connectionError(err error) (int, apiError) {
	var (
		se *oauth.StateError
		ve *oauth.VerifyError
	)
	switch {
	case errors.As(err, &se) && se.Reason == oauth.StateBinding:
		return http.StatusForbidden, apiError{Code: "wrong_browser",
			Message: "This sign-in was started in another browser, so it was not completed here. Go back to the browser where you started, or start again from this one."}
	case errors.As(err, &se):
		return http.StatusBadRequest, apiError{Code: "invalid_state", Message: se.Error()}
	case errors.Is(err, oauth.ErrConnectionNotFound):
		return http.StatusNotFound, apiError{Code: "not_found", Message: "no connection has this id"}
	case errors.Is(err, oauth.ErrNotConnected):
		return http.StatusNotFound, apiError{Code: "not_connected", Message: "this owner has not connected the app; POST the connect body to /v1/connect"}
	case errors.Is(err, oauth.ErrMissingScopes):
		return http.StatusConflict, apiError{Code: "missing_scopes", Message: "no connection was granted every requested scope; POST the connect body to /v1/connect to ask for them"}
	case errors.Is(err, oauth.ErrReauthRequired):
		return http.StatusConflict, apiError{Code: "needs_reauth", Message: "the provider no longer accepts this connection; POST the connect body to /v1/connect to connect again"}
	case errors.Is(err, oauth.ErrRefreshFailed):
		return http.StatusServiceUnavailable, apiError{Code: "provider_unavailable", Message: "the token expired and the provider cannot refresh it right now; retry later"}
	case errors.Is(err, oauth.ErrNotOAuthApp):
		return http.StatusBadRequest, apiError{Code: "not_oauth_app", Message: "this app does not use OAuth; use the API-key routes",
			Fields: map[string]string{"appId": "names an app of another kind; use an oauth2 app"}}
	case errors.As(err, &ve):
		return http.StatusBadRequest, apiError{Code: "verify_failed", Message: "the provider refused the imported refresh token (" + ve.Reason + "); nothing was stored",
			Fields: map[string]string{"refreshToken": "was refused by the provider"}}
	}
	return http.StatusInternalServerError, apiError{Code: "internal", Message: "internal error"}
}

// isProxyError reports whether err is one of the request proxy's errors (see proxyError).
func isProxyError(err error) bool {
	for _, target := range []error{
		proxy.ErrHostNotAllowed, proxy.ErrNoBase, proxy.ErrRateLimited,
		proxy.ErrUpstreamTimeout, proxy.ErrUpstreamUnreachable, proxy.ErrNoStore,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// proxyError maps an error of the request proxy to a status and body. None of these errors
// carries a credential.
func proxyError(err error) (int, apiError) {
	switch {
	case errors.Is(err, proxy.ErrHostNotAllowed):
		return http.StatusBadRequest, apiError{Code: "host_not_allowed",
			Message: "the request is not under one of the app's apiBaseUrls, so no credential was sent; " + headerBaseURL + " must name one of them"}
	case errors.Is(err, proxy.ErrNoBase):
		return http.StatusBadRequest, apiError{Code: "host_not_allowed",
			Message: "the app has no apiBaseUrls, so the proxy sends its credential nowhere; set them with PATCH /v1/apps/{id}"}
	case errors.Is(err, proxy.ErrRateLimited):
		return http.StatusTooManyRequests, apiError{Code: "rate_limited",
			Message: "the app's API asked this connection to wait longer than the proxy waits; retry after Retry-After seconds"}
	case errors.Is(err, proxy.ErrUpstreamTimeout):
		return http.StatusGatewayTimeout, apiError{Code: "upstream_timeout", Message: "the app's API did not answer in time"}
	case errors.Is(err, proxy.ErrUpstreamUnreachable):
		return http.StatusBadGateway, apiError{Code: "upstream_unreachable", Message: "the app's API could not be reached"}
	}
	return http.StatusInternalServerError, apiError{Code: "internal", Message: "internal error"}
}

// isAPIKeyError reports whether err is one of the API-key store's errors (see apikeyError).
func isAPIKeyError(err error) bool {
	for _, target := range []error{
		apikeys.ErrNotAPIKeyApp, apikeys.ErrKeyNotFound,
		apikeys.ErrKeyRejected, apikeys.ErrProbeFailed,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// apikeyError maps an error of the API-key store to a status and body. None of these errors
// carries the key.
func apikeyError(err error) (int, apiError) {
	var pe *apikeys.ProbeError
	switch {
	case errors.Is(err, apikeys.ErrNotAPIKeyApp):
		return http.StatusBadRequest, apiError{Code: "not_apikey_app", Message: "this app does not use API keys: keys are stored for apps of kind apikey only",
			Fields: map[string]string{"appId": "names an app of another kind; use an apikey app"}}
	case errors.Is(err, apikeys.ErrKeyNotFound):
		return http.StatusNotFound, apiError{Code: "not_found", Message: "no API key is stored for this app and owner"}
	case errors.As(err, &pe) && errors.Is(err, apikeys.ErrKeyRejected):
		return http.StatusBadRequest, apiError{Code: "key_rejected", Message: pe.Message(), Fields: map[string]string{"apiKey": pe.Message()}}
	case errors.As(err, &pe):
		return http.StatusBadGateway, apiError{Code: "probe_failed", Message: pe.Message()}
	}
	return http.StatusInternalServerError, apiError{Code: "internal", Message: "internal error"}
}
