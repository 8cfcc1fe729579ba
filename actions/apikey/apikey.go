// Package apikey holds the flow actions of API-key apps: apikey.collect asks the user for a key
// on a screen, checks it and stores it encrypted; apikey.check tells a flow whether a key is on
// file. Neither ever puts a key in an output, an event, a screen or the execution's state.
//
// Wire them with Register (or add Kinds to a registry) given the host's *apikeys.APIKeys.
package apikey

import (
	"context"
	"errors"
	"regexp"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
)

// Error codes the kinds raise (route them with `catch:`).
const (
	// CodeAppNotFound: no app has the configured id.
	CodeAppNotFound = "app_not_found"
	// CodeNotAPIKeyApp: the app is not an apikey app.
	CodeNotAPIKeyApp = "not_apikey_app"
	// CodeNoOwner: the execution has no user or tenant to store the key for.
	CodeNoOwner = "no_owner"
	// CodeUnavailable: the key could not be read or stored right now (retryable).
	CodeUnavailable = "unavailable"
)

var errorCodes = []string{CodeAppNotFound, CodeNotAPIKeyApp, CodeNoOwner, CodeUnavailable}

// errNoKeys is the error of a kind registered without an API-key store.
var errNoKeys = errors.New("apikey: apikey.collect and apikey.check are registered without an API-key store; " +
	"the host passes one in builtin.Deps.APIKeys (or to this package's Kinds)")

// Kinds returns apikey.collect and apikey.check, working on keys.
func Kinds(keys *apikeys.APIKeys) []actions.Kind {
	return []actions.Kind{Collect(keys), Check(keys)}
}

// Register adds the kinds to reg.
func Register(reg *actions.Registry, keys *apikeys.APIKeys) error { return reg.Add(Kinds(keys)...) }

// appIDRE is the shape of an app id (see apps.App.ID).
var appIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// validateApp checks a literal app id when the flow loads.
func validateApp(app actions.Value[string]) error {
	if id, ok := app.Literal(); ok && !appIDRE.MatchString(id) {
		return actions.FieldErrorf("app", "%q is not an app id (lowercase letters, digits and '-', for example openai)", id)
	}
	return nil
}

// owner is who a step stores or reads the key for: the execution's tenant with tenant: true,
// else its subject (the user, or the tenant when the execution has no user).
func owner(call *actions.Call, tenant bool) (outbound.Owner, error) {
	if tenant {
		if call.Subject.TenantID == "" {
			return outbound.Owner{}, actions.Errorf(CodeNoOwner, "This step keeps the key for the tenant, but the flow runs without a tenant.")
		}
		return outbound.Owner{TenantID: call.Subject.TenantID}, nil
	}
	if call.Subject.IsZero() {
		return outbound.Owner{}, actions.Errorf(CodeNoOwner, "This step keeps the key for the user, but the flow runs without a user or tenant.")
	}
	return outbound.Owner{UserID: call.Subject.UserID, TenantID: call.Subject.TenantID}, nil
}

// app loads the apikey app a step names, mapping lookup failures to flow errors.
func app(ctx context.Context, keys *apikeys.APIKeys, id string) (apps.App, error) {
	if keys == nil {
		// A host's mistake, not a flow's: an internal error, which a scenario test reports as a
		// step to mock.
		return apps.App{}, errNoKeys
	}
	a, err := keys.App(ctx, id)
	switch {
	case errors.Is(err, apps.ErrAppNotFound):
		return a, actions.Errorf(CodeAppNotFound, "No app has the id %q.", id)
	case errors.Is(err, apikeys.ErrNotAPIKeyApp):
		return a, actions.Errorf(CodeNotAPIKeyApp, "App %q does not use API keys.", id)
	case err != nil:
		return a, unavailable(err)
	}
	return a, nil
}

func unavailable(err error) error {
	return &actions.Error{Code: CodeUnavailable, Message: "The API key could not be read or saved right now. Try again in a moment.", Retryable: true, Err: err}
}
