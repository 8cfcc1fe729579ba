package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A finished flow's page shows a success check only when something was done: an end with
// `tone: neutral` (the user declined, nothing was saved) shows a neutral mark instead, and the
// API says so in the screen's tone.
func TestAFinishedPageShowsACheckOnlyForASuccess(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	answer := url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"pw"}, "plan": {"free"}, "terms": {"true"}}
	for _, tc := range []struct {
		button, title, icon, tone string
	}{
		{"continue", "Welcome aboard", `class="done-icon"`, ""},
		{"cancel", "Nothing was saved", `class="done-icon done-neutral"`, `"tone":"neutral"`},
	} {
		id, link := h.start("signup", `{"userId":"ada"}`)
		a := h.browser()
		a.get(a.get(link).location)
		r := a.submit(tc.button, answer)
		if strings.HasPrefix(r.location, "/flows/run/") {
			r = a.get(r.location)
		}
		if r.status != http.StatusOK || !strings.Contains(r.body, "<h1>"+tc.title+"</h1>") {
			t.Fatalf("%s: %d\n%s", tc.button, r.status, r.body)
		}
		if strings.Count(r.body, `class="done-icon`) != 1 || !strings.Contains(r.body, tc.icon) {
			t.Errorf("%s: the page's mark is not %s:\n%s", tc.button, tc.icon, r.body)
		}
		x := h.api.call("GET", "/v1/executions/"+id, "")
		if tc.tone != "" && !strings.Contains(x.body, tc.tone) || tc.tone == "" && strings.Contains(x.body, `"tone"`) {
			t.Errorf("%s: the execution's screen: %s", tc.button, x.body)
		}
	}
}
