// Package request holds the http.request flow action: a call to an app's own API with the
// execution's user's (or tenant's) connection, through the request proxy. The credential never
// reaches the flow; the flow gets the status, the headers it names and the parsed JSON body.
//
// Wire it into a registry with one call:
//
//	reg.Add(request.Kinds(p)...)
package request

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/proxy"
)

// Outcomes of http.request.
const (
	OutcomeOK            = "ok"
	OutcomeClientError   = "client_error"
	OutcomeServerError   = "server_error"
	OutcomeNotConnected  = "not_connected"
	OutcomeNeedsReauth   = "needs_reauth"
	OutcomeMissingScopes = "missing_scopes"
	OutcomeRateLimited   = "rate_limited"
)

// Error codes http.request raises (route them with `catch:`).
const (
	CodeAppNotFound         = "app_not_found"
	CodeNoSubject           = "no_subject"
	CodeInvalidRequest      = "invalid_request"
	CodeHostNotAllowed      = "host_not_allowed"
	CodeUpstreamTimeout     = "upstream_timeout"
	CodeUpstreamUnreachable = "upstream_unreachable"
	CodeProviderUnavailable = "provider_unavailable"
)

// MaxBody is the largest response body the step parses into its output; a larger one leaves
// body null and sets bodyTooLarge.
const MaxBody = 64 << 10

// DefaultTimeout bounds a request whose step sets no timeoutSeconds.
const DefaultTimeout = 10 * time.Second

var outcomes = []string{OutcomeOK, OutcomeClientError, OutcomeServerError, OutcomeNotConnected, OutcomeNeedsReauth, OutcomeMissingScopes, OutcomeRateLimited}

// Config is the `with:` of an http.request step.
type Config struct {
	App        actions.Value[string]            `yaml:"app" required:"true" doc:"id of the app whose API is called (oauth2 or apikey)"`
	Method     string                           `yaml:"method" doc:"GET (default), POST, PUT, PATCH or DELETE"`
	Path       actions.Value[string]            `yaml:"path" required:"true" doc:"path under the app's API base, starting with /, for example /v1/people/me/connections"`
	Query      actions.Value[map[string]string] `yaml:"query" doc:"query parameters"`
	Headers    actions.Value[map[string]string] `yaml:"headers" doc:"request headers (Authorization and Cookie are never sent)"`
	Body       actions.Value[any]               `yaml:"body" doc:"JSON body"`
	Base       actions.Value[string]            `yaml:"base" doc:"one of the app's apiBaseUrls, when it has several"`
	Scopes     actions.Value[[]string]          `yaml:"scopes" doc:"scopes the connection must have been granted"`
	ExternalID actions.Value[string]            `yaml:"externalId" doc:"only the connection with this external id"`
	Tenant     bool                             `yaml:"tenant" doc:"use the execution's tenant's connection instead of its user's"`
	// ResponseHeaders are the response headers put in the output.
	ResponseHeaders []string `yaml:"responseHeaders" doc:"response headers to put in the output (by name)"`
	TimeoutSeconds  float64  `yaml:"timeoutSeconds" doc:"bound on the whole request, 1 to 60 seconds (default 10)"`
	// Secret keeps the body out of the event log and explanations (later steps still read it).
	Secret bool `yaml:"secret" doc:"show the body as redacted in events and explanations"`
}

// Validate checks the literal settings when the flow loads.
func (c *Config) Validate() error {
	var errs actions.Errors
	if lit, ok := c.App.Literal(); ok && lit == "" {
		errs.Add("app", "name the app whose API to call")
	}
	if c.Method != "" && !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, c.Method) {
		errs.Add("method", "must be GET, POST, PUT, PATCH or DELETE")
	}
	if lit, ok := c.Path.Literal(); ok && !strings.HasPrefix(lit, "/") {
		errs.Add("path", "must start with / (a path under the app's API base, never a URL)")
	}
	if c.TimeoutSeconds != 0 && (c.TimeoutSeconds < 1 || c.TimeoutSeconds > 60) {
		errs.Add("timeoutSeconds", "must be between 1 and 60")
	}
	for i, h := range c.ResponseHeaders {
		if h == "" || strings.ContainsAny(h, " :\t") {
			errs.Add(fmt.Sprintf("responseHeaders[%d]", i), "is not a header name")
		}
	}
	return errs.Err()
}

// DeclareOutcomes: never plain success.
func (c *Config) DeclareOutcomes() []string { return outcomes }

var outputs = actions.Object(map[string]actions.Type{
	"status":       actions.Number().Describe("the API's HTTP status (0 when no request was sent)"),
	"headers":      actions.Map(actions.String()).Describe("the response headers named in responseHeaders, by lower-case name"),
	"body":         actions.Any().Describe("the parsed JSON body (text for other types), up to 64 KiB; null when larger"),
	"bodyTooLarge": actions.Bool().Describe("true when the body was larger than 64 KiB and left out"),
	"connectionId": actions.String().Describe("the connection used (empty for an API key)"),
	"retryAfter":   actions.Number().Describe("seconds to wait, when rate_limited"),
})

// errNoProxy is the error of the kind registered without a request proxy.
var errNoProxy = errors.New("request: http.request is registered without a request proxy; " +
	"the host passes one in builtin.Deps.Proxy (or to this package's Kinds)")

