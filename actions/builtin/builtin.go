// Package builtin wires every built-in action kind into a registry with one explicit call.
package builtin

import (
	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/apikey"
	"github.com/outflowhq/outflow/actions/core"
	oauthaction "github.com/outflowhq/outflow/actions/oauth"
	"github.com/outflowhq/outflow/actions/request"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/outbound/proxy"
)

// Deps are what the outbound kinds need at run time. With a nil dependency its kinds are still
// registered, so flows that use them load, validate and get a schema, but a step of such a kind
// fails when it runs.
type Deps struct {
	Vault   *oauth.Vault
	APIKeys *apikeys.APIKeys
	Proxy   *proxy.Proxy
}

// Register adds every built-in kind to reg: screen, set, end, fail, outbound.connect,
// outbound.token, apikey.collect, apikey.check and http.request.
func Register(reg *actions.Registry, deps Deps) error {
	kinds := core.Kinds()
	kinds = append(kinds, oauthaction.Kinds(deps.Vault)...)
	kinds = append(kinds, apikey.Kinds(deps.APIKeys)...)
	kinds = append(kinds, request.Kinds(deps.Proxy)...)
	return reg.Add(kinds...)
}
