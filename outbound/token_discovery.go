package outbound

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// discoveryTTL is how long a discovery document is reused.
const discoveryTTL = time.Hour

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
