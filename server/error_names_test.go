package server

import (
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/store"
)

// TestLibraryErrorsNameTheirPackage: every error the server maps starts with the name of the
// package that made it, so a log line says where it came from ("engine: flow not found").
func TestLibraryErrorsNameTheirPackage(t *testing.T) {
	for pkg, errs := range map[string][]error{
		"actions": {actions.ErrDuplicateKind, actions.ErrInvalidKind},
		"engine": {engine.ErrFlowNotFound, engine.ErrExecutionNotFound, engine.ErrConflict, engine.ErrExpired,
			engine.ErrBadInput, engine.ErrWrongBrowser, &engine.ConflictError{Reason: "stale nonce"},
			&engine.ExpiredError{ExecutionID: "x", FlowID: "f"}},
		"outbound": {outbound.ErrNoOwner, outbound.ErrInvalidID, outbound.ErrSecretMarshal, outbound.ErrSecretUnreadable,
			outbound.Invalid(outbound.ErrInvalidID, outbound.FieldError{Field: "appId", Message: "is required"})},
		"apps": {apps.ErrAppNotFound, apps.ErrAppExists, apps.ErrTemplateNotFound, apps.ErrInvalidApp, apps.ErrKeyFormat,
			apps.ErrNoProbe, outbound.Invalid(apps.ErrInvalidApp, outbound.FieldError{Field: "name", Message: "is required"})},
		"oauth": {oauth.ErrConnectionNotFound, oauth.ErrNotConnected, oauth.ErrMissingScopes, oauth.ErrReauthRequired,
			oauth.ErrRefreshFailed, oauth.ErrInvalidState, oauth.ErrInvalidRequest, oauth.ErrDiscovery, oauth.ErrVerifyFailed,
			oauth.ErrNotOAuthApp, &oauth.ConnectionNotFoundError{ConnectionID: "c"}, &oauth.MissingScopesError{AppID: "a"},
			&oauth.ReauthRequiredError{AppID: "a"}, &oauth.RefreshFailedError{AppID: "a"}, &oauth.VerifyError{AppID: "a"},
			&oauth.NotOAuthAppError{AppID: "a"}},
		"apikeys": {apikeys.ErrKeyNotFound, apikeys.ErrNotAPIKeyApp, apikeys.ErrInvalidKeyRequest, apikeys.ErrKeyRejected,
			apikeys.ErrProbeFailed},
		"store": {store.ErrNotFound, store.ErrConflict, store.ErrUnavailable, store.ErrLocked, store.ErrLockLost,
			store.ErrUnknownKey, store.ErrSealBroken, store.ErrKeyringMismatch},
	} {
		for _, err := range errs {
			if !strings.HasPrefix(err.Error(), pkg+": ") {
				t.Errorf("%T %q does not start with %q", err, err, pkg+": ")
			}
		}
	}
}
