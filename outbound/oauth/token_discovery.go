package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/outflowhq/outflow/outbound/apps"
)

// discoveryTTL is how long a discovery document is reused.
const discoveryTTL = time.Hour

// ErrDiscovery matches every *DiscoveryError (errors.Is): the app's discovery document could not
// be fetched, or names endpoints the vault may not use. The provider is misconfigured or down;
// an HTTP layer maps it to 502.
var ErrDiscovery = errors.New("oauth: the provider's discovery document cannot be used")

// DiscoveryError says why an app's discovery document was not used. Field is the member of the
// document at fault ("token_endpoint"), or "" when the document itself could not be fetched or
// read. It never repeats a URL from the document, which could carry credentials.
type DiscoveryError struct {
	AppID   string
	Field   string
	Problem string
	cause   error
}

func (e *DiscoveryError) Error() string {
	msg := fmt.Sprintf("oauth: discover the endpoints of app %q: %s", e.AppID, e.Message())
	if e.cause != nil {
		msg += ": " + e.cause.Error()
	}
	return msg
}

// Message says what is wrong in a sentence safe for clients, without the cause of a failed
// fetch: "the provider's discovery document's token_endpoint must use https (...)".
func (e *DiscoveryError) Message() string {
	msg := "the provider's discovery document"
	if e.Field != "" {
		msg += "'s " + e.Field
	}
	return msg + " " + e.Problem
}

// Unwrap returns ErrDiscovery and the cause of a failed fetch, if any.
func (e *DiscoveryError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrDiscovery}
	}
	return []error{ErrDiscovery, e.cause}
}

// metadataDoc holds the fields of an OpenID Connect discovery / RFC 8414 metadata document the
// vault uses.
type metadataDoc struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	RevocationEndpoint    string `json:"revocation_endpoint"`
}

// discoveryCache keeps discovery documents by URL.
type discoveryCache struct {
	mu   sync.Mutex
	docs map[string]cachedDoc
}

type cachedDoc struct {
	doc metadataDoc
	at  time.Time
}

func (d *discoveryCache) get(ctx context.Context, client *http.Client, url string, now time.Time, timeout time.Duration) (metadataDoc, error) {
	d.mu.Lock()
	c, ok := d.docs[url]
	d.mu.Unlock()
	if ok && now.Sub(c.at) < discoveryTTL {
		return c.doc, nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return metadataDoc{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return metadataDoc{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return metadataDoc{}, fmt.Errorf("discovery document: http %d", resp.StatusCode)
	}
	var doc metadataDoc
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return metadataDoc{}, fmt.Errorf("discovery document is not JSON: %w", err)
	}
	d.mu.Lock()
	if d.docs == nil {
		d.docs = map[string]cachedDoc{}
	}
	d.docs[url] = cachedDoc{doc: doc, at: now}
	d.mu.Unlock()
	return doc, nil
}

// fillFrom returns ep with its empty endpoints taken from the discovery document md. Every
// endpoint taken must pass the same URL rules as the app's own settings; the first that does
// not makes the whole document unusable.
func (ep endpointsOf) fillFrom(md metadataDoc, appID string) (endpointsOf, error) {
	for _, f := range []struct {
		dst         *string
		src, member string
		check       func(string) string
	}{
		{&ep.authorization, md.AuthorizationEndpoint, "authorization_endpoint", apps.CheckURL},
		{&ep.token, md.TokenEndpoint, "token_endpoint", apps.CheckURL},
		{&ep.revocation, md.RevocationEndpoint, "revocation_endpoint", apps.CheckURL},
		{&ep.issuer, md.Issuer, "issuer", apps.CheckIssuer},
	} {
		if *f.dst != "" || f.src == "" {
			continue
		}
		if msg := f.check(f.src); msg != "" {
			return ep, &DiscoveryError{AppID: appID, Field: f.member, Problem: msg}
		}
		*f.dst = f.src
	}
	return ep, nil
}
