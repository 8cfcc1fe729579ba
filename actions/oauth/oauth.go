// Package oauth holds the flow actions of the OAuth token vault: outbound.connect (send the user
// through a provider's consent and store the connection) and outbound.token (check that a usable
// token exists). Neither ever puts a token in a flow's outputs or events.
//
// Wire them into a registry with one call:
//
//	reg.Add(oauth.Kinds(vault)...)
package oauth

import (
	"context"
	"errors"
	"sync"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
)

// Kinds returns the OAuth action kinds, backed by v. With a nil v the kinds still load (for
// validation and schemas), and a step of them fails with an internal error when it runs: a
// missing vault is the host's mistake, which no flow should route around.
func Kinds(v *oauth.Vault) []actions.Kind {
	return []actions.Kind{Connect(v), Token(v)}
}

// Error codes the kinds raise (route them with `catch:`).
const (
	// CodeAppNotFound: the step names an app that does not exist or is not an OAuth app.
	CodeAppNotFound = "app_not_found"
	// CodeNoSubject: the execution has no user (or, with tenant: true, no tenant).
	CodeNoSubject = "no_subject"
	// CodeInvalidRequest: the step's settings, once evaluated, are not a valid request (a bad
	// scope, a redirect URL the app does not allow).
	CodeInvalidRequest = "invalid_request"
	// CodeProviderUnavailable: the token expired and the provider cannot refresh it for now
	// (retryable).
	CodeProviderUnavailable = "provider_unavailable"
)

// errNoVault is the error of a kind registered without a token vault.
var errNoVault = errors.New("oauth: outbound.connect and outbound.token are registered without a token vault; " +
	"the host passes one in builtin.Deps.Vault (or to this package's Kinds)")

// owner returns who the step acts for: the execution's user, or with tenant its tenant.
func owner(call *actions.Call, tenant bool) (outbound.Owner, error) {
	s := call.Subject
	if tenant {
		if s.TenantID == "" {
			return outbound.Owner{}, actions.Errorf(CodeNoSubject, "this step connects for the tenant, but the execution has no tenant; start it with a tenantId")
		}
		return outbound.Owner{TenantID: s.TenantID}, nil
	}
	if s.UserID == "" {
		return outbound.Owner{}, actions.Errorf(CodeNoSubject, "this step connects for the user, but the execution has no user; start it with a userId, or set tenant: true")
	}
	return outbound.Owner{UserID: s.UserID, TenantID: s.TenantID}, nil
}

// vaultError turns a vault error into an action error with a code a flow can catch.
func vaultError(err error) error {
	var re *outbound.InvalidError
	var rf *oauth.RefreshFailedError
	switch {
	case errors.Is(err, apps.ErrAppNotFound), errors.Is(err, oauth.ErrNotOAuthApp):
		return &actions.Error{Code: CodeAppNotFound, Message: "The app does not exist or is not an OAuth app.", Err: err}
	case errors.As(err, &re) && errors.Is(re, oauth.ErrInvalidRequest):
		return &actions.Error{Code: CodeInvalidRequest, Message: "invalid request: " + re.List(), Err: err}
	case errors.As(err, &rf):
		return actions.Temporary(CodeProviderUnavailable, "The provider cannot refresh the token right now; try again later.", err)
	}
	return err
}

// recorder collects the vault events a call causes, for the execution's event log.
type recorder struct {
	mu     sync.Mutex
	events []oauth.Event
}

func (r *recorder) ctx(ctx context.Context) context.Context {
	return oauth.WithEventRecorder(ctx, func(e oauth.Event) {
		r.mu.Lock()
		r.events = append(r.events, e)
		r.mu.Unlock()
	})
}

// emit copies the collected events into the call (only from the action's goroutine).
func (r *recorder) emit(call *actions.Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		call.Emit(VaultEvent{Type: e.Type, AppID: e.AppID, ConnectionID: e.ConnectionID, OwnerKind: e.OwnerKind, OwnerID: e.OwnerID, Reason: e.Reason})
	}
	r.events = nil
}

func stringList(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func anyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// ConnectedEvent is the data of the oauth.EventConnectionCreated event outbound.connect adds when
// the consent it started has created the connection.
type ConnectedEvent struct {
	AppID        string   `json:"appId"`
	ConnectionID string   `json:"connectionId"`
	Scopes       []string `json:"scopes"`
}

// EventType implements actions.EventData.
func (ConnectedEvent) EventType() string { return oauth.EventConnectionCreated }

// VaultEvent is the data of a vault event (oauth.EventConnectionRefreshed, ...) a step caused,
// copied into its execution's event log. It never holds a token.
type VaultEvent struct {
	// Type is the vault's event type; it is the event's type, not part of its data.
	Type         string `json:"-"`
	AppID        string `json:"appId"`
	ConnectionID string `json:"connectionId"`
	OwnerKind    string `json:"ownerKind"`
	OwnerID      string `json:"ownerId"`
	Reason       string `json:"reason,omitempty"`
}

// EventType implements actions.EventData.
func (e VaultEvent) EventType() string { return e.Type }
