package proxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/outflowhq/outflow/internal/tracing"
	"github.com/outflowhq/outflow/outbound/apps"
)

// roundTrip sends req with the credential, refreshing once after a 401 and waiting for a
// Retry-After once, as the package documents.
func (s *session) roundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	start := time.Now()
	if err := s.load(ctx); err != nil {
		s.closeBody(req)
		return nil, err
	}
	redirected := req.Response != nil
	if !anyContains(s.patterns, req.URL) {
		if redirected {
			return s.bare(req, start)
		}
		s.closeBody(req)
		s.p.observeRequest(s.app.ID, -1, start)
		return nil, &HostNotAllowedError{AppID: s.app.ID, Origin: origin(req.URL)}
	}
	if s.cred == nil {
		if err := s.useCredential(ctx); err != nil {
			s.closeBody(req)
			s.p.observeRequest(s.app.ID, -1, start)
			return nil, err
		}
	}
	if !anyContains(s.cred.bases, req.URL) {
		if redirected {
			return s.bare(req, start)
		}
		s.closeBody(req)
		s.p.observeRequest(s.app.ID, -1, start)
		return nil, &HostNotAllowedError{AppID: s.app.ID, Origin: origin(req.URL)}
	}
	if err := s.waitBackoff(ctx, s.backoff); err != nil {
		s.closeBody(req)
		s.p.observeRequest(s.app.ID, -1, start)
		return nil, err
	}
	resp, err := s.send(req)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	s.p.observeRequest(s.app.ID, status, start)
	return resp, err
}

// send is the loop of attempts: at most one refresh after a 401 and one wait for a Retry-After.
func (s *session) send(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if s.p.traced {
		req = req.WithContext(tracing.WithCall(ctx, "proxy.request"))
	}
	body, err := s.replayable(req)
	if err != nil {
		return nil, err
	}
	refreshed, waited := false, false
	for {
		out, err := s.outgoing(req, body)
		if err != nil {
			return nil, err
		}
		resp, err := s.p.base.RoundTrip(out)
		if err != nil {
			return nil, upstreamError(ctx, s.app.ID, err, s.cred.secret)
		}
		switch {
		case resp.StatusCode == http.StatusUnauthorized && s.app.Kind == apps.KindOAuth2 && !refreshed:
			refreshed = true
			again, err := s.refreshAfter401(ctx)
			if err != nil {
				discard(resp)
				return nil, err
			}
			if again && body.replay() {
				discard(resp)
				continue
			}
		case (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) && !waited:
			d, ok := retryAfter(resp.Header.Get("Retry-After"), s.p.clock.Now())
			if !ok {
				break
			}
			waited = true
			s.recordBackoff(ctx, d)
			if body.replay() && s.mayRetry(req.Method) && s.mayWait(ctx, d) {
				discard(resp)
				if err := s.sleep(ctx, d); err != nil {
					return nil, err
				}
				continue
			}
		}
		return s.filter(resp), nil
	}
}

// useCredential takes the target's credential and back-off (cached or read) for the session.
func (s *session) useCredential(ctx context.Context) error {
	c, until, err := s.cachedCredential(ctx)
	if err != nil {
		return err
	}
	s.cred, s.backoff, s.info.ConnectionID = c, until, c.connID
	if s.app.Kind == apps.KindAPIKey {
		s.info.ConnectionID = ""
	}
	s.info.Refreshed = s.info.Refreshed || c.refreshedAt.After(s.started)
	return nil
}

// refreshAfter401 fetches the credential again, naming the token the API refused: the vault
// refreshes it, unless another caller already did. again is true when there is a new token to
// try.
func (s *session) refreshAfter401(ctx context.Context) (again bool, err error) {
	s.p.cache.drop(s.t.key())
	c, err := s.credential(ctx, s.cred.secret)
	if err != nil {
		return false, err
	}
	if c.secret == s.cred.secret {
		return false, nil
	}
	s.cred, s.info.Refreshed = c, true
	if o := s.p.opts.Observer; o != nil {
		o.ProxyRefreshed(s.app.ID)
	}
	return true, nil
}

