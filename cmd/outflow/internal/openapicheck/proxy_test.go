package openapicheck

import (
	"io"
	"net/http"
	"testing"
)

// TestProxyAnswersMatchTheOpenAPIDocument drives /v1/proxy/{appId}/{path...} of `outflow serve
// --demo` with the headers that choose a connection, which the generic contract test does not
// send, and checks each answer against the document: a connection the sandbox API no longer
// accepts, an owner without one, a base that is not the app's, and an app without bases.
func TestProxyAnswersMatchTheOpenAPIDocument(t *testing.T) {
	c := newContract(t)
	base := serveDemo(t)
	imported := `{"appId":"sandbox-contacts","userId":"ann","accessToken":"not-a-sandbox-token","refreshToken":"not-a-refresh-token","expiresAt":"2099-01-01T00:00:00Z"}`
	if a := send(t, "POST", base+"/v1/tokens/import", demoKey, &imported); a.status != http.StatusCreated {
		t.Fatalf("import: %d %s", a.status, a.body)
	}
	for _, tc := range []struct {
		name, method, path string
		headers            map[string]string
		status             int
	}{
		{"a token the API refuses and the provider will not refresh", "GET", "/v1/proxy/sandbox-contacts/contacts", map[string]string{"Outflow-User-Id": "ann"}, http.StatusConflict},
		{"an owner without a connection", "GET", "/v1/proxy/sandbox-contacts/contacts", map[string]string{"Outflow-User-Id": "bob"}, http.StatusNotFound},
		{"a base that is not the app's", "POST", "/v1/proxy/sandbox-contacts/contacts", map[string]string{"Outflow-User-Id": "ann", "Outflow-Base-Url": "https://evil.example.com"}, http.StatusBadRequest},
		{"no owner", "DELETE", "/v1/proxy/sandbox-contacts/contacts/c1", nil, http.StatusBadRequest},
	} {
		a := sendWith(t, tc.method, base+tc.path, tc.headers)
		c.check(t, operation{tc.method, "/v1/proxy/{appId}/{path...}"}, a)
		if a.status != tc.status {
			t.Errorf("%s: %d %s; want %d", tc.name, a.status, a.body, tc.status)
		}
	}
}

// sendWith sends a request with the management key and headers.
func sendWith(t *testing.T, method, url string, headers map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+demoKey)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: b, what: method + " " + url}
}
