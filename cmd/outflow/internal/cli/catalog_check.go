package cli

import (
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

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// Template statuses in the catalog report.
const (
	statusOK        = "ok"
	statusDrift     = "drift"
	statusInvalid   = "invalid"
	statusUnchecked = "unchecked"
)

// Check results.
const (
	resultOK          = "ok"
	resultDrift       = "drift"
	resultAdvice      = "advice"
	resultUnreachable = "unreachable"
	resultInvalid     = "invalid"
)

// maxDiscoveryBytes bounds a discovery document.
const maxDiscoveryBytes = 1 << 20

// templateReport is what the check found for one template.
type templateReport struct {
	ID     string        `json:"id"`
	Status string        `json:"status"`
	Checks []checkResult `json:"checks"`
}

// checkResult is one comparison or probe.
type checkResult struct {
	What   string `json:"what"`
	URL    string `json:"url,omitempty"`
	Result string `json:"result"`
	Detail string `json:"detail,omitempty"`
}

// catalogChecker checks templates; online, it calls providers without any credential: no client
// id or secret, no key, no token is ever sent.
type catalogChecker struct {
	online  bool
	timeout time.Duration
	client  *http.Client
}

func (c *catalogChecker) check(ctx context.Context, t apps.Template) templateReport {
	r := templateReport{ID: t.ID}
	app, checks := offlineCheck(t)
	r.Checks = append(r.Checks, checks...)
	if statusOf(checks) == statusOK && c.online {
		if app.DiscoveryURL != "" {
			r.Checks = append(r.Checks, c.checkDiscovery(ctx, app)...)
		}
		r.Checks = append(r.Checks, c.checkEndpoints(ctx, app)...)
	}
	r.Status = statusOf(r.Checks)
	return r
}

func statusOf(checks []checkResult) string {
	has := func(res string) bool {
		return slices.ContainsFunc(checks, func(c checkResult) bool { return c.Result == res })
	}
	switch {
	case has(resultInvalid):
		return statusInvalid
	case has(resultDrift):
		return statusDrift
	case has(resultUnreachable):
		return statusUnchecked
	}
	return statusOK
}

// offlineCheck validates the template, checks it is complete and makes an app from it with a
// sample client and its variables' sample values.
func offlineCheck(t apps.Template) (apps.App, []checkResult) {
	var out []checkResult
	for _, err := range []error{t.Validate(), t.CheckComplete()} {
		var ve *outbound.InvalidError
		switch {
		case errors.As(err, &ve):
			for _, f := range ve.Fields {
				out = append(out, checkResult{What: f.Field, Result: resultInvalid, Detail: f.Message})
			}
		case err != nil:
			out = append(out, checkResult{What: "template", Result: resultInvalid, Detail: err.Error()})
		}
	}
	if len(out) > 0 {
		return apps.App{}, out
	}
	in := apps.TemplateInput{Variables: map[string]string{}}
	for _, v := range t.Variables {
		in.Variables[v.Name] = sampleVariable(v)
	}
	if t.Kind == apps.KindOAuth2 {
		in.ClientID, in.ClientSecret = "catalog-check", outbound.NewSecret("catalog-check")
	}
	app, err := t.NewApp(in)
	if err != nil {
		return app, []checkResult{{What: "app from template", Result: resultInvalid, Detail: err.Error()}}
	}
	return app, []checkResult{{What: "template valid and complete", Result: resultOK}}
}

func sampleVariable(v apps.Variable) string {
	switch {
	case v.Example != "":
		return v.Example
	case v.Default != "":
		return v.Default
	case len(v.Choices) > 0:
		return v.Choices[0].Value
	}
	return ""
}

// discoveryDoc holds the metadata members the check compares (RFC 8414, OpenID Discovery).
type discoveryDoc struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	RevocationEndpoint    string   `json:"revocation_endpoint"`
	CodeChallengeMethods  []string `json:"code_challenge_methods_supported"`
	ScopesSupported       []string `json:"scopes_supported"`
}

func (c *catalogChecker) checkDiscovery(ctx context.Context, app apps.App) []checkResult {
	what := "discovery document"
	resp, err := c.get(ctx, http.MethodGet, app.DiscoveryURL)
	if err != nil {
		return []checkResult{{What: what, URL: app.DiscoveryURL, Result: resultUnreachable, Detail: err.Error()}}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return []checkResult{{What: what, URL: app.DiscoveryURL, Result: resultDrift, Detail: fmt.Sprintf("answers %d", resp.StatusCode)}}
	}
	var doc discoveryDoc
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxDiscoveryBytes)).Decode(&doc); err != nil {
		return []checkResult{{What: what, URL: app.DiscoveryURL, Result: resultDrift, Detail: "is not a JSON metadata document"}}
	}
	out := []checkResult{{What: what, URL: app.DiscoveryURL, Result: resultOK}}
	out = append(out,
		compareEndpoint("issuer", app.Issuer, doc.Issuer),
		compareEndpoint("authorization endpoint", app.AuthorizationURL, doc.AuthorizationEndpoint),
		compareEndpoint("token endpoint", app.TokenURL, doc.TokenEndpoint),
		compareRevocation(app.RevocationURL, doc.RevocationEndpoint),
		comparePKCE(app.PKCE, doc.CodeChallengeMethods),
	)
	return append(out, compareScopes(app.Scopes, doc.ScopesSupported)...)
}

