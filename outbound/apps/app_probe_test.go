package apps

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const probeKey = "key-7f3a9c-do-not-leak"

// probeApp builds a valid apikey app whose probe is configured by p, against baseURL.
func probeApp(t *testing.T, baseURL string, p ProbePatch, fields ...ConnectionField) App {
	t.Helper()
	a, err := NewApp(AppPatch{
		ID: ptr("probe-test"), Kind: ptr(KindAPIKey), Name: ptr("Probe test"),
		APIKey: &APIKeyPatch{Label: ptr("Test key"), BaseURL: ptr(baseURL), Fields: &fields, Probe: &p},
	})
	if err != nil {
		t.Fatalf("probe app: %v", err)
	}
	return a
}

// recorder is a fake third-party API that remembers the last request it saw.
type recorder struct {
	mu   sync.Mutex
	last *http.Request
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.last = req.Clone(req.Context())
	r.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (r *recorder) seen() *http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

func TestProbeRequestPlacesTheKey(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	account := ConnectionField{Name: "accountSid", Label: "Account SID", Required: true}

	tests := []struct {
		name   string
		probe  ProbePatch
		fields map[string]string
		check  func(t *testing.T, r *http.Request)
	}{
		{"bearer", ProbePatch{Path: ptr("/v1/models")}, nil, func(t *testing.T, r *http.Request) {
			if got := r.Header.Get("Authorization"); got != "Bearer "+probeKey {
				t.Errorf("Authorization = %q", got)
			}
		}},
		{"header with static headers", ProbePatch{
			Path: ptr("/v1/models"), KeyIn: ptr(KeyInHeader), HeaderName: ptr("x-api-key"),
			Headers: map[string]*string{"anthropic-version": ptr("2023-06-01")},
		}, nil, func(t *testing.T, r *http.Request) {
			if r.Header.Get("X-Api-Key") != probeKey || r.Header.Get("Anthropic-Version") != "2023-06-01" || r.Header.Get("Authorization") != "" {
				t.Errorf("headers = %v", r.Header)
			}
		}},
		{"query keeps the path's own query", ProbePatch{
			Path: ptr("/v1/domains?limit=1"), KeyIn: ptr(KeyInQuery), QueryParam: ptr("api_key"),
		}, nil, func(t *testing.T, r *http.Request) {
			if q := r.URL.Query(); q.Get("api_key") != probeKey || q.Get("limit") != "1" {
				t.Errorf("query = %v", q)
			}
		}},
		{"basic with a literal user name", ProbePatch{
			Path: ptr("/v3/domains"), KeyIn: ptr(KeyInBasic), BasicUsername: ptr("api"),
		}, nil, func(t *testing.T, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != "api" || p != probeKey {
				t.Errorf("basic = %q %q %v", u, p, ok)
			}
		}},
		{"basic with a field as user name and in the path", ProbePatch{
			Path: ptr("/2010-04-01/Accounts/{accountSid}.json"), KeyIn: ptr(KeyInBasic), BasicUsername: ptr("{accountSid}"),
		}, map[string]string{"accountSid": "AC123"}, func(t *testing.T, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != "AC123" || p != probeKey {
				t.Errorf("basic = %q %q %v", u, p, ok)
			}
			if r.URL.Path != "/2010-04-01/Accounts/AC123.json" {
				t.Errorf("path = %s", r.URL.Path)
			}
		}},
		{"basic without user name sends the key as user", ProbePatch{
			Path: ptr("/v1/balance"), KeyIn: ptr(KeyInBasic),
		}, nil, func(t *testing.T, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != probeKey || p != "" {
				t.Errorf("basic = %q %q %v", u, p, ok)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := probeApp(t, srv.URL, tc.probe, account)
			req, err := a.ProbeRequest(t.Context(), probeKey, tc.fields)
			if err != nil {
				t.Fatalf("ProbeRequest: %v", err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if !a.APIKey.Probe.Accepts(resp.StatusCode) {
				t.Errorf("status %d not accepted", resp.StatusCode)
			}
			tc.check(t, rec.seen())
		})
	}
}

func TestProbeFieldsCannotChangeTheHost(t *testing.T) {
	t.Parallel()
	a := probeApp(t, "https://api.acme.example/base", ProbePatch{Path: ptr("/v1/{account}/check")},
		ConnectionField{Name: "account", Label: "Account"})
	hostile := []string{
		"evil.example", "@evil.example", "x/../../admin", "//evil.example/x", "https://evil.example",
		"a?b=c#frag", "a%2F..%2Fb", "x:y@evil.example", "\\evil.example", "a b",
	}
	for _, v := range hostile {
		req, err := a.ProbeRequest(t.Context(), probeKey, map[string]string{"account": v})
		if err != nil {
			t.Errorf("value %q: %v", v, err)
			continue
		}
		u := req.URL
		if u.Scheme != "https" || u.Host != "api.acme.example" || u.User != nil || u.Fragment != "" {
			t.Errorf("value %q sends the probe to %s", v, u)
		}
		if !strings.HasPrefix(u.EscapedPath(), "/base/v1/") || !strings.HasSuffix(u.EscapedPath(), "/check") {
			t.Errorf("value %q escaped the path: %s", v, u.EscapedPath())
		}
		if strings.Count(u.EscapedPath(), "/") != 4 {
			t.Errorf("value %q added a path segment: %s", v, u.EscapedPath())
		}
		if got, _ := url.PathUnescape(strings.Split(u.EscapedPath(), "/")[3]); got != v {
			t.Errorf("value %q arrived as %q", v, got)
		}
	}
	for _, v := range []string{".", ".."} {
		if _, err := a.ProbeRequest(t.Context(), probeKey, map[string]string{"account": v}); err == nil {
			t.Errorf("dot segment %q accepted", v)
		}
	}
}

func TestProbeTowardAnotherHostIsRefused(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"https://evil.example/v1/models", "//evil.example/v1/models", "http:/evil.example"} {
		_, err := NewApp(AppPatch{
			ID: ptr("acme-ai"), Kind: ptr(KindAPIKey), Name: ptr("Acme AI"),
			APIKey: &APIKeyPatch{Label: ptr("Key"), BaseURL: ptr("https://api.acme.example"), Probe: &ProbePatch{Path: ptr(path)}},
		})
		if msg := problemsOf(t, err)["apiKey.probe.path"]; !strings.Contains(msg, "not a URL") {
			t.Errorf("path %q: message %q", path, msg)
		}
	}
	// Even an app built by hand, skipping validation, cannot leave its host.
	a := validAPIKey(t)
	a.APIKey.Probe.Path = "//evil.example/v1"
	a.APIKey.Probe.Headers = map[string]string{"Host": "evil.example"}
	req, err := a.ProbeRequest(t.Context(), probeKey, map[string]string{"account": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if req.URL.Host != "api.acme.example" || req.Host != "api.acme.example" || req.Header.Get("Host") != "" {
		t.Errorf("hand-built app probes %s (Host %q, header %q)", req.URL, req.Host, req.Header.Get("Host"))
	}
}

func TestProbeRequestErrorsNeverContainTheKey(t *testing.T) {
	t.Parallel()
	a := validAPIKey(t)
	_, err := a.ProbeRequest(t.Context(), probeKey, nil) // the path needs {account}
	if err == nil || !strings.Contains(err.Error(), `missing connection field "account"`) {
		t.Errorf("err = %v", err)
	}
	if strings.Contains(err.Error(), probeKey) {
		t.Errorf("error shows the key: %v", err)
	}
	if _, err := a.ProbeRequest(t.Context(), "bad\nkey", map[string]string{"account": "x"}); err == nil || strings.Contains(err.Error(), "bad") {
		t.Errorf("control characters in key: err %v", err)
	}
	o := validOAuth2(t)
	if _, err := o.ProbeRequest(t.Context(), probeKey, nil); !errors.Is(err, ErrNoProbe) {
		t.Errorf("oauth2 app: err %v, want ErrNoProbe", err)
	}
}

func TestProbeAcceptsAndTimeout(t *testing.T) {
	t.Parallel()
	p := &Probe{}
	if !p.Accepts(204) || p.Accepts(401) || p.Accepts(302) || p.Timeout() != 5*time.Second {
		t.Errorf("defaults: accepts 204 %v 401 %v 302 %v timeout %v", p.Accepts(204), p.Accepts(401), p.Accepts(302), p.Timeout())
	}
	p = &Probe{ValidStatuses: []int{200, 403}, TimeoutSeconds: 2}
	if !p.Accepts(403) || p.Accepts(201) || p.Timeout() != 2*time.Second {
		t.Errorf("explicit: accepts 403 %v 201 %v timeout %v", p.Accepts(403), p.Accepts(201), p.Timeout())
	}
}
