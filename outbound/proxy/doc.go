// Package proxy makes requests to an app's own API with a connection's credential, without the
// credential ever leaving the process: the OAuth access token (from the token vault) or the API
// key (from the key store) is attached to the outgoing request only, and only when the request
// goes to one of the app's API bases (App.APIBaseURLs, or the connection's own base named by
// App.APIBaseURLFrom). A request anywhere else is refused before any credential is looked up.
//
// A 401 from the API refreshes the token once, through the vault's single-flight refresh (a burst
// of 401s across processes costs the provider one refresh), and the request is sent again when
// its body can be replayed. A 429 or 503 with Retry-After is recorded for the connection in
// Redis, so every process sharing it waits, up to a cap, before calling the API again. Bodies
// stream both ways; the caller's Authorization, Cookie and hop-by-hop headers never pass, and
// the API's Set-Cookie is dropped.
//
// Use it from Go with Proxy.Client or Proxy.Transport (any SDK that takes an *http.Client), over
// HTTP through the server's /v1/proxy routes, or in flows with the http.request action.
package proxy