// Kinds returns the http.request kind, backed by p. With a nil p the kind still loads, and a step
// fails with an internal error when it runs (the host's mistake, which no flow should route around).
func Kinds(p *proxy.Proxy) []actions.Kind { return []actions.Kind{Request(p)} }

// Request is the http.request kind.
func Request(p *proxy.Proxy) actions.Kind {
	return actions.Define(actions.Kind{
		Name: "http.request",
		Doc: "Calls the app's own API with the user's (or tenant's) connection; the credential never reaches the flow. " +
			"Completes with ok, client_error, server_error, not_connected, needs_reauth, missing_scopes or rate_limited.",
		Outputs:  outputs,
		Outcomes: outcomes,
		Errors: []string{CodeAppNotFound, CodeNoSubject, CodeInvalidRequest, CodeHostNotAllowed, CodeUpstreamTimeout,
			CodeUpstreamUnreachable, CodeProviderUnavailable},
	}, func(ctx context.Context, call *actions.Call, c *Config) (actions.Result, error) {
		if p == nil {
			return actions.Result{}, errNoProxy
		}
		return run(ctx, p, call, c)
	})
}

func run(ctx context.Context, p *proxy.Proxy, call *actions.Call, c *Config) (actions.Result, error) {
	f, err := forward(call, c)
	if err != nil {
		return actions.Result{}, err
	}
	timeout := DefaultTimeout
	if c.TimeoutSeconds > 0 {
		timeout = time.Duration(c.TimeoutSeconds * float64(time.Second))
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out := map[string]any{"status": float64(0), "headers": map[string]any{}, "body": nil, "bodyTooLarge": false, "connectionId": "", "retryAfter": float64(0)}
	resp, info, err := p.Forward(ctx, f)
	out["connectionId"] = info.ConnectionID
	if err != nil {
		return failed(err, out, call)
	}
	defer resp.Body.Close()
	if err := readAnswer(resp, c, out); err != nil {
		return actions.Result{}, actions.Temporary(CodeUpstreamUnreachable, "The app's API broke off its answer.", err)
	}
	res := actions.Done(outcomeOf(resp.StatusCode), out)
	if c.Secret {
		res.Redact = []string{"body"}
	}
	return res, nil
}

// forward evaluates the step's settings into the request the proxy sends.
func forward(call *actions.Call, c *Config) (proxy.Forward, error) {
	var f proxy.Forward
	var err error
	get := func(name string, fn func() error) {
		if err == nil {
			if e := fn(); e != nil {
				err = fmt.Errorf("%s: %w", name, e)
			}
		}
	}
	var query, headers map[string]string
	var body any
	get("app", func() (e error) { f.AppID, e = c.App.Get(call); return })
	get("path", func() (e error) { f.Path, e = c.Path.Get(call); return })
	get("query", func() (e error) { query, e = c.Query.Get(call); return })
	get("headers", func() (e error) { headers, e = c.Headers.Get(call); return })
	get("body", func() (e error) { body, e = c.Body.Get(call); return })
	get("base", func() (e error) { f.Base, e = c.Base.Get(call); return })
	get("scopes", func() (e error) { f.Scopes, e = c.Scopes.Get(call); return })
	get("externalId", func() (e error) { f.ExternalID, e = c.ExternalID.Get(call); return })
	if err != nil {
		return f, err
	}
	if err := subject(call, c.Tenant, &f.Target); err != nil {
		return f, err
	}
	path, rawQuery, _ := strings.Cut(f.Path, "?")
	if !strings.HasPrefix(path, "/") || outbound.HasControl(f.Path) {
		return f, actions.Errorf(CodeInvalidRequest, "path must be a path under the app's API base, starting with /")
	}
	q, perr := url.ParseQuery(rawQuery)
	if perr != nil {
		return f, actions.Errorf(CodeInvalidRequest, "the query of path is not valid")
	}
	for k, v := range query {
		q.Set(k, v)
	}
	f.Path, f.RawQuery = path, q.Encode()
	f.Method = cmpOr(c.Method, http.MethodGet)
	f.Header = http.Header{"Accept": {"application/json"}}
	for k, v := range headers {
		f.Header.Set(k, v)
	}
	if c.Body.IsSet() {
		b, jerr := json.Marshal(body)
		if jerr != nil {
			return f, actions.Errorf(CodeInvalidRequest, "body cannot be sent as JSON")
		}
		f.Body, f.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		f.Header.Set("Content-Type", "application/json")
	}
	return f, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// subject sets who the step acts for: the execution's user, or with tenant its tenant.
func subject(call *actions.Call, tenant bool, t *proxy.Target) error {
	s := call.Subject
	if tenant {
		if s.TenantID == "" {
			return actions.Errorf(CodeNoSubject, "this step calls the API for the tenant, but the execution has no tenant; start it with a tenantId")
		}
		t.TenantID = s.TenantID
		return nil
	}
	if s.UserID == "" {
		return actions.Errorf(CodeNoSubject, "this step calls the API for the user, but the execution has no user; start it with a userId, or set tenant: true")
	}
	t.UserID, t.TenantID = s.UserID, s.TenantID
	return nil
}
