package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/outbound/oauth"
)

// revoker is a provider's revocation endpoint that remembers the tokens it was sent.
type revoker struct {
	mu     sync.Mutex
	tokens []string
	srv    *httptest.Server
}

func newRevoker(t *testing.T) *revoker {
	rv := &revoker{}
	rv.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		rv.mu.Lock()
		rv.tokens = append(rv.tokens, r.PostForm.Get("token"))
		rv.mu.Unlock()
	}))
	t.Cleanup(rv.srv.Close)
	return rv
}

func TestConnectionsShowHealthAndDisconnectRevokesAtTheProvider(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	ctx := context.Background()
	rv := newRevoker(t)
	str := func(s string) *string { return &s }
	kind := apps.KindOAuth2
	if _, err := e.apps.Create(ctx, apps.AppPatch{ID: str("crm"), Kind: &kind, Name: str("CRM"), ClientID: str("c"),
		AuthorizationURL: str(rv.srv.URL + "/auth"), TokenURL: str(rv.srv.URL + "/token"), RevocationURL: str(rv.srv.URL + "/revoke")}); err != nil {
		t.Fatal(err)
	}
	const access = "access-token-secret-777"
	conn, err := e.vault.Import(ctx, oauth.ImportRequest{AppID: "crm", Owner: outbound.Owner{UserID: "ada"}, AccessToken: access,
		ExpiresAt: time.Now().Add(time.Hour), Scopes: []string{"contacts.read"}, Subject: "ada@crm.example"})
	if err != nil {
		t.Fatal(err)
	}
	kkind := apps.KindAPIKey
	if _, err := e.apps.Create(ctx, apps.AppPatch{ID: str("keys"), Kind: &kkind, Name: str("Keys"), APIKey: &apps.APIKeyPatch{Label: str("Key")}}); err != nil {
		t.Fatal(err)
	}
	const key = "sk-console-0123456789abcdef"
	if _, err := e.keys.Put(ctx, apikeys.PutRequest{AppID: "keys", Owner: outbound.Owner{UserID: "ada"}, APIKey: outbound.NewSecret(key)}); err != nil {
		t.Fatal(err)
	}

	b := e.browser()
	token := b.session()
	list := b.get("/apps")
	if !strings.Contains(list.body, `st-active">active</span> 1`) {
		t.Errorf("the app list does not count the active connection: %s", list.body)
	}
	owner := b.get("/connections?userId=ada")
	for _, want := range []string{conn.ID, "ada@crm.example", "contacts.read", "…cdef", "<td data-label=\"Version\">1</td>"} {
		if !strings.Contains(owner.body, want) {
			t.Errorf("owner page lacks %q", want)
		}
	}
	all := owner.body + b.get("/connections").body + b.get("/apps/crm/connections").body + b.get("/apps/keys/connections").body
	if strings.Contains(all, access) || strings.Contains(all, key) {
		t.Error("a token or key is on a page")
	}

	p := b.post("/connections/"+conn.ID+"/disconnect?back="+url.QueryEscape("/console/connections?userId=ada"), url.Values{"_csrf": {token}})
	if p.status != http.StatusSeeOther || p.location != "/console/connections?userId=ada&done=disconnected" {
		t.Fatalf("disconnect: %d %q", p.status, p.location)
	}
	rv.mu.Lock()
	revoked := append([]string(nil), rv.tokens...)
	rv.mu.Unlock()
	if len(revoked) != 1 || revoked[0] != access {
		t.Errorf("revoked %d tokens, want the access token", len(revoked))
	}
	if _, err := e.vault.Connection(ctx, conn.ID); err == nil {
		t.Error("the connection is still there")
	}
	entries, _ := events.Entries(ctx, e.store)
	var actor string
	for _, en := range entries {
		if ev, _ := events.Decode(en.Fields); ev.Type == events.ConnectionDisconnected {
			actor = ev.Actor
		}
	}
	if !strings.HasPrefix(actor, "console:") {
		t.Errorf("the revocation's actor is %q", actor)
	}
	p = b.post("/apps/keys/keys/delete?back=%2Fconsole%2Fapps%2Fkeys%2Fconnections", url.Values{"_csrf": {token}, "userId": {"ada"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("delete key: %d", p.status)
	}
	if _, ok, _ := e.keys.Check(ctx, outbound.Owner{UserID: "ada"}, "keys"); ok {
		t.Error("the key is still there")
	}
}
