package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Forward is a request for a path under one of an app's API bases, as an HTTP proxy receives
// it: the server's /v1/proxy/{appId}/{path...} route, for one.
type Forward struct {
	Target
	// Base names one of the app's API bases (App.APIBaseURLs, or the connection's own); empty
	// picks the first (the connection's own, with App.APIBaseURLFrom).
	Base string
	// Method, Path (escaped, relative to the base) and RawQuery make the URL under the base.
	Method   string
	Path     string
	RawQuery string
	// Header is sent without the caller's credentials and hop-by-hop headers.
	Header http.Header
	// Body streams to the API; ContentLength is its length, or -1 when unknown.
	Body          io.ReadCloser
	ContentLength int64
}

// Forward sends f with its target's credential, following redirects as Client does, and returns
// the API's answer with what was done with the connection. A Base that is not one of the app's
// fails with a *HostNotAllowedError before any credential is looked up.
func (p *Proxy) Forward(ctx context.Context, f Forward) (*http.Response, Info, error) {
	s := &session{p: p, t: f.Target}
	if err := s.load(ctx); err != nil {
		closeBody(f.Body)
		return nil, Info{}, err
	}
	if err := s.checkBase(f.Base); err != nil {
		closeBody(f.Body)
		p.observeRequest(s.app.ID, -1, s.started)
		return nil, Info{}, err
	}
	if err := s.useCredential(ctx); err != nil {
		closeBody(f.Body)
		return nil, Info{}, err
	}
	b, ok := pick(s.cred.bases, f.Base)
	if !ok {
		closeBody(f.Body)
		return nil, s.info, &HostNotAllowedError{AppID: s.app.ID, Origin: strings.TrimSpace(f.Base)}
	}
	raw := b.String() + "/" + strings.TrimPrefix(f.Path, "/")
	if f.RawQuery != "" {
		raw += "?" + f.RawQuery
	}
	req, err := http.NewRequestWithContext(context.WithValue(ctx, sessionKey{}, s), f.Method, raw, f.Body)
	if err != nil {
		closeBody(f.Body)
		return nil, s.info, fmt.Errorf("proxy: app %q: the method or path is not valid", s.app.ID)
	}
	req.Header = f.Header
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.ContentLength = f.ContentLength
	if f.Body == nil {
		req.ContentLength = 0
	}
	client := &http.Client{Transport: &transport{p: p, t: f.Target}}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, s.info, err
	}
	return resp, s.info, nil
}

// checkBase refuses, before any credential is looked up, a named base that no base pattern of the
// app covers, and an app without bases.
func (s *session) checkBase(want string) error {
	if len(s.patterns) == 0 {
		return fmt.Errorf("proxy: app %q: %w: it has no apiBaseUrls", s.app.ID, ErrNoBase)
	}
	if want == "" {
		return nil
	}
	u, err := url.Parse(strings.TrimSpace(want))
	if err != nil || !anyContains(s.patterns, u) || u.RawQuery != "" || u.Fragment != "" {
		return &HostNotAllowedError{AppID: s.app.ID, Origin: origin(u)}
	}
	return nil
}

func closeBody(b io.ReadCloser) {
	if b != nil {
		_ = b.Close()
	}
}
