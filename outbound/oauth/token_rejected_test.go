package oauth

import (
	"testing"

	"golang.org/x/oauth2"
)

// A fetch naming a rejected token refreshes while the connection still holds it, and returns the
// newer token without refreshing again once someone has.
func TestRejectedTokenRefreshesOnlyWhileHeld(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	f.connect(t, alice, "")
	first, _ := f.fetch(t, FetchRequest{Owner: alice})
	second, _ := f.fetch(t, FetchRequest{Owner: alice, Rejected: first.AccessToken})
	if second.AccessToken == first.AccessToken || f.p.refreshCalls.Load() != 1 {
		t.Fatalf("after a rejection: same token %v, %d refreshes; want a new token from 1 refresh", second.AccessToken == first.AccessToken, f.p.refreshCalls.Load())
	}
	again, _ := f.fetch(t, FetchRequest{Owner: alice, Rejected: first.AccessToken})
	if again.AccessToken != second.AccessToken || f.p.refreshCalls.Load() != 1 {
		t.Errorf("a late rejection of the old token refreshed again (%d refreshes)", f.p.refreshCalls.Load())
	}
}

func TestExtraPathReadsNestedMembers(t *testing.T) {
	t.Parallel()
	tok := (&oauth2.Token{AccessToken: "a"}).WithExtra(map[string]any{
		"instance_url": "https://acme.my.salesforce.com",
		"data":         map[string]any{"api_domain": "https://acme.pipedrive.com"},
		"n":            3,
	})
	for path, want := range map[string]string{
		"instance_url": "https://acme.my.salesforce.com", "data.api_domain": "https://acme.pipedrive.com",
		"n": "", "missing": "", "instance_url.x": "",
	} {
		if got, _ := extraPath(tok, splitPath(path)).(string); got != want {
			t.Errorf("extraPath(%q) = %q, want %q", path, got, want)
		}
	}
}
