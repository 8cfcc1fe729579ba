package oauth_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions/screentext"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/outbound"
)

// moreScopesFlow asks for a scope the connection may lack; when it does, it reconnects that
// connection for it and reads the connection's metadata through outbound.token's output.
const moreScopesFlow = `
id: more
steps:
  check:
    action: outbound.token
    with: {app: crm, scopes: [contacts.write]}
    on:
      connected: done
      missing_scopes: upgrade
      not_connected: failed
      needs_reauth: upgrade
  upgrade:
    action: outbound.connect
    with:
      app: crm
      connectionId: ${{ steps.check.output.connectionId }}
      scopes: ${{ steps.check.output.missingScopes }}
      metadata: {region: eu, seats: 3}
    on: {connected: recheck, denied: failed, error: failed}
  recheck:
    action: outbound.token
    with: {app: crm, scopes: [contacts.read, contacts.write]}
    on: {connected: done, missing_scopes: failed, not_connected: failed, needs_reauth: failed}
  done:
    end:
      output:
        connectionId: ${{ steps.recheck.output.connectionId }}
        scopes: ${{ steps.recheck.output.scopes }}
        region: ${{ steps.recheck.output.metadata.region }}
        seats: ${{ steps.recheck.output.metadata.seats }}
  failed:
    end:
      output: {failed: true}
`

// TestIncrementalConsentInAFlow: outbound.token answers missing_scopes, outbound.connect with
// its connectionId asks for the held scopes plus the missing one, and the same connection ends
// with the union and the metadata the step set, which the flow reads back.
func TestIncrementalConsentInAFlow(t *testing.T) {
	t.Parallel()
	f := setup(t, connectFlow, moreScopesFlow)
	first := f.start(t, "connect-crm", alice)
	connected := f.callback(t, f.p.approve(t, first.Redirect.URL))
	id := connected.Output["connectionId"]

	resp := f.start(t, "more", alice)
	if resp.Action != engine.ActionRedirect {
		t.Fatalf("more: %+v", resp)
	}
	u, _ := url.Parse(resp.Redirect.URL)
	if got := u.Query().Get("scope"); got != "contacts.read offline_access contacts.write" {
		t.Errorf("asked for %q, want the granted scopes and the missing one", got)
	}
	done := f.callback(t, f.p.approve(t, resp.Redirect.URL))
	if done.Status != engine.StatusCompleted || done.Output["connectionId"] != id || done.Output["region"] != "eu" || done.Output["seats"] != float64(3) {
		t.Fatalf("done %+v (%+v), want connection %v with its metadata", done.Output, done.Error, id)
	}
	if scopes, _ := done.Output["scopes"].([]any); len(scopes) != 3 {
		t.Errorf("scopes %v, want the union", done.Output["scopes"])
	}
	if list, _ := f.vault.List(context.Background(), outbound.Owner{UserID: "alice"}, "crm"); len(list) != 1 {
		t.Errorf("%d connections, want the one renewed", len(list))
	}
}

const chooseMoreFlow = `
id: choose-more
steps:
  connect:
    action: outbound.connect
    with: {app: crm, chooseScopes: true, scopes: [contacts.write]}
    on: {connected: done, skipped: done, denied: done, error: done}
  done:
    end:
      output:
        scopes: ${{ steps.connect.output.scopes }}
`

// TestScopeScreenShowsGrantedScopes: the scope screen lists what the owner's connection already
// holds as such, and the consent asks for it again with what was ticked.
func TestScopeScreenShowsGrantedScopes(t *testing.T) {
	t.Parallel()
	f := setup(t, connectFlow, chooseMoreFlow)
	first := f.start(t, "connect-crm", alice)
	f.callback(t, f.p.approve(t, first.Redirect.URL))

	resp := f.start(t, "choose-more", alice)
	s := resp.Screen
	if s == nil || len(s.Fields) != 3 {
		t.Fatalf("screen %+v", s)
	}
	for i, want := range []bool{true, true, false} {
		if granted := strings.HasSuffix(screentext.Text("en", s.Fields[i].Label, nil), "(already granted)"); granted != want || (want && !s.Fields[i].Required) {
			t.Errorf("field %d %+v: granted %v, want %v", i, s.Fields[i], granted, want)
		}
	}
	next, err := f.eng.Next(context.Background(), resp.ExecutionID, engine.NextRequest{
		StepID: "connect", Interaction: "connect", Nonce: resp.Nonce,
		Input: map[string]any{"scope_0": true, "scope_1": true, "scope_2": true},
	})
	if err != nil || next.Action != engine.ActionRedirect {
		t.Fatalf("after Connect: %+v %v", next, err)
	}
	u, _ := url.Parse(next.Redirect.URL)
	if got := u.Query().Get("scope"); got != "contacts.read offline_access contacts.write" {
		t.Errorf("asked for %q", got)
	}
}

// TestConnectMetadataRefusedAtLoad: literal metadata that breaks the rules is a load error.
func TestConnectMetadataRefusedAtLoad(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, err := flows.NewLoader(f.reg).Load("bad.yaml", []byte(`
id: bad
steps:
  connect:
    action: outbound.connect
    with: {app: crm, metadata: {accessToken: x}}
    on: {connected: done, denied: done, error: done}
  done:
    end: {}
`))
	if err == nil || !strings.Contains(err.Error(), "metadata.accessToken") || !strings.Contains(err.Error(), "credential") {
		t.Errorf("load: %v", err)
	}
}
