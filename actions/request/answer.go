package request

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/outbound/proxy"
)

// outcomeOf names a status.
func outcomeOf(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return OutcomeRateLimited
	case status >= 500:
		return OutcomeServerError
	case status >= 400:
		return OutcomeClientError
	}
	return OutcomeOK
}

// readAnswer fills the status, the chosen headers and the body (parsed when JSON) of out.
func readAnswer(resp *http.Response, c *Config, out map[string]any) error {
	out["status"] = float64(resp.StatusCode)
	hs := map[string]any{}
	for _, h := range c.ResponseHeaders {
		if v := resp.Header.Get(h); v != "" {
			hs[strings.ToLower(h)] = v
		}
	}
	out["headers"] = hs
	if resp.StatusCode == http.StatusTooManyRequests {
		if secs, ok := seconds(resp.Header.Get("Retry-After")); ok {
			out["retryAfter"] = secs
		}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return err
	}
	if len(b) > MaxBody {
		out["bodyTooLarge"] = true
		return nil
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	var v any
	if (mt == "application/json" || strings.HasSuffix(mt, "+json")) && json.Unmarshal(b, &v) == nil {
		out["body"] = actions.Normalize(v)
	} else if len(b) > 0 {
		out["body"] = string(b)
	}
	return nil
}

func seconds(v string) (float64, bool) {
	var n int
	if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d", &n); err != nil || n < 0 {
		return 0, false
	}
	return float64(n), true
}

// failed turns what kept the request from being sent into an outcome the flow branches on, or an
// error it may catch.
func failed(err error, out map[string]any, call *actions.Call) (actions.Result, error) {
	var (
		ms *oauth.MissingScopesError
		ra *oauth.ReauthRequiredError
		rl *proxy.RateLimitedError
		ie *outbound.InvalidError
	)
	switch {
	case errors.Is(err, oauth.ErrNotConnected), errors.Is(err, apikeys.ErrKeyNotFound):
		return actions.Done(OutcomeNotConnected, out), nil
	case errors.As(err, &ms):
		out["connectionId"] = ms.ConnectionID
		return actions.Done(OutcomeMissingScopes, out), nil
	case errors.As(err, &ra):
		out["connectionId"] = ra.ConnectionID
		return actions.Done(OutcomeNeedsReauth, out), nil
	case errors.As(err, &rl):
		out["status"] = float64(http.StatusTooManyRequests)
		out["retryAfter"] = float64(max(int(rl.RetryAt.Sub(call.Now).Seconds()+0.999), 1))
		return actions.Done(OutcomeRateLimited, out), nil
	case errors.Is(err, apps.ErrAppNotFound), errors.Is(err, apikeys.ErrNotAPIKeyApp):
		return actions.Result{}, &actions.Error{Code: CodeAppNotFound, Message: "The app does not exist.", Err: err}
	case errors.Is(err, proxy.ErrHostNotAllowed), errors.Is(err, proxy.ErrNoBase):
		return actions.Result{}, &actions.Error{Code: CodeHostNotAllowed, Message: "The request is not under one of the app's apiBaseUrls, so it was not sent.", Err: err}
	case errors.Is(err, proxy.ErrUpstreamTimeout), errors.Is(err, context.DeadlineExceeded):
		return actions.Result{}, actions.Temporary(CodeUpstreamTimeout, "The app's API did not answer in time.", err)
	case errors.Is(err, proxy.ErrUpstreamUnreachable):
		return actions.Result{}, actions.Temporary(CodeUpstreamUnreachable, "The app's API could not be reached.", err)
	case errors.Is(err, oauth.ErrRefreshFailed):
		return actions.Result{}, actions.Temporary(CodeProviderUnavailable, "The provider cannot refresh the token right now; try again later.", err)
	case errors.As(err, &ie):
		return actions.Result{}, &actions.Error{Code: CodeInvalidRequest, Message: "invalid request: " + ie.List(), Err: err}
	}
	return actions.Result{}, err
}
