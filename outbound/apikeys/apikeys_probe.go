package apikeys

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/outflowhq/outflow/internal/tracing"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// Errors a probe ends with, wrapped in a *ProbeError; match them with errors.Is.
var (
	// ErrKeyRejected means the app answered and did not accept the key.
	ErrKeyRejected = errors.New("apikeys: the app did not accept the API key")
	// ErrProbeFailed means the key could not be checked: the app was unreachable, too slow,
	// or failing (5xx, 429). Trying again later may work.
	ErrProbeFailed = errors.New("apikeys: the API key could not be checked")
)

// ProbeError tells why a probe did not accept a key. It never holds the key.
type ProbeError struct {
	AppID string
	// AppName is the app's display name, used in messages.
	AppName string
	// Status is the HTTP status the app answered with; 0 when no answer came.
	Status int
	// Timeout is set when no answer came within the probe's timeout.
	Timeout time.Duration

	kind  error
	cause error
}

func (e *ProbeError) Error() string {
	return fmt.Sprintf("apikeys: probe app %q: %s", e.AppID, strings.TrimSuffix(e.Message(), "."))
}

// Unwrap returns ErrKeyRejected or ErrProbeFailed, and the cause of a failed request (with any
// URL, which could carry the key, stripped).
func (e *ProbeError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// Message says what happened in a sentence for the person who typed the key, e.g. "OpenAI
// did not accept this key (HTTP 401). Check it and try again."
func (e *ProbeError) Message() string {
	name := e.AppName
	if name == "" {
		name = e.AppID
	}
	switch {
	case errors.Is(e.kind, ErrKeyRejected):
		return fmt.Sprintf("%s did not accept this key (HTTP %d). Check it and try again.", name, e.Status)
	case e.Status != 0:
		return fmt.Sprintf("%s could not check this key right now (HTTP %d). Try again in a moment.", name, e.Status)
	case e.Timeout > 0:
		return fmt.Sprintf("%s did not answer within %s while checking this key. Try again in a moment.", name, e.Timeout)
	default:
		return fmt.Sprintf("Could not reach %s to check this key. Try again in a moment.", name)
	}
}

// maxProbeBody is how much of a probe's response body is read (and discarded) so the
// connection can be reused.
const maxProbeBody = 64 << 10

// Probe checks key against the app's own API: one request, built by App.ProbeRequest (which
// can only target the host of apiKey.baseUrl), bounded by the probe's timeout. Redirects are
// never followed, so the key cannot be carried to another host. The key is valid when the
// status is in the probe's validStatuses, or 2xx when it lists none.
//
// It returns nil, a *ProbeError (ErrKeyRejected: the app refused the key; ErrProbeFailed: it
// could not be checked), or an error wrapping ErrNoProbe for an app without a probe.
func (k *APIKeys) Probe(ctx context.Context, app apps.App, key outbound.Secret, fields map[string]string) error {
	if app.Kind != apps.KindAPIKey || app.APIKey == nil || app.APIKey.Probe == nil {
		return fmt.Errorf("probe app %q: %w", app.ID, apps.ErrNoProbe)
	}
	p := app.APIKey.Probe
	ctx, cancel := context.WithTimeout(tracing.WithCall(ctx, "apikey.probe"), p.Timeout())
	defer cancel()
	req, err := app.ProbeRequest(ctx, key.Reveal(), fields)
	if err != nil {
		return err
	}
	resp, err := k.probe.Do(req)
	if err != nil {
		perr := &ProbeError{AppID: app.ID, AppName: app.Name, kind: ErrProbeFailed, cause: probeCause(err, key.Reveal())}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			perr.Timeout = p.Timeout()
		}
		k.log.WarnContext(ctx, "API key probe failed", "app", app.ID, "error", perr.cause)
		return perr
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxProbeBody))
	if p.Accepts(resp.StatusCode) {
		k.log.DebugContext(ctx, "API key probe accepted the key", "app", app.ID, "status", resp.StatusCode)
		return nil
	}
	perr := &ProbeError{AppID: app.ID, AppName: app.Name, Status: resp.StatusCode, kind: ErrKeyRejected}
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout {
		perr.kind = ErrProbeFailed
	}
	k.log.InfoContext(ctx, "API key probe did not accept the key", "app", app.ID, "status", resp.StatusCode)
	return perr
}

// probeClient is the provider client (no redirects, no cookies) leaving the time bound to
// each probe's own timeout.
func probeClient(o apps.Options) *http.Client {
	c := o.ProviderClient()
	c.Timeout = 0
	return c
}

// probeCause strips the URL (which may carry the key in its query) from a request error, and
// drops any error whose text would still show the key.
func probeCause(err error, key string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if err == nil {
		return errors.New("apikeys: request failed")
	}
	text := err.Error()
	for _, form := range []string{key, url.QueryEscape(key), url.PathEscape(key)} {
		if form != "" && strings.Contains(text, form) {
			return errors.New("apikeys: request failed")
		}
	}
	return err
}
