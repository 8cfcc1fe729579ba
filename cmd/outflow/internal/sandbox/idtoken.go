package sandbox

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// idTokenClaims are the OpenID Connect ID token claims the sandbox issues.
type idTokenClaims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience []string `json:"aud"`
	Expires  int64    `json:"exp"`
	IssuedAt int64    `json:"iat"`
	AuthTime int64    `json:"auth_time"`
	Nonce    string   `json:"nonce,omitempty"`
}

// signIDToken returns a compact JWS (RS256) ID token for the grant's user and client, signed
// with the key published at /.well-known/jwks.json.
func (p *Provider) signIDToken(g *grant, nonce string, now time.Time) (string, error) {
	key, err := p.signing()
	if err != nil {
		return "", err
	}
	header, err := json.Marshal(map[string]string{"alg": "RS256", "kid": key.id, "typ": "JWT"})
	if err != nil {
		return "", err
	}
	claims, err := json.Marshal(idTokenClaims{
		Issuer: p.Issuer(), Subject: g.subject, Audience: []string{g.clientID},
		Expires: now.Add(time.Hour).Unix(), IssuedAt: now.Unix(), AuthTime: now.Unix(), Nonce: nonce,
	})
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	signed := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key.private, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signed + "." + enc.EncodeToString(sig), nil
}

// signingKey is the provider's RSA key and the id that names it in the JWKS.
type signingKey struct {
	private *rsa.PrivateKey
	id      string
}

func newSigningKey() (signingKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return signingKey{}, fmt.Errorf("sandbox provider: generate signing key: %w", err)
	}
	return signingKey{private: k, id: keyID(&k.PublicKey)}, nil
}
