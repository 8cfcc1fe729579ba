package proxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/store/storetest"
)

// echo answers with what the API received: its credential header, and the headers a test names.
func echo(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: "session", Value: "api-session"})
	w.Header().Set("X-Seen-Auth", r.Header.Get("Authorization"))
	for _, h := range []string{"Cookie", "X-Drop-Me", "Keep-Alive", "Crm-Version", "X-Custom"} {
		if v := r.Header.Get(h); v != "" {
			w.Header().Set("X-Seen-"+h, v)
		}
	}
	body, _ := io.ReadAll(r.Body)
	_, _ = io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" "+string(body))
}

func TestRequestCarriesTheTokenAndTheAppHeadersOnly(t *testing.T) {
	t.Parallel()
	f := setup(t, http.HandlerFunc(echo))
	f.connect(t, "at-first", time.Hour)
	req, _ := http.NewRequest(http.MethodPost, f.api.URL+"/v1/contacts?q=a%20b", strings.NewReader(`{"n":1}`))
	req.Header.Set("Authorization", "Bearer caller-own-key")
	req.Header.Set("Cookie", "caller=1")
	req.Header.Set("Connection", "X-Drop-Me")
	req.Header.Set("X-Drop-Me", "1")
	req.Header.Set("Keep-Alive", "timeout=5")
	req.Header.Set("X-Custom", "kept")
	resp, err := f.proxy.Client(aliceAt).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	h := resp.Header
	if got := h.Get("X-Seen-Auth"); got != "Bearer at-first" {
		t.Errorf("the API saw Authorization %q, want the connection's token", got)
	}
	for _, gone := range []string{"X-Seen-Cookie", "X-Seen-X-Drop-Me", "X-Seen-Keep-Alive"} {
		if h.Get(gone) != "" {
			t.Errorf("the API received the caller's %s", strings.TrimPrefix(gone, "X-Seen-"))
		}
	}
	if h.Get("X-Seen-Crm-Version") != "2026-01" || h.Get("X-Seen-X-Custom") != "kept" {
		t.Errorf("app header or caller header missing: %v", h)
	}
	if h.Get("Set-Cookie") != "" {
		t.Errorf("the API's Set-Cookie passed through: %q", h.Get("Set-Cookie"))
	}
	if string(body) != `POST /v1/contacts?q=a%20b {"n":1}` {
		t.Errorf("the API received %q", body)
	}
}

func TestKeepSetCookiePassesItThrough(t *testing.T) {
	t.Parallel()
	f := setup(t, http.HandlerFunc(echo))
	f.connect(t, "at-first", time.Hour)
	target := aliceAt
	target.KeepSetCookie = true
	resp, err := f.proxy.Client(target).Get(f.api.URL + "/v1/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Set-Cookie") == "" {
		t.Error("KeepSetCookie dropped the API's Set-Cookie")
	}
}

