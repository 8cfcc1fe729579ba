package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// A one-time link's token stays out of the access log however the path around it is mangled:
// segments added after it, a path the router cleans and redirects, encoded slashes, another
// case, or a server mounted under a base path (stripped or not).
func TestALinkTokenStaysOutOfTheLogWhateverThePathAroundIt(t *testing.T) {
	t.Parallel()
	for _, mount := range []string{"", "/outflow"} {
		h := setupHostedWith(t, hostedConfig{mount: mount})
		_, link := h.start("signup", `{"userId":"ada"}`)
		token := link[strings.LastIndex(link, "/")+1:]
		r := h.api.call("POST", "/v1/connect", `{"appId":"crm","userId":"ada"}`)
		consent, _ := r.object(t)["url"].(string)
		consentToken := consent[strings.LastIndex(consent, "/")+1:]
		urls := []string{
			link + "/", link + "/x", link + "/x/y", link + "/..", consent + "/", consent + "/x",
			h.base + "/flows//link/" + token, h.base + "/flows/./link/" + token, h.base + "/x/../flows/link/" + token,
			h.base + "/flows/link%2F" + token, h.base + "/flows%2Flink%2F" + token, h.base + "/flows%5Clink%5C" + token,
			h.base + "/FLOWS/LINK/" + token, h.base + "/flows/%6Cink/" + token,
			h.base + "/v1/oauth//start/" + consentToken + "/x",
			// A host that mounts the server without stripping its path.
			h.base + "/outflow/flows/link/" + token, h.base + "/outflow/flows/link/" + token + "/x",
		}
		for _, u := range urls {
			for _, method := range []string{"GET", "POST", "PUT"} {
				req, err := http.NewRequest(method, u, nil)
				if err != nil {
					t.Fatal(err)
				}
				do(t, noRedirects, req)
			}
		}
		logs := h.logs.String()
		for name, secret := range map[string]string{"the link's token": token, "the consent link's token": consentToken} {
			if strings.Contains(logs, secret) {
				t.Errorf("mount %q: the log holds %s:\n%s", mount, name, logs)
			}
		}
		paths := map[string]bool{}
		for _, line := range strings.Split(logs, "\n") {
			var rec struct{ Msg, Path string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "http request" {
				paths[rec.Path] = true
			}
		}
		for _, want := range []string{"/flows/link/…", "/v1/oauth/start/…", "/outflow/flows/link/…"} {
			if !paths[want] {
				t.Errorf("mount %q: no request logged with path %s: %v", mount, want, paths)
			}
		}
	}
}

// Paths without a token are logged as they came, whatever their route.
func TestTheLogKeepsPathsWithoutATokenAsTheyCame(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	for _, p := range []string{"/v1/flows/signup", "/no/such/route", "/flows/link"} {
		req, _ := http.NewRequest("GET", h.base+p, nil)
		do(t, noRedirects, req)
		if !strings.Contains(h.logs.String(), `"path":"`+p+`"`) {
			t.Errorf("%s is not in the log:\n%s", p, h.logs)
		}
	}
}
