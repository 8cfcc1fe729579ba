package server_test

import (
	"testing"

	"github.com/outflowhq/outflow/server"
)

func TestRedirectPolicy(t *testing.T) {
	t.Parallel()
	allowed := server.RedirectPolicy("https://auth.example.com/", []string{"https://app.example.com", "https://docs.example.com/guides", "not a url"})
	for _, tc := range []struct {
		url  string
		want bool
	}{
		{"https://auth.example.com/anything?x=1", true},
		{"https://AUTH.example.com/", true},
		{"https://app.example.com/settings", true},
		{"https://docs.example.com/guides/", true},
		{"https://docs.example.com/guides", true},
		{"https://docs.example.com/guides/oauth?step=2", true},
		{"https://docs.example.com/guidesevil", false},
		{"https://docs.example.com/other", false},
		{"http://app.example.com/", false},
		{"https://app.example.com.evil.net/", false},
		{"https://user:pw@app.example.com/", false},
		{"https://app.example.com/#frag", false},
		{"javascript:alert(1)", false},
		{"/relative", false},
		{"", false},
	} {
		if got := allowed(tc.url); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.url, got, tc.want)
		}
	}
	if server.RedirectPolicy("", nil)("https://auth.example.com/") {
		t.Error("an empty policy allows a URL")
	}
}
