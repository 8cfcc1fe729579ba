package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/server/console"
)

const consoleMgmtKey = "console-mount-key-0123456789abcdefghij"

// TestTheConsoleIsMountedUnderConsoleAndMakesConsentLinksAsTheAPIDoes signs in to the console
// the server mounts, sends a connect link from it, and opens the link: the same one-time link
// POST /v1/connect makes.
func TestTheConsoleIsMountedUnderConsoleAndMakesConsentLinksAsTheAPIDoes(t *testing.T) {
	t.Parallel()
	s, registry := setup(t, apps.Options{PublicURL: "https://auth.example.com", Logger: slog.New(slog.DiscardHandler)})
	str := func(v string) *string { return &v }
	kind := apps.KindOAuth2
	if _, err := registry.Create(context.Background(), apps.AppPatch{ID: str("crm"), Kind: &kind, Name: str("Acme CRM"), ClientID: str("cid"),
		ClientSecret: &[]outbound.Secret{outbound.NewSecret("cs")}[0], DefaultScopes: &[]string{"contacts.read"},
		AuthorizationURL: str("https://crm.example.com/authorize"), TokenURL: str("https://crm.example.com/token")}); err != nil {
		t.Fatal(err)
	}
	vault, err := oauth.NewVault(registry, oauth.VaultOptions{})
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, server.Options{Store: s, Apps: registry, Vault: vault, ManagementKeys: []string{consoleMgmtKey},
		Console: &console.Options{}, Logger: slog.New(slog.DiscardHandler)})
	b := newBrowser(t)
	get := func(path string) (int, string, string) {
		resp, err := b.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(body)
	}
	post := func(path string, form url.Values) (int, string, string) {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		resp, err := b.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(body)
	}
	csrf := regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	if code, loc, _ := get("/console"); code != http.StatusSeeOther || loc != "/console/" {
		t.Errorf("/console: %d %q", code, loc)
	}
	_, _, form := get("/console/sign-in")
	if code, loc, _ := post("/console/sign-in", url.Values{"_csrf": {csrf.FindStringSubmatch(form)[1]}, "key": {consoleMgmtKey}}); code != http.StatusSeeOther || loc != "/console/apps" {
		t.Fatalf("sign-in: %d %q", code, loc)
	}
	_, _, page := get("/console/apps/crm/connections")
	code, _, linkPage := post("/console/apps/crm/connect-link", url.Values{"_csrf": {csrf.FindStringSubmatch(page)[1]}, "userId": {"alice"}})
	m := regexp.MustCompile(`value="(` + regexp.QuoteMeta(base) + `/v1/oauth/start/[^"]+)"`).FindStringSubmatch(linkPage)
	if code != http.StatusOK || m == nil {
		t.Fatalf("connect link: %d %s", code, linkPage)
	}
	if code, _, cont := get(strings.TrimPrefix(m[1], base)); code != http.StatusOK || !strings.Contains(cont, "Connect to Acme CRM") {
		t.Errorf("the link's page: %d", code)
	}
	code, _, refused := post("/console/apps/crm/connect-link", url.Values{"_csrf": {csrf.FindStringSubmatch(page)[1]}})
	if code != http.StatusBadRequest || !strings.Contains(refused, "set userId or tenantId") {
		t.Errorf("a link for nobody: %d", code)
	}
}

func TestWithoutConsoleOptionsThereIsNoConsole(t *testing.T) {
	t.Parallel()
	s, registry := setup(t, apps.Options{})
	base := serve(t, server.Options{Store: s, Apps: registry, ManagementKeys: []string{consoleMgmtKey}})
	resp, err := http.Get(base + "/console/sign-in")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/console/sign-in without a console: %d", resp.StatusCode)
	}
}

func TestRESTChangesNameTheirManagementKeyInTheEventStream(t *testing.T) {
	t.Parallel()
	s, registry := setup(t, apps.Options{})
	c := client{t: t, url: serve(t, server.Options{Store: s, Apps: registry, ManagementKeys: []string{consoleMgmtKey}}), key: consoleMgmtKey}
	if r := c.call("POST", "/v1/apps", `{"id":"k","kind":"apikey","name":"K","apiKey":{"label":"Key"}}`); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	entries, err := events.Entries(context.Background(), s)
	if err != nil || len(entries) != 1 {
		t.Fatalf("events %v, %v", entries, err)
	}
	if ev, _ := events.Decode(entries[0].Fields); !regexp.MustCompile(`^api:[0-9a-f]{8}$`).MatchString(ev.Actor) || strings.Contains(ev.Actor, consoleMgmtKey[:8]) {
		t.Errorf("actor %q", ev.Actor)
	}
}
