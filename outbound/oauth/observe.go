package oauth

import (
	"errors"
	"time"

	"github.com/outflowhq/outflow/outbound/apps"
)

// Observer is told about consents, token fetches and refreshes, for metrics (see
// VaultOptions.Observer). It receives app ids, outcomes and durations, never a token, a code or a
// state. An app id is one of a stored app, or UnknownApp: never one taken from a request that
// named no app (anyone may call the OAuth callback with any app id in its path), so metrics
// labels stay bounded. Implementations must be fast and safe for concurrent use.
type Observer interface {
	// ConsentStarted: Connect returned an authorization URL.
	ConsentStarted(appID string)
	// CallbackHandled: a callback came back. outcome is OutcomeConnected, OutcomeDenied,
	// OutcomeError, or CallbackRefused when its state was missing, unknown, used, expired, for
	// another app or from another browser. appID is UnknownApp unless the state was accepted.
	CallbackHandled(appID, outcome string, d time.Duration)
	// TokenFetched: Fetch answered. result is one of the Fetch* results.
	TokenFetched(appID, result string, d time.Duration)
	// TokenRefreshed: the provider answered a refresh. result is RefreshOK, RefreshRefused (the
	// grant is gone: the connection needs a new consent) or RefreshFailed (a transient failure,
	// retried later).
	TokenRefreshed(appID, result string, d time.Duration)
}

// CallbackRefused is the outcome an Observer gets for a callback whose state was refused.
const CallbackRefused = "refused"

// UnknownApp is the app id an Observer gets for a callback whose state was not accepted, and for
// a fetch that named no stored app.
const UnknownApp = "unknown"

// Results of Fetch, as an Observer sees them.
const (
	FetchOK                  = "ok"
	FetchNotConnected        = "not_connected"
	FetchMissingScopes       = "missing_scopes"
	FetchNeedsReauth         = "needs_reauth"
	FetchProviderUnavailable = "provider_unavailable"
	FetchInvalid             = "invalid_request"
	FetchError               = "error"
)

// Results of a refresh, as an Observer sees them.
const (
	RefreshOK      = "ok"
	RefreshRefused = "refused"
	RefreshFailed  = "failed"
)

func (v *Vault) observeConsent(appID string) {
	if o := v.vo.Observer; o != nil {
		o.ConsentStarted(appID)
	}
}

func (v *Vault) observeCallback(appID string, start time.Time, res **CallbackResult, err *error) {
	o := v.vo.Observer
	if o == nil {
		return
	}
	outcome := CallbackRefused
	switch {
	case *err == nil && *res != nil:
		outcome = (*res).Outcome
	case !errors.Is(*err, ErrInvalidState):
		outcome = OutcomeError
	}
	if *res == nil {
		// The state was refused, or could not be read: nothing vouches for the app id in the
		// callback's path.
		appID = UnknownApp
	}
	o.CallbackHandled(appID, outcome, time.Since(start))
}

func (v *Vault) observeFetch(appID string, start time.Time, err *error) {
	o := v.vo.Observer
	if o == nil {
		return
	}
	result := fetchResult(*err)
	if result == FetchInvalid {
		// The request may name an app that does not exist.
		appID = UnknownApp
	}
	o.TokenFetched(appID, result, time.Since(start))
}

func fetchResult(err error) string {
	switch {
	case err == nil:
		return FetchOK
	case errors.Is(err, ErrNotConnected), errors.Is(err, ErrConnectionNotFound):
		return FetchNotConnected
	case errors.Is(err, ErrMissingScopes):
		return FetchMissingScopes
	case errors.Is(err, ErrReauthRequired):
		return FetchNeedsReauth
	case errors.Is(err, ErrRefreshFailed):
		return FetchProviderUnavailable
	case errors.Is(err, ErrInvalidRequest), errors.Is(err, apps.ErrAppNotFound), errors.Is(err, ErrNotOAuthApp):
		return FetchInvalid
	}
	return FetchError
}

func (v *Vault) observeRefresh(appID string, start time.Time, err error) {
	o := v.vo.Observer
	if o == nil {
		return
	}
	result := RefreshOK
	switch {
	case err != nil && refusedGrant(err):
		result = RefreshRefused
	case err != nil:
		result = RefreshFailed
	}
	o.TokenRefreshed(appID, result, time.Since(start))
}
