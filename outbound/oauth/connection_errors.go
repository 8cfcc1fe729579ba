package oauth

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/outflowhq/outflow/outbound"
)

// Sentinels of the vault's errors; each typed error below matches one with errors.Is.
var (
	// ErrConnectionNotFound: no connection has the given id.
	ErrConnectionNotFound = errors.New("oauth: connection not found")
	// ErrNotConnected: the owner has no connection to the app (for the external id, if given).
	ErrNotConnected = errors.New("oauth: not connected")
	// ErrMissingScopes: connections exist but none was granted every requested scope.
	ErrMissingScopes = errors.New("oauth: missing scopes")
	// ErrReauthRequired: the connection cannot get a token until its owner connects again.
	ErrReauthRequired = errors.New("oauth: reconnect required")
	// ErrRefreshFailed: the token expired and the provider could not refresh it for now; try
	// again later.
	ErrRefreshFailed = errors.New("oauth: refresh failed")
	// ErrInvalidState: an OAuth callback whose state is missing, unknown (never issued, already
	// used, or gone from Redis), for another app or from another browser.
	ErrInvalidState = errors.New("oauth: invalid OAuth state")
	// ErrInvalidRequest: a vault request has invalid fields.
	ErrInvalidRequest = errors.New("oauth: invalid request")
)

// ConnectHint says how to connect (again): the arguments of a Connect call that would get a
// connection covering what was asked.
type ConnectHint struct {
	AppID      string         `json:"appId"`
	Owner      outbound.Owner `json:"owner"`
	Scopes     []string       `json:"scopes,omitempty"`
	ExternalID string         `json:"externalId,omitempty"`
	// ConnectionID, for a connection that lacks scopes or needs re-authentication, is that
	// connection: the connect renews it in place (see ConnectRequest.ConnectionID).
	ConnectionID string `json:"connectionId,omitempty"`
}

// Request returns the ConnectRequest for the hint, sending the browser to redirectURL after
// consent ("" for the app's default).
func (h ConnectHint) Request(redirectURL string) ConnectRequest {
	return ConnectRequest{AppID: h.AppID, Owner: h.Owner, Scopes: h.Scopes, ExternalID: h.ExternalID, RedirectURL: redirectURL, ConnectionID: h.ConnectionID}
}

// ConnectionNotFoundError: no connection has this id.
type ConnectionNotFoundError struct{ ConnectionID string }

func (e *ConnectionNotFoundError) Error() string {
	return fmt.Sprintf("oauth: no connection has id %q", e.ConnectionID)
}

// Is makes errors.Is(err, ErrConnectionNotFound) true.
func (e *ConnectionNotFoundError) Is(t error) bool { return t == ErrConnectionNotFound }

// NotConnectedError: the owner never connected the app (or disconnected it).
type NotConnectedError struct {
	AppID   string
	Connect ConnectHint
}

func (e *NotConnectedError) Error() string {
	msg := fmt.Sprintf("oauth: %s %q has not connected app %q", e.Connect.Owner.Kind(), e.Connect.Owner.ID(), e.AppID)
	if e.Connect.ExternalID != "" {
		msg += fmt.Sprintf(" with external id %q", e.Connect.ExternalID)
	}
	return msg + "; connect it first"
}

// Is makes errors.Is(err, ErrNotConnected) true.
func (e *NotConnectedError) Is(t error) bool { return t == ErrNotConnected }

// MissingScopesError: the owner's connections to the app do not cover the requested scopes.
// Missing is measured against the connection that lacks the fewest; Connect asks for those
// scopes together with the ones it already has (so a provider without incremental
// authorization still issues one token covering everything).
type MissingScopesError struct {
	AppID        string
	ConnectionID string
	Granted      []string
	Missing      []string
	Connect      ConnectHint
}

func (e *MissingScopesError) Error() string {
	return fmt.Sprintf("oauth: no connection of app %q was granted scopes %s; connect again asking for them",
		e.AppID, strings.Join(e.Missing, " "))
}

// Is makes errors.Is(err, ErrMissingScopes) true.
func (e *MissingScopesError) Is(t error) bool { return t == ErrMissingScopes }

// ReauthRequiredError: the provider no longer accepts the connection's grant (the user revoked
// it, the refresh token expired or was reused), or the token expired and there is no refresh
// token. The vault does not call the provider for it again; the owner must connect again.
type ReauthRequiredError struct {
	AppID        string
	ConnectionID string
	Reason       string
	// Granted are the scopes the connection had.
	Granted []string
	Connect ConnectHint
}

func (e *ReauthRequiredError) Error() string {
	return fmt.Sprintf("oauth: connection %q of app %q needs its owner to connect again (%s)", e.ConnectionID, e.AppID, e.Reason)
}

// Is makes errors.Is(err, ErrReauthRequired) true.
func (e *ReauthRequiredError) Is(t error) bool { return t == ErrReauthRequired }

// RefreshFailedError: the access token expired (or a forced refresh was asked) and the provider
// could not refresh it — it is down, slow, or answered with a transient error. The vault waits
// until RetryAt before calling the provider again for this connection.
type RefreshFailedError struct {
	AppID        string
	ConnectionID string
	Reason       string
	RetryAt      time.Time
}

func (e *RefreshFailedError) Error() string {
	return fmt.Sprintf("oauth: refresh the token of connection %q of app %q: %s; retry after %s",
		e.ConnectionID, e.AppID, e.Reason, e.RetryAt.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrRefreshFailed) true.
func (e *RefreshFailedError) Is(t error) bool { return t == ErrRefreshFailed }

// StateError: an OAuth callback was refused before anything happened. Reason is one of the
// State* constants. A refused state that belongs to another browser or app is not consumed.
type StateError struct{ Reason string }

// Reasons of a StateError.
const (
	StateMissing  = "missing"       // the callback has no state parameter
	StateUnknown  = "unknown"       // never issued, already used, or expired and removed from Redis
	StateWrongApp = "wrong_app"     // issued for another app (a mix-up)
	StateBinding  = "wrong_browser" // issued to another browser
)

func (e *StateError) Error() string {
	switch e.Reason {
	case StateWrongApp:
		return "this callback belongs to another app; start connecting again"
	case StateBinding:
		return "this connect link was started in another browser; start connecting again from this one"
	case StateMissing:
		return "the callback has no state; start connecting again"
	}
	return "this connect link is invalid or was already used; start connecting again"
}

// Is makes errors.Is(err, ErrInvalidState) true.
func (e *StateError) Is(t error) bool { return t == ErrInvalidState }

// fieldProblems collects request problems, at most one per field.
type fieldProblems struct{ list []outbound.FieldError }

func (p *fieldProblems) add(field, format string, args ...any) {
	for _, f := range p.list {
		if f.Field == field {
			return
		}
	}
	p.list = append(p.list, outbound.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (p *fieldProblems) addAll(fs []outbound.FieldError) {
	for _, f := range fs {
		p.add(f.Field, "%s", f.Message)
	}
}

func (p *fieldProblems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return outbound.Invalid(ErrInvalidRequest, p.list...)
}
