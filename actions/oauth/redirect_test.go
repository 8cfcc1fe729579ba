package oauth_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
)

const redirectingFlow = `
id: connect-then-settings
steps:
  connect:
    action: outbound.connect
    with:
      app: crm
      redirectUrl: https://app.example.com/after-connect
    on:
      connected: done
      denied: done
      error: done
  done:
    end: {}
`

// TestAppDefaultRedirectDoesNotTakeTheBrowserFromTheFlow: an app's defaultRedirectUrl is for
// consents started outside a flow. A flow's consent without a redirectUrl of its own comes back
// to the flow (the callback names no redirect URL), whatever the app's default; a step with its
// own redirectUrl goes there.
func TestAppDefaultRedirectDoesNotTakeTheBrowserFromTheFlow(t *testing.T) {
	t.Parallel()
	f := setup(t, connectFlow, redirectingFlow)
	ctx := context.Background()
	if _, err := f.apps.Update(ctx, "crm", apps.AppPatch{
		DefaultRedirectURL:  ptr("https://app.example.com/connected"),
		AllowedRedirectURLs: &[]string{"https://app.example.com/connected", "https://app.example.com/after-connect"},
	}); err != nil {
		t.Fatal(err)
	}
	for flowID, want := range map[string]string{
		"connect-crm":           "",
		"connect-then-settings": "app.example.com/after-connect",
	} {
		resp := f.start(t, flowID, alice)
		if resp.Action != engine.ActionRedirect {
			t.Fatalf("%s: %+v, want a redirect to the consent page", flowID, resp)
		}
		res, err := f.vault.HandleCallback(ctx, "crm", f.p.approve(t, resp.Redirect.URL), "")
		if err != nil || res.Outcome != oauth.OutcomeConnected || res.Resume == nil {
			t.Fatalf("%s: callback %+v, %v", flowID, res, err)
		}
		got := ""
		if res.RedirectURL != "" {
			u, _ := url.Parse(res.RedirectURL)
			got = u.Host + u.Path
		}
		if got != want {
			t.Errorf("%s: after consent the browser goes to %q, want %q", flowID, got, want)
		}
	}
}