// mayRetry: idempotent methods always; others when the target allows it.
func (s *session) mayRetry(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodTrace:
		return true
	}
	return s.t.RetryUnsafe
}

// outgoing is the request as the API gets it: the caller's request without its credentials and
// hop-by-hop headers, with the app's API headers and the connection's credential.
func (s *session) outgoing(req *http.Request, body *replayBody) (*http.Request, error) {
	// A shallow copy with a header of its own: req is never modified (place copies the URL
	// before it changes it).
	out := req.WithContext(req.Context())
	out.RequestURI = ""
	out.Header = cleanHeader(req.Header)
	for k, v := range s.app.APIHeaders {
		out.Header.Set(k, v)
	}
	out.Body, out.GetBody, out.ContentLength = body.reader(), nil, body.length(req.ContentLength)
	if out.Body == nil {
		out.Body = http.NoBody
	}
	return out, s.place(out, s.cred)
}

// bare sends a redirected request that left the API bases: no credential, no API headers.
func (s *session) bare(req *http.Request, start time.Time) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.Header = cleanHeader(req.Header)
	resp, err := s.p.base.RoundTrip(out)
	if err != nil {
		s.p.observeRequest(s.app.ID, 0, start)
		return nil, upstreamError(req.Context(), s.app.ID, err)
	}
	s.p.observeRequest(s.app.ID, resp.StatusCode, start)
	return s.filter(resp), nil
}

// filter drops what the API's answer must not pass on: Set-Cookie (unless kept).
func (s *session) filter(resp *http.Response) *http.Response {
	if !s.t.KeepSetCookie {
		resp.Header.Del("Set-Cookie")
		resp.Header.Del("Set-Cookie2")
	}
	return resp
}

func (s *session) closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// discard drains a little of a response that will not be used, so its connection can be
// reused, and closes it.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// replayBody is a request body: buffered (and so sent again as often as needed) when it fits
// within the replay limit, streamed once otherwise.
type replayBody struct {
	buf    []byte
	stream io.ReadCloser
	sent   bool
	none   bool
}

// noBody is the body of every request without one; it is never modified.
var noBody = &replayBody{none: true}

// replayable reads up to the replay limit of req's body.
func (s *session) replayable(req *http.Request) (*replayBody, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return noBody, nil
	}
	if req.ContentLength > s.p.opts.ReplayLimit {
		return &replayBody{stream: req.Body}, nil
	}
	buf, err := io.ReadAll(io.LimitReader(req.Body, s.p.opts.ReplayLimit+1))
	if err != nil {
		_ = req.Body.Close()
		return nil, errors.New("proxy: read the request body: " + err.Error())
	}
	if int64(len(buf)) > s.p.opts.ReplayLimit {
		return &replayBody{stream: readCloser{io.MultiReader(bytes.NewReader(buf), req.Body), req.Body}}, nil
	}
	_ = req.Body.Close()
	return &replayBody{buf: buf}, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// reader is the body of the next attempt.
func (b *replayBody) reader() io.ReadCloser {
	switch {
	case b.none:
		return nil
	case b.stream != nil:
		b.sent = true
		return b.stream
	}
	return io.NopCloser(bytes.NewReader(b.buf))
}

func (b *replayBody) length(declared int64) int64 {
	switch {
	case b.none:
		return 0
	case b.stream != nil:
		return declared
	}
	return int64(len(b.buf))
}

// replay reports whether the body can be sent again.
func (b *replayBody) replay() bool { return b.stream == nil }

// dropped reports whether a request header never passes: the caller's credentials
// (Authorization, Cookie) and the headers of one connection (RFC 9110 7.6.1).
func dropped(canonical string) bool {
	switch canonical {
	case "Authorization", "Cookie", "Cookie2",
		"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
		"Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

// cleanHeader copies h without the headers dropped says and those the Connection header
// names, whatever the case of their names.
func cleanHeader(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		return http.Header{}
	}
	for _, f := range h.Values("Connection") {
		for name := range strings.SplitSeq(f, ",") {
			if name = strings.TrimSpace(name); name != "" {
				out.Del(name)
			}
		}
	}
	for k := range out {
		if dropped(http.CanonicalHeaderKey(k)) {
			delete(out, k)
		}
	}
	return out
}
