package sandbox

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"math/big"
	"net/http"
)

// metadata is the RFC 8414 authorization server metadata document. The same document, which
// also carries the OpenID Connect discovery fields, is served at both well-known paths.
//
// It is published relative to the mount point ({issuer}/.well-known/...), the OpenID Connect
// convention; RFC 8414's path-inserted form (/.well-known/oauth-authorization-server{path}) is
// the host application's to serve if it wants it.
type metadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	IntrospectionEndpoint             string   `json:"introspection_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	RevocationAuthMethodsSupported    []string `json:"revocation_endpoint_auth_methods_supported"`
	IntrospectionAuthMethodsSupported []string `json:"introspection_endpoint_auth_methods_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	// Sandbox is an extension member (RFC 8414 section 2 allows them) saying what this is.
	Sandbox string `json:"outflow_sandbox"`
}

func (p *Provider) serveMetadata(w http.ResponseWriter, _ *http.Request) {
	clientAuth := []string{"client_secret_basic", "client_secret_post", "none"}
	writeJSON(w, http.StatusOK, metadata{
		Issuer:                            p.Issuer(),
		AuthorizationEndpoint:             p.AuthURL(),
		TokenEndpoint:                     p.TokenURL(),
		RevocationEndpoint:                p.RevocationURL(),
		IntrospectionEndpoint:             p.IntrospectionURL(),
		JWKSURI:                           p.endpoint("/.well-known/jwks.json"),
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{"query"},
		GrantTypesSupported:               []string{"authorization_code", "refresh_token"},
		CodeChallengeMethodsSupported:     []string{"S256"},
		TokenEndpointAuthMethodsSupported: clientAuth,
		RevocationAuthMethodsSupported:    clientAuth,
		IntrospectionAuthMethodsSupported: []string{"client_secret_basic", "bearer"},
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  []string{"RS256"},
		Sandbox:                           "Sandbox provider — for trying Outflow offline, not a real service",
	})
}

// jwk is the public half of the ID-token signing key (RFC 7517, RFC 7518 section 6.3.1).
type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

func (p *Provider) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	key, err := p.signing()
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, oauthError{Error: "server_error"})
		return
	}
	pub := key.private.PublicKey
	writeJSON(w, http.StatusOK, struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{{
		Kty: "RSA",
		Use: "sig",
		Alg: "RS256",
		Kid: key.id,
		N:   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// keyID names a public key by a digest of its encoding, so ID tokens can point at it.
func keyID(pub *rsa.PublicKey) string {
	sum := sha256.Sum256(x509.MarshalPKCS1PublicKey(pub))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}