// compareEndpoint: a template value the document contradicts is drift; one the template leaves
// to discovery is reported as found.
func compareEndpoint(what, template, published string) checkResult {
	switch {
	case template == "" && published == "":
		return checkResult{What: what, Result: resultOK, Detail: "neither the template nor the document sets it"}
	case template == "":
		return checkResult{What: what, Result: resultOK, Detail: "taken from the document: " + published}
	case published == "":
		return checkResult{What: what, Result: resultAdvice, Detail: "the document does not publish it; the template's value is used"}
	case template != published:
		return checkResult{What: what, Result: resultDrift, Detail: fmt.Sprintf("template %s, document %s", template, published)}
	}
	return checkResult{What: what, Result: resultOK, Detail: published}
}

func compareRevocation(template, published string) checkResult {
	if template == "" && published != "" {
		return checkResult{What: "revocation endpoint", Result: resultAdvice,
			Detail: "the template has none, so the vault revokes at the document's " + published}
	}
	return compareEndpoint("revocation endpoint", template, published)
}

func comparePKCE(pkce bool, methods []string) checkResult {
	s256 := slices.Contains(methods, "S256")
	switch {
	case len(methods) == 0:
		return checkResult{What: "PKCE", Result: resultOK, Detail: "the document lists no code challenge methods"}
	case pkce && !s256:
		return checkResult{What: "PKCE", Result: resultDrift, Detail: "the template sends S256 but the document lists " + strings.Join(methods, ", ")}
	case !pkce && s256:
		return checkResult{What: "PKCE", Result: resultAdvice, Detail: "the provider supports S256; consider turning pkce on"}
	}
	return checkResult{What: "PKCE", Result: resultOK}
}

// compareScopes reports the template's scopes the document does not list. Many providers list
// only their OpenID Connect scopes there, so a missing API scope is advice, not drift.
func compareScopes(scopes []apps.Scope, supported []string) []checkResult {
	if len(supported) == 0 {
		return nil
	}
	var missing []string
	for _, s := range scopes {
		if !slices.Contains(supported, s.Name) {
			missing = append(missing, s.Name)
		}
	}
	if len(missing) == 0 {
		return []checkResult{{What: "scopes", Result: resultOK, Detail: "all listed in scopes_supported"}}
	}
	return []checkResult{{What: "scopes", Result: resultAdvice, Detail: "not in scopes_supported: " + strings.Join(missing, ", ")}}
}

// checkEndpoints asks each endpoint of the app, without credentials, whether it is there: any
// answer but 404 or 410 shows it is (an authorization endpoint without parameters, a token
// endpoint without a grant and an API without a key all refuse, and that is fine).
func (c *catalogChecker) checkEndpoints(ctx context.Context, app apps.App) []checkResult {
	type probe struct{ what, url string }
	probes := []probe{
		{"authorization endpoint", app.AuthorizationURL}, {"token endpoint", app.TokenURL},
		{"revocation endpoint", app.RevocationURL}, {"user info endpoint", app.UserInfoURL},
	}
	if k := app.APIKey; k != nil && k.Probe != nil && !strings.Contains(k.Probe.Path, "{") {
		probes = append(probes, probe{"key probe endpoint", strings.TrimRight(k.BaseURL, "/") + k.Probe.Path})
	}
	var out []checkResult
	for _, p := range probes {
		if p.url != "" {
			out = append(out, c.probeEndpoint(ctx, p.what, p.url))
		}
	}
	for _, base := range app.APIBaseURLs {
		if !strings.Contains(base, "*") {
			out = append(out, c.probeReachable(ctx, base))
		}
	}
	return out
}

func (c *catalogChecker) probeEndpoint(ctx context.Context, what, raw string) checkResult {
	resp, err := c.get(ctx, http.MethodGet, raw)
	if err != nil {
		return checkResult{What: what, URL: raw, Result: resultUnreachable, Detail: err.Error()}
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
		return checkResult{What: what, URL: raw, Result: resultDrift, Detail: fmt.Sprintf("answers %d: the endpoint is gone", resp.StatusCode)}
	}
	return checkResult{What: what, URL: raw, Result: resultOK, Detail: fmt.Sprintf("answers %d", resp.StatusCode)}
}

// probeReachable checks that an API base's host answers at all (its root often answers 404).
func (c *catalogChecker) probeReachable(ctx context.Context, base string) checkResult {
	resp, err := c.get(ctx, http.MethodHead, base)
	if err != nil {
		return checkResult{What: "API base", URL: base, Result: resultUnreachable, Detail: err.Error()}
	}
	resp.Body.Close()
	return checkResult{What: "API base", URL: base, Result: resultOK, Detail: fmt.Sprintf("answers %d", resp.StatusCode)}
}

// get sends a request with no credential of any kind. Errors name the host, never the query.
func (c *catalogChecker) get(ctx context.Context, method, raw string) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	req, err := http.NewRequestWithContext(ctx, method, raw, nil)
	if err != nil {
		cancel()
		return nil, errors.New("not a valid URL")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "outflow-catalog-check")
	resp, err := c.client.Do(req)
	if err != nil {
		cancel()
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%s: %v", req.URL.Host, err)
	}
	resp.Body = cancelOnClose{resp.Body, cancel}
	return resp, nil
}

// cancelOnClose releases a request's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
