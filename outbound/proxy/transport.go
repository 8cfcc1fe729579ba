package proxy

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/outflowhq/outflow/outbound/apps"
)

// Transport returns an http.RoundTripper that sends each request with t's credential. Give it
// to any Go SDK that takes an *http.Client (or use Client). A request to a URL outside the
// app's API bases fails with a *HostNotAllowedError before any credential is looked up; when
// the client follows a redirect out of them, the next request goes without the credential.
func (p *Proxy) Transport(t Target) http.RoundTripper { return &transport{p: p, t: t} }

// Client returns an *http.Client using Transport(t). It follows up to ten redirects and keeps no
// cookies.
func (p *Proxy) Client(t Target) *http.Client {
	return &http.Client{Transport: p.Transport(t)}
}

type transport struct {
	p *Proxy
	t Target
}

// RoundTrip sends one request (see Proxy.Transport). It does not modify req.
func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	s := sessionOf(req.Context())
	if s == nil || s.t.AppID != tr.t.AppID {
		s = &session{p: tr.p, t: tr.t}
	}
	return s.roundTrip(req)
}

// Info tells what a request did with its connection.
type Info struct {
	// ConnectionID is the connection whose credential was used ("" for an API key).
	ConnectionID string
	// Refreshed is true when the token was refreshed during the request (after a 401, or
	// because it was due).
	Refreshed bool
}

// session is one request as the caller sees it, with its redirects and retries: the app, its
// base patterns and, once fetched, the credential.
type session struct {
	p        *Proxy
	t        Target
	app      *apps.App
	patterns []apps.APIBase
	cred     *credential
	backoff  time.Time
	info     Info
	started  time.Time
}

type sessionKey struct{}

func sessionOf(ctx context.Context) *session {
	s, _ := ctx.Value(sessionKey{}).(*session)
	return s
}

// load reads the app (from the registry's cache) and its base patterns, once.
func (s *session) load(ctx context.Context) error {
	if s.app != nil {
		return nil
	}
	if s.started.IsZero() {
		s.started = s.p.clock.Now()
	}
	if a, ok := s.p.apps.get(s.t.AppID, s.started, s.p.opts.CredentialTTL); ok {
		s.app, s.patterns = a.app, a.patterns
		s.tenantBases(ctx)
		return nil
	}
	app, err := s.p.opts.Apps.Get(ctx, s.t.AppID)
	if err != nil {
		return err
	}
	s.app, s.patterns = &app, appPatterns(&app)
	s.p.apps.put(s.t.AppID, loadedApp{app: s.app, patterns: s.patterns, at: s.started})
	s.tenantBases(ctx)
	return nil
}

// tenantBases adds, for a target with a tenant id, the API bases of its tenant's own settings
// (a tenant's own instance of the provider). Which of them a token may go to is the
// connection's affair (see oauthBases). Settings that cannot be read leave the app's bases.
func (s *session) tenantBases(ctx context.Context) {
	if s.t.TenantID == "" || s.app.Kind != apps.KindOAuth2 {
		return
	}
	own, tc, err := s.p.opts.Apps.ForTenant(ctx, *s.app, s.t.TenantID)
	if err != nil || tc.Revision == 0 {
		return
	}
	s.patterns = append(slices.Clone(s.patterns), appPatterns(&own)...)
}
