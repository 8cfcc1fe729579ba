package server

import (
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/proxy"
)

// Headers of the request proxy. The caller names the connection with the Outflow-* request
// headers (never forwarded); the answer carries the connection used and whether its token was
// refreshed.
const (
	headerUserID       = "Outflow-User-Id"
	headerTenantID     = "Outflow-Tenant-Id"
	headerExternalID   = "Outflow-External-Id"
	headerConnectionID = "Outflow-Connection-Id"
	headerBaseURL      = "Outflow-Base-Url"
	headerScopes       = "Outflow-Scopes"
	headerRetryUnsafe  = "Outflow-Retry-Unsafe"
	headerKeepCookies  = "Outflow-Keep-Set-Cookie"
	headerRefreshed    = "Outflow-Refreshed"
)

// proxyMethods are the methods the request proxy serves (GET serves HEAD too).
var proxyMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// proxyRoutes registers /v1/proxy/{appId}/{path...} for every method: the request goes to path
// under the app's API base with the chosen connection's credential. It needs a management key
// and is left out when the server has no Proxy.
func (s *Server) proxyRoutes() {
	if s.opts.Proxy == nil {
		return
	}
	for _, m := range proxyMethods {
		s.handle(m+" /v1/proxy/{appId}/{path...}", s.management(s.proxyRequest))
	}
}

func (s *Server) proxyRequest(w http.ResponseWriter, r *http.Request) {
	h := r.Header
	f := proxy.Forward{
		Target: proxy.Target{
			AppID: r.PathValue("appId"), UserID: h.Get(headerUserID), TenantID: h.Get(headerTenantID),
			ExternalID: h.Get(headerExternalID), ConnectionID: h.Get(headerConnectionID),
			Scopes:      strings.Fields(strings.ReplaceAll(h.Get(headerScopes), ",", " ")),
			RetryUnsafe: h.Get(headerRetryUnsafe) == "true", KeepSetCookie: h.Get(headerKeepCookies) == "true",
		},
		Base: h.Get(headerBaseURL), Method: r.Method, Path: proxyPath(r), RawQuery: r.URL.RawQuery,
		Header: forwardHeader(h), Body: r.Body, ContentLength: r.ContentLength,
	}
	if f.UserID == "" && f.TenantID == "" {
		s.fail(w, r, errInvalid(map[string]string{headerUserID: "set " + headerUserID + " or " + headerTenantID + " to choose whose connection to use"}))
		return
	}
	rc := http.NewResponseController(w)
	// A body streams as long as it takes; the wait for the API's answer is bounded by the proxy
	// (proxy.Options.ResponseTimeout), and each write of the answer pushes its own deadline on.
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	resp, info, err := s.opts.Proxy.Forward(r.Context(), f)
	if err != nil {
		s.failProxy(w, r, err)
		return
	}
	defer resp.Body.Close()
	out := w.Header()
	for k, v := range resp.Header {
		if !strings.HasPrefix(k, "Outflow-") { // only the server speaks for Outflow
			out[k] = v
		}
	}
	dropHopByHop(out)
	if info.ConnectionID != "" {
		out.Set(headerConnectionID, info.ConnectionID)
	}
	if info.Refreshed {
		out.Set(headerRefreshed, "true")
	}
	w.WriteHeader(resp.StatusCode)
	s.stream(w, rc, resp)
}

// stream copies the API's answer to the client as it arrives: each write pushes the write
// deadline on, and an answer of unknown length is flushed at once (server-sent events, long
// polls).
func (s *Server) stream(w http.ResponseWriter, rc *http.ResponseController, resp *http.Response) {
	flush := resp.ContentLength < 0
	bp := streamBuffers.Get().(*[]byte)
	defer streamBuffers.Put(bp)
	buf := *bp
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			_ = rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
			if _, err := w.Write(buf[:n]); err != nil {
				return
			}
			if flush {
				_ = rc.Flush()
			}
		}
		if rerr != nil {
			if !errors.Is(rerr, io.EOF) {
				panic(http.ErrAbortHandler) // the client must see a cut answer, not a complete one
			}
			return
		}
	}
}

// streamBuffers are the buffers answers are copied through.
var streamBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// proxyPath is the escaped path after /v1/proxy/{appId}/, as the client sent it (encoded
// slashes stay encoded).
func proxyPath(r *http.Request) string {
	rest, _ := strings.CutPrefix(r.URL.EscapedPath(), "/v1/proxy/")
	_, path, _ := strings.Cut(rest, "/")
	return path
}

// forwardHeader is the caller's header without the Outflow-* ones (the management key in
// Authorization is dropped by the proxy with every other credential).
func forwardHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		if !strings.HasPrefix(k, "Outflow-") {
			out[k] = v
		}
	}
	return out
}

// dropHopByHop removes from an answer's header the hop-by-hop headers and those its Connection
// header names.
func dropHopByHop(h http.Header) {
	for _, f := range h.Values("Connection") {
		for _, name := range strings.Split(f, ",") {
			h.Del(strings.TrimSpace(name))
		}
	}
	for _, name := range []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Te", "Trailer", "Transfer-Encoding", "Upgrade"} {
		h.Del(name)
	}
}

// failProxy answers a request the proxy could not send: the connection errors as a token fetch
// answers them (with the connect body that fixes them), a missing API key as not_connected, and
// a back-off past the cap as 429 with Retry-After.
func (s *Server) failProxy(w http.ResponseWriter, r *http.Request, err error) {
	var rl *proxy.RateLimitedError
	switch {
	case errors.As(err, &rl):
		w.Header().Set("Retry-After", retryAfterSeconds(rl.RetryAt, s.clock.Now()))
	case errors.Is(err, apikeys.ErrKeyNotFound):
		s.fail(w, r, errNotConnected)
		return
	}
	s.failFetch(w, r, err)
}

var errNotConnected = &httpError{status: http.StatusNotFound, body: apiError{Code: "not_connected",
	Message: "this owner has no API key for the app; collect one with an apikey.collect flow or POST /v1/apikeys"}}

// retryAfterSeconds is a Retry-After value for at: whole seconds from now, at least 1.
func retryAfterSeconds(at, now time.Time) string {
	return strconv.Itoa(max(int(math.Ceil(at.Sub(now).Seconds())), 1))
}
