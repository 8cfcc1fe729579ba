package oauth

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/outbound/oauth"
)

// Outcomes of outbound.token.
const (
	OutcomeTokenConnected = "connected"
	OutcomeMissingScopes  = "missing_scopes"
	OutcomeNotConnected   = "not_connected"
	OutcomeNeedsReauth    = "needs_reauth"
)

// TokenConfig is the `with:` of an outbound.token step.
type TokenConfig struct {
	App        actions.Value[string]   `yaml:"app" required:"true" doc:"id of the OAuth app"`
	Scopes     actions.Value[[]string] `yaml:"scopes" doc:"scopes the token must have been granted (any connection covering them will do)"`
	Tenant     bool                    `yaml:"tenant" doc:"check the execution's tenant's connection instead of its user's"`
	ExternalID actions.Value[string]   `yaml:"externalId" doc:"only the connection with this external id"`
}

// Validate checks the config when the flow loads.
func (c *TokenConfig) Validate() error {
	var errs actions.Errors
	if lit, ok := c.App.Literal(); ok && lit == "" {
		errs.Add("app", "name the OAuth app")
	}
	return errs.Err()
}

var tokenOutputs = actions.Object(map[string]actions.Type{
	"connected":     actions.Bool().Describe("true when a usable token covering the scopes exists"),
	"status":        actions.String().Describe("active, missing_scopes, not_connected or needs_reauth"),
	"connectionId":  actions.String().Describe("the connection checked (empty when not connected)"),
	"scopes":        actions.List(actions.String()).Describe("scopes granted to that connection"),
	"missingScopes": actions.List(actions.String()).Describe("requested scopes it lacks"),
	"expiresAt":     actions.String().Describe("when the access token expires (RFC 3339), empty when none"),
	"expiresIn":     actions.Number().Describe("seconds until then"),
	"metadata":      actions.Map(actions.Any()).Describe("the connection's metadata (string, number or boolean values; empty when not connected)"),
})

// Token is the outbound.token kind.
func Token(v *oauth.Vault) actions.Kind {
	return actions.Define(actions.Kind{
		Name: "outbound.token",
		Doc: "Checks that a usable token for the app exists (refreshing it if due), without handing it to the flow. " +
			"Completes with connected, missing_scopes, not_connected or needs_reauth.",
		Outputs:  tokenOutputs,
		Outcomes: []string{OutcomeTokenConnected, OutcomeMissingScopes, OutcomeNotConnected, OutcomeNeedsReauth},
		Errors:   []string{CodeAppNotFound, CodeNoSubject, CodeInvalidRequest, CodeProviderUnavailable},
	}, func(ctx context.Context, call *actions.Call, c *TokenConfig) (actions.Result, error) {
		if v == nil {
			return actions.Result{}, errNoVault
		}
		return runToken(ctx, v, call, c)
	})
}

// DeclareOutcomes: never plain success.
func (c *TokenConfig) DeclareOutcomes() []string {
	return []string{OutcomeTokenConnected, OutcomeMissingScopes, OutcomeNotConnected, OutcomeNeedsReauth}
}

func runToken(ctx context.Context, v *oauth.Vault, call *actions.Call, c *TokenConfig) (actions.Result, error) {
	o, err := owner(call, c.Tenant)
	if err != nil {
		return actions.Result{}, err
	}
	appID, err := c.App.Get(call)
	if err != nil {
		return actions.Result{}, err
	}
	scopes, err := c.Scopes.Get(call)
	if err != nil {
		return actions.Result{}, err
	}
	ext, err := c.ExternalID.Get(call)
	if err != nil {
		return actions.Result{}, err
	}
	var rec recorder
	tok, conn, err := v.Fetch(rec.ctx(ctx), oauth.FetchRequest{AppID: appID, Owner: o, Scopes: scopes, ExternalID: ext})
	rec.emit(call)
	out := map[string]any{
		"connected": false, "status": "", "connectionId": "", "scopes": []any{}, "missingScopes": []any{},
		"expiresAt": "", "expiresIn": float64(0), "metadata": map[string]any{},
	}
	var (
		ms *oauth.MissingScopesError
		ra *oauth.ReauthRequiredError
	)
	switch {
	case err == nil:
		out["connected"], out["status"], out["connectionId"] = true, string(conn.Status), conn.ID
		out["scopes"] = anyList(conn.Scopes)
		out["expiresAt"] = tok.ExpiresAt.UTC().Format(time.RFC3339)
		out["expiresIn"] = math.Floor(tok.ExpiresIn(call.Now).Seconds())
		out["metadata"] = metadataOutput(conn.Metadata)
		return actions.Done(OutcomeTokenConnected, out), nil
	case errors.As(err, &ms):
		out["status"], out["connectionId"] = OutcomeMissingScopes, ms.ConnectionID
		out["scopes"], out["missingScopes"] = anyList(ms.Granted), anyList(ms.Missing)
		out["metadata"] = connectionMetadata(ctx, v, ms.ConnectionID)
		return actions.Done(OutcomeMissingScopes, out), nil
	case errors.Is(err, oauth.ErrNotConnected):
		out["status"] = OutcomeNotConnected
		return actions.Done(OutcomeNotConnected, out), nil
	case errors.As(err, &ra):
		out["status"], out["connectionId"], out["scopes"] = OutcomeNeedsReauth, ra.ConnectionID, anyList(ra.Granted)
		out["metadata"] = connectionMetadata(ctx, v, ra.ConnectionID)
		return actions.Done(OutcomeNeedsReauth, out), nil
	}
	if e := vaultError(err); e != err {
		return actions.Result{}, e
	}
	return actions.Result{}, fmt.Errorf("outbound.token: %w", err)
}

// connectionMetadata is the metadata of the connection id, or none when it cannot be read.
func connectionMetadata(ctx context.Context, v *oauth.Vault, id string) map[string]any {
	conn, err := v.Connection(ctx, id)
	if err != nil {
		return map[string]any{}
	}
	return metadataOutput(conn.Metadata)
}

func metadataOutput(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	maps.Copy(out, m)
	return out
}