// The API refuses the first token: the proxy refreshes once and sends the request, body
// included, again with the new token.
func TestUnauthorizedRefreshesOnceAndRetries(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	f := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization")+" "+string(body))
		mu.Unlock()
		if r.Header.Get("Authorization") == "Bearer at-revoked" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	f.connect(t, "at-revoked", time.Hour)
	resp, err := f.proxy.Client(aliceAt).Post(f.api.URL+"/v1/contacts", "application/json", strings.NewReader(`{"name":"Ada"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || f.provider.calls.Load() != 1 {
		t.Fatalf("status %d after %d refreshes; want 200 after 1", resp.StatusCode, f.provider.calls.Load())
	}
	if len(seen) != 2 || !strings.HasSuffix(seen[1], ` {"name":"Ada"}`) || strings.Contains(seen[1], "at-revoked") {
		t.Errorf("the API saw %d requests (%q); want the retry with the new token and the same body", len(seen), seen)
	}
}

// A 401 for a body too large to replay refreshes the token but answers the 401: the request
// cannot be sent again.
func TestUnauthorizedWithAStreamedBodyIsNotRetried(t *testing.T) {
	t.Parallel()
	f := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Header.Get("Authorization") == "Bearer at-revoked" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	f.connect(t, "at-revoked", time.Hour)
	big := strings.NewReader(strings.Repeat("x", DefaultReplayLimit+10))
	resp, err := f.proxy.Client(aliceAt).Post(f.api.URL+"/v1/upload", "text/plain", io.NopCloser(big))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || f.provider.calls.Load() != 1 {
		t.Errorf("status %d, %d refreshes; want the 401 and one refresh for the next request", resp.StatusCode, f.provider.calls.Load())
	}
}

// Fifty requests across four instances find the token expired: the provider sees one refresh.
func TestExpiredTokenAcrossInstancesRefreshesOnce(t *testing.T) {
	t.Parallel()
	f := setup(t, http.HandlerFunc(echo))
	f.connect(t, "at-expired", -time.Minute)
	f.burst(t, 50, 4)
}

// Fifty requests across four instances get a 401 for a token the vault still thinks valid: one
// refresh at the provider, and every request succeeds on its retry.
func TestUnauthorizedBurstAcrossInstancesRefreshesOnce(t *testing.T) {
	t.Parallel()
	f := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer at-revoked" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	f.connect(t, "at-revoked", time.Hour)
	f.burst(t, 50, 4)
}

// TestBurstOnRealRedis is the burst of 401s on a real Redis, when one is configured.
func TestBurstOnRealRedis(t *testing.T) {
	t.Parallel()
	f := setupOn(t, storetest.Real(t), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer at-revoked" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	f.connect(t, "at-revoked", time.Hour)
	f.burst(t, 50, 4)
}

func (f *fixture) burst(t *testing.T, requests, instances int) {
	t.Helper()
	ins := []*instance{f.instance}
	for len(ins) < instances {
		ins = append(ins, f.newInstance(t, f.clock))
	}
	var wg sync.WaitGroup
	errs := make(chan error, requests)
	start := make(chan struct{})
	for i := range requests {
		in := ins[i%len(ins)]
		wg.Go(func() {
			<-start
			resp, err := in.proxy.Client(aliceAt).Get(f.api.URL + "/v1/contacts")
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs <- errors.New(resp.Status)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("request failed: %v", err)
	}
	if n := f.provider.calls.Load(); n != 1 {
		t.Errorf("%d refreshes at the provider for %d requests across %d instances; want 1", n, requests, instances)
	}
}

// A redirect out of the API bases is followed without the credential or the app's headers.
func TestRedirectOffBaseLosesTheCredential(t *testing.T) {
	t.Parallel()
	var other http.Header
	elsewhere := httptestServer(t, func(w http.ResponseWriter, r *http.Request) { other = r.Header.Clone() })
	f := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/moved" {
			http.Redirect(w, r, "/v1/here", http.StatusFound)
			return
		}
		if r.URL.Path == "/v1/away" {
			http.Redirect(w, r, elsewhere+"/file", http.StatusTemporaryRedirect)
			return
		}
		w.Header().Set("X-Seen-Auth", r.Header.Get("Authorization"))
	}))
	f.connect(t, "at-first", time.Hour)
	if _, _, h := get(t, f.instance, f.api.URL+"/v1/moved"); h.Get("X-Seen-Auth") != "Bearer at-first" {
		t.Errorf("a redirect within the base lost the credential: %q", h.Get("X-Seen-Auth"))
	}
	status, _, _ := get(t, f.instance, f.api.URL+"/v1/away")
	if status != http.StatusOK || other == nil {
		t.Fatalf("the redirect to another host was not followed (status %d)", status)
	}
	if other.Get("Authorization") != "" || other.Get("Crm-Version") != "" {
		t.Errorf("the other host received the credential or the app's headers: %v", other)
	}
}

// A request outside the API bases is refused before any credential is looked up: not one Redis
// command is sent.
func TestHostOutsideTheBasesNeverTouchesRedis(t *testing.T) {
	t.Parallel()
	f := setup(t, http.HandlerFunc(echo))
	f.connect(t, "at-first", time.Hour)
	get(t, f.instance, f.api.URL+"/v1/warm") // loads the app into the registry's cache
	count := storetest.CountRoundTrips(f.s)
	for _, u := range []string{
		"https://evil.example.com/v1/contacts",
		f.api.URL + "/v2/contacts",     // outside the path prefix
		f.api.URL + "/v1/../admin",     // climbs out of it
		f.api.URL + "/v1/%2e%2e/admin", // encoded
		strings.Replace(f.api.URL, "http://", "http://user:pw@", 1) + "/v1/x",
	} {
		count.Reset()
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.proxy.Transport(aliceAt).RoundTrip(req)
		if !errors.Is(err, ErrHostNotAllowed) {
			t.Errorf("%s: error %v, want ErrHostNotAllowed", u, err)
		}
		if n := count.Count(); n != 0 {
			t.Errorf("%s: %d Redis round trips before the refusal; want none", u, n)
		}
		if err != nil && strings.Contains(err.Error(), "at-first") {
			t.Errorf("the refusal names the token: %v", err)
		}
	}
}

// A 429 with Retry-After seen by one instance makes another wait before it calls the API.
func TestRetryAfterIsSharedAcrossInstances(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	limited := true
	calls := 0
	f := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if limited {
			limited = false
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	f.connect(t, "at-first", time.Hour)
	target := aliceAt
	resp, err := f.proxy.Client(target).Post(f.api.URL+"/v1/send", "text/plain", strings.NewReader("hi"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("a POST limited by the API: %d; want its 429 with Retry-After, not a retry", resp.StatusCode)
	}
	other := f.newInstance(t, clockAt(epoch))
	status, _, _ := get(t, other, f.api.URL+"/v1/list")
	if status != http.StatusOK {
		t.Fatalf("the other instance's request: %d", status)
	}
	if sl := other.clock.Sleeps(); len(sl) != 1 || sl[0] != 2*time.Second {
		t.Errorf("the other instance slept %v before calling the API; want 2s", sl)
	}
	if calls != 2 {
		t.Errorf("the API saw %d calls; want 2", calls)
	}
}

// A GET limited with a Retry-After within the cap waits and is sent again; one past the cap
// answers the API's 429, and the next request fails at once with a *RateLimitedError.
func TestRetryAfterCap(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	answers := []string{"1", "", "60"} // "" answers 200
	f := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if len(answers) > 0 && r.URL.Path == "/v1/limited" {
			a := answers[0]
			answers = answers[1:]
			if a != "" {
				w.Header().Set("Retry-After", a)
				w.WriteHeader(http.StatusTooManyRequests)
			}
		}
	}))
	f.connect(t, "at-first", time.Hour)
	if status, _, _ := get(t, f.instance, f.api.URL+"/v1/limited"); status != http.StatusOK {
		t.Fatalf("a GET limited for 1s: %d after waiting; want 200", status)
	}
	if status, _, h := get(t, f.instance, f.api.URL+"/v1/limited"); status != http.StatusTooManyRequests || h.Get("Retry-After") != "60" {
		t.Fatalf("a GET limited for 60s: %d; want the API's 429", status)
	}
	_, err := f.proxy.Client(aliceAt).Get(f.api.URL + "/v1/other")
	var rl *RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAt.Sub(f.clock.Now()) < 59*time.Second {
		t.Errorf("a request during the 60s back-off: %v; want a *RateLimitedError", err)
	}
}

func TestUpstreamErrorsAreClassified(t *testing.T) {
	t.Parallel()
	f := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
	}))
	f.connect(t, "at-first", time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.api.URL+"/v1/slow", nil)
	_, err := f.proxy.Transport(aliceAt).RoundTrip(req)
	if !errors.Is(err, ErrUpstreamTimeout) {
		t.Errorf("a slow API: %v; want ErrUpstreamTimeout", err)
	}
	f.api.Close()
	req, _ = http.NewRequest(http.MethodGet, f.api.URL+"/v1/gone", nil)
	_, err = f.proxy.Transport(aliceAt).RoundTrip(req)
	if !errors.Is(err, ErrUpstreamUnreachable) || strings.Contains(err.Error(), "at-first") {
		t.Errorf("an API that is down: %v; want ErrUpstreamUnreachable without the token", err)
	}
}

func TestNotConnectedIsTheVaultsError(t *testing.T) {
	t.Parallel()
	f := setup(t, http.HandlerFunc(echo))
	_, err := f.proxy.Client(Target{AppID: "crm", UserID: "bob"}).Get(f.api.URL + "/v1/x")
	if err == nil || !strings.Contains(err.Error(), "not connected") {
		t.Errorf("a request for an owner without a connection: %v", err)
	}
}

// The access token goes in Authorization under the scheme of its token type: a provider's
// lower-case "bearer" as Bearer, and another type as the provider named it.
func TestTheTokenTypeNamesTheAuthorizationScheme(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ tokenType, want string }{
		{"", "Bearer at-typed"}, {"bearer", "Bearer at-typed"}, {"BEARER", "Bearer at-typed"}, {"DPoP", "DPoP at-typed"},
	} {
		f := setup(t, http.HandlerFunc(echo))
		if _, err := f.vault.Import(context.Background(), oauth.ImportRequest{
			AppID: "crm", Owner: alice, AccessToken: "at-typed", TokenType: c.tokenType, RefreshToken: f.provider.mint("rt"),
			ExpiresAt: f.clock.Now().Add(time.Hour),
		}); err != nil {
			t.Fatal(err)
		}
		resp, err := f.proxy.Client(aliceAt).Get(f.api.URL + "/v1/contacts")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("X-Seen-Auth"); got != c.want {
			t.Errorf("token type %q: the API saw Authorization %q; want %q", c.tokenType, got, c.want)
		}
	}
}
