package openapicheck

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/cmd/outflow/internal/sandbox"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// reconnectAPI is a server with a vault and the sandbox provider mounted under /p on one
// listener, so the browser's whole round trip (link, provider, callback) is real HTTP. Every
// answer of the API is checked against the OpenAPI document.
type reconnectAPI struct {
	t    *testing.T
	c    *contract
	base string
	s    *store.Store
	p    *sandbox.Provider
}

const (
	reconnectApp  = "sandbox-crm"
	reconnectKey  = "reconnect-management-key-0123456789"
	reconnectDone = "https://app.example.com/done"
)

func setupReconnect(t *testing.T) *reconnectAPI {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	base := "http://" + hs.Listener.Addr().String()
	a := &reconnectAPI{t: t, c: newContract(t), base: base, s: storetest.New(t)}
	var err error
	a.p, err = sandbox.New(sandbox.Config{Issuer: base + "/p", Decision: sandbox.DecisionApprove},
		sandbox.Client{ID: "crm", Secret: "crm-secret", RedirectURIs: []string{base + "/v1/oauth/callback/" + reconnectApp}})
	if err != nil {
		t.Fatal(err)
	}
	ring, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	registry, err := apps.NewApps(apps.Options{Store: a.s, Keyring: ring, PublicURL: base, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	kind := apps.KindOAuth2
	str := func(s string) *string { return &s }
	secret := outbound.NewSecret("crm-secret")
	if _, err := registry.Create(context.Background(), apps.AppPatch{
		ID: str(reconnectApp), Kind: &kind, Name: str("Sandbox CRM"), ClientID: str("crm"), ClientSecret: &secret,
		AuthorizationURL: str(a.p.AuthURL()), TokenURL: str(a.p.TokenURL()), RevocationURL: str(a.p.RevocationURL()),
		DefaultScopes: &[]string{"openid", "offline", "contacts.read"}, DefaultRedirectURL: str(reconnectDone),
	}); err != nil {
		t.Fatal(err)
	}
	vault, err := oauth.NewVault(registry, oauth.VaultOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Options{Store: a.s, Apps: registry, Vault: vault, ManagementKeys: []string{reconnectKey}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/p/", http.StripPrefix("/p", a.p.Handler()))
	mux.Handle("/", srv)
	hs.Config.Handler = mux
	hs.Start()
	t.Cleanup(hs.Close)
	return a
}

// call sends a request to the API with the management key and checks the answer against the
// document; pattern is the operation's path in the document.
func (a *reconnectAPI) call(method, pattern, path, body string) (int, map[string]any) {
	a.t.Helper()
	var b *string
	if body != "" {
		b = &body
	}
	ans := send(a.t, method, a.base+path, reconnectKey, b)
	a.c.check(a.t, operation{method, pattern}, ans)
	return ans.status, decode(a.t, ans)
}

// consent posts body to /v1/connect, opens the link in a fresh browser, presses Continue, and
// follows the provider and the callback until the browser leaves for the redirect URL, whose
// query it returns.
func (a *reconnectAPI) consent(body string) url.Values {
	t := a.t
	t.Helper()
	status, link := a.call("POST", "/v1/connect", "/v1/connect", body)
	if status != http.StatusOK {
		t.Fatalf("connect %s: %d %v", body, status, link)
	}
	jar, _ := cookiejar.New(nil)
	var authorized []string
	browser := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), a.p.AuthURL()) {
			authorized = append(authorized, r.URL.Query().Get("scope"))
		}
		if r.URL.Host == "app.example.com" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	linkURL, _ := link["url"].(string)
	resp, err := browser.Get(linkURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`<form method="post" action="([^"]+)">`).FindSubmatch(page)
	csrf := regexp.MustCompile(`name="_csrf" value="([^"]*)"`).FindSubmatch(page)
	if m == nil || csrf == nil {
		t.Fatalf("the link's page has no Continue form: %d\n%s", resp.StatusCode, page)
	}
	action, _ := url.Parse(linkURL)
	action, _ = action.Parse(string(m[1]))
	resp, err = browser.PostForm(action.String(), url.Values{"_csrf": {string(csrf[1])}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || !strings.HasPrefix(loc.String(), reconnectDone) {
		t.Fatalf("the consent ended at %d %v, not at the redirect URL", resp.StatusCode, loc)
	}
	q := loc.Query()
	q.Set("asked", strings.Join(authorized, "|"))
	return q
}

// events lists the types and connections of the events published so far.
func (a *reconnectAPI) events() []events.Event {
	a.t.Helper()
	entries, err := events.Entries(context.Background(), a.s)
	if err != nil {
		a.t.Fatal(err)
	}
	var out []events.Event
	for _, e := range entries {
		ev, err := events.Decode(e.Fields)
		if err != nil {
			a.t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

func count(evs []events.Event, typ events.Type, connID string) int {
	n := 0
	for _, e := range evs {
		if e.Type == typ && e.ConnectionID == connID {
			n++
		}
	}
	return n
}

// TestReconnectInPlaceOverREST: a failing connection reconnected by id keeps its id, gets new
// tokens and its metadata merged, and is announced as recovered; a consent for another provider
// account is refused and changes nothing.
func TestReconnectInPlaceOverREST(t *testing.T) {
	t.Parallel()
	a := setupReconnect(t)
	q := a.consent(`{"appId":"sandbox-crm","userId":"ann","metadata":{"region":"eu","seats":5}}`)
	id := q.Get("outflow_connection")
	if q.Get("outflow_status") != "connected" || id == "" {
		t.Fatalf("first consent: %v", q)
	}
	status, conn := a.call("GET", "/v1/connections/{id}", "/v1/connections/"+id, "")
	md, _ := conn["metadata"].(map[string]any)
	if status != 200 || conn["subject"] != sandbox.DefaultSubject || md["region"] != "eu" || md["seats"] != float64(5) {
		t.Fatalf("connection %d %v", status, conn)
	}

	// The provider forgets the grant: the next refresh is refused and the connection needs
	// re-authentication.
	_, fetched := a.call("POST", "/v1/tokens/fetch", "/v1/tokens/fetch", `{"appId":"sandbox-crm","userId":"ann","withRefreshToken":true}`)
	tok, _ := fetched["token"].(map[string]any)
	oldAccess, _ := tok["accessToken"].(string)
	revokeAtSandbox(t, a.p, tok["refreshToken"].(string))
	status, failed := a.call("POST", "/v1/tokens/fetch", "/v1/tokens/fetch", `{"appId":"sandbox-crm","userId":"ann","forceRefresh":true}`)
	e, _ := failed["error"].(map[string]any)
	hint, _ := e["connect"].(map[string]any)
	if status != http.StatusConflict || e["code"] != "needs_reauth" || hint["connectionId"] != id {
		t.Fatalf("fetch after the revocation: %d %v", status, failed)
	}

	// Another account's consent for this connection is refused, and its tokens revoked.
	a.p.SignIn("someone-else")
	revocations := a.p.Stats().Revocations
	q = a.consent(`{"connectionId":"` + id + `"}`)
	if q.Get("outflow_status") != "error" || q.Get("outflow_error") != oauth.ErrorAccountMismatch {
		t.Errorf("consent of another account: %v", q)
	}
	if got := a.p.Stats().Revocations - revocations; got != 2 {
		t.Errorf("%d revocations after the refused consent, want its refresh and access tokens", got)
	}
	if _, list := a.call("GET", "/v1/connections", "/v1/connections?userId=ann", ""); len(list["connections"].([]any)) != 1 {
		t.Errorf("the refused consent stored a connection: %v", list)
	}
	if _, c := a.call("GET", "/v1/connections/{id}", "/v1/connections/"+id, ""); c["status"] != "needs_reauth" {
		t.Errorf("the refused consent changed the connection: %v", c)
	}

	// The right account: same id, new tokens, metadata merged, recovered.
	a.p.SignIn("")
	q = a.consent(`{"appId":"sandbox-crm","userId":"ann","connectionId":"` + id + `","metadata":{"seats":7,"plan":"pro"}}`)
	if q.Get("outflow_status") != "connected" || q.Get("outflow_connection") != id {
		t.Fatalf("reconnect: %v", q)
	}
	_, conn = a.call("GET", "/v1/connections/{id}", "/v1/connections/"+id, "")
	md, _ = conn["metadata"].(map[string]any)
	if conn["status"] != "active" || md["region"] != "eu" || md["seats"] != float64(7) || md["plan"] != "pro" {
		t.Errorf("after the reconnect: %v", conn)
	}
	_, fetched = a.call("POST", "/v1/tokens/fetch", "/v1/tokens/fetch", `{"appId":"sandbox-crm","userId":"ann"}`)
	tok, _ = fetched["token"].(map[string]any)
	newAccess, _ := tok["accessToken"].(string)
	if newAccess == "" || newAccess == oldAccess || fetched["connection"].(map[string]any)["id"] != id {
		t.Errorf("the fetch after the reconnect: %v", fetched)
	}
	for _, secret := range []string{oldAccess, newAccess, "crm-secret"} {
		if hits := storetest.Find(t, a.s, secret); len(hits) > 0 {
			t.Errorf("a token or the client secret is in Redis in plain text: %v", hits)
		}
	}
	evs := a.events()
	if count(evs, events.ConnectionRecovered, id) != 1 || count(evs, events.ConnectionNeedsReauth, id) != 1 || count(evs, events.ConnectionConnected, id) != 2 {
		t.Errorf("events %+v: want connected twice, needs_reauth and recovered once", evs)
	}
}

// TestIncrementalConsentOverREST: a fetch for a scope the connection lacks answers with the
// connect that asks for the held scopes plus the missing one; following it ends with one
// connection holding the union.
func TestIncrementalConsentOverREST(t *testing.T) {
	t.Parallel()
	a := setupReconnect(t)
	q := a.consent(`{"appId":"sandbox-crm","userId":"ann"}`)
	id := q.Get("outflow_connection")
	status, missing := a.call("POST", "/v1/tokens/fetch", "/v1/tokens/fetch", `{"appId":"sandbox-crm","userId":"ann","scopes":["contacts.write"]}`)
	e, _ := missing["error"].(map[string]any)
	connect, _ := e["connect"].(map[string]any)
	if status != http.StatusConflict || e["code"] != "missing_scopes" || connect["connectionId"] != id {
		t.Fatalf("fetch for more scopes: %d %v", status, missing)
	}
	body := `{"appId":"sandbox-crm","userId":"ann","connectionId":"` + id + `","scopes":["contacts.write"]}`
	q = a.consent(body)
	if q.Get("outflow_connection") != id || q.Get("asked") != "openid offline contacts.read contacts.write" {
		t.Fatalf("incremental consent: %v (want the held scopes and the new one asked for, on the same connection)", q)
	}
	_, fetched := a.call("POST", "/v1/tokens/fetch", "/v1/tokens/fetch", `{"appId":"sandbox-crm","userId":"ann","scopes":["contacts.read","contacts.write"]}`)
	conn, _ := fetched["connection"].(map[string]any)
	if conn["id"] != id {
		t.Fatalf("fetch with both scopes: %v", fetched)
	}
	var got []string
	for _, s := range conn["scopes"].([]any) {
		got = append(got, s.(string))
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"contacts.read", "contacts.write", "offline", "openid"}) {
		t.Errorf("scopes %v, want the union", got)
	}
	if _, list := a.call("GET", "/v1/connections", "/v1/connections?userId=ann", ""); len(list["connections"].([]any)) != 1 {
		t.Errorf("%d connections, want one", len(list["connections"].([]any)))
	}
}

// TestConnectionMetadataOverREST: metadata is patched atomically, bounded, returned by get and
// list, and filters the list.
func TestConnectionMetadataOverREST(t *testing.T) {
	t.Parallel()
	a := setupReconnect(t)
	first := a.consent(`{"appId":"sandbox-crm","userId":"ann","metadata":{"region":"eu"}}`).Get("outflow_connection")
	second := a.consent(`{"appId":"sandbox-crm","tenantId":"acme","metadata":{"region":"us"}}`).Get("outflow_connection")

	status, c := a.call("PATCH", "/v1/connections/{id}", "/v1/connections/"+first, `{"metadata":{"tier":2,"beta":true,"region":null}}`)
	md, _ := c["metadata"].(map[string]any)
	if status != 200 || md["tier"] != float64(2) || md["beta"] != true || md["region"] != nil {
		t.Fatalf("patch: %d %v", status, c)
	}
	for _, bad := range []string{
		`{"metadata":{"apiToken":"x"}}`,
		`{"metadata":{"1st":"x"}}`,
		`{"metadata":{"nested":{"a":1}}}`,
		`{"metadata":{"long":"` + strings.Repeat("x", oauth.MaxMetadataString+1) + `"}}`,
		`{"metadata":{` + manyKeys(oauth.MaxMetadataKeys) + `}}`,
		`{}`,
	} {
		if status, body := a.call("PATCH", "/v1/connections/{id}", "/v1/connections/"+first, bad); status != http.StatusBadRequest {
			t.Errorf("patch %.60s: %d %v", bad, status, body)
		}
	}
	if status, _ := a.call("PATCH", "/v1/connections/{id}", "/v1/connections/cn_unknown", `{"metadata":{"a":1}}`); status != http.StatusNotFound {
		t.Errorf("patch of an unknown connection: %d", status)
	}
	if _, c := a.call("GET", "/v1/connections/{id}", "/v1/connections/"+first, ""); len(c["metadata"].(map[string]any)) != 2 {
		t.Errorf("a refused patch changed the metadata: %v", c)
	}

	ids := func(path string) []string {
		status, list := a.call("GET", "/v1/connections", path, "")
		if status != 200 {
			t.Fatalf("list %s: %d %v", path, status, list)
		}
		var out []string
		for _, c := range list["connections"].([]any) {
			out = append(out, c.(map[string]any)["id"].(string))
		}
		return out
	}
	if got := ids("/v1/connections?appId=sandbox-crm&metadata.region=us"); !slices.Equal(got, []string{second}) {
		t.Errorf("filter region=us: %v", got)
	}
	if got := ids("/v1/connections?userId=ann&metadata.tier=2&metadata.beta=true"); !slices.Equal(got, []string{first}) {
		t.Errorf("filter tier=2, beta=true: %v", got)
	}
	if got := ids("/v1/connections?appId=sandbox-crm&metadata.tier=3"); len(got) != 0 {
		t.Errorf("filter tier=3: %v", got)
	}
	if status, _ := a.call("GET", "/v1/connections", "/v1/connections?appId=sandbox-crm&metadata.bad-key=1", ""); status != http.StatusBadRequest {
		t.Errorf("a filter on a key that cannot exist: %d", status)
	}
}

func manyKeys(n int) string {
	var b strings.Builder
	for i := range n + 1 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"k` + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `":1`)
	}
	return b.String()
}

// revokeAtSandbox revokes a refresh token at the sandbox as its client would.
func revokeAtSandbox(t *testing.T, p *sandbox.Provider, token string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.RevocationURL(), strings.NewReader(url.Values{"token": {token}, "token_type_hint": {"refresh_token"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("crm", "crm-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revocation: %d", resp.StatusCode)
	}
}
