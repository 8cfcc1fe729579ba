package console_test

import (
	"context"
	"encoding/base64"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound/webhooks"
	"github.com/outflowhq/outflow/store/storetest"
)

var secretRE = regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`)

// shownSecret is the signing secret a page shows, as the browser reads it: html/template writes a
// "+" in an attribute as &#43;.
func shownSecret(body string) string { return secretRE.FindString(html.UnescapeString(body)) }

// An endpoint is created, edited, given a new secret, tested, its failed delivery retried and
// the endpoint deleted in the console: each secret appears once, in the answer that made it, and
// in no later page and no log line; every POST needs the session's CSRF token and this origin.
func TestWebhookPagesManageAnEndpoint(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	b := e.browser()
	tok := b.session()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	t.Cleanup(receiver.Close)

	if p := b.get("/webhooks"); p.status != http.StatusOK || !strings.Contains(p.body, "No webhook endpoints yet") || !strings.Contains(p.body, `aria-current="page">Webhooks`) {
		t.Fatalf("list: %d %s", p.status, p.body)
	}
	if p := b.get("/webhooks/new"); p.status != http.StatusOK || !strings.Contains(p.body, `value="connection.*"`) {
		t.Fatalf("new: %d %s", p.status, p.body)
	}
	form := url.Values{"_csrf": {tok}, "url": {receiver.URL + "/hook"}, "description": {"CRM events"}, "eventTypes": {"connection.*", "apikey.invalid"},
		"appIds": {"crm, billing"}, "enabled": {"on"}}
	if p := b.post("/webhooks", url.Values{"url": form["url"]}); p.status != http.StatusForbidden {
		t.Errorf("create without the CSRF token: %d", p.status)
	}
	if p := b.postFrom("/webhooks", form, "https://evil.example"); p.status != http.StatusForbidden {
		t.Errorf("create from another origin: %d", p.status)
	}
	bad := url.Values{"_csrf": {tok}, "url": {"http://hooks.example.com/in"}, "eventTypes": {"connection.*"}, "appIds": {"Not An Id"}}
	p := b.post("/webhooks", bad)
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="f-url-error"`) || !strings.Contains(p.body, "must use https://") ||
		!strings.Contains(p.body, `id="f-appIds-error"`) || !strings.Contains(p.body, `value="connection.*" checked`) {
		t.Fatalf("create with a bad URL: %d %s", p.status, p.body)
	}
	if list, _ := e.hooks.List(context.Background()); len(list) != 0 {
		t.Fatalf("a refused form made %d endpoints", len(list))
	}

	p = b.post("/webhooks", form)
	created := shownSecret(p.body)
	if p.status != http.StatusCreated || created == "" || !strings.Contains(p.body, "shown only this once") || p.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d %s", p.status, p.body)
	}
	list, _ := e.hooks.List(context.Background())
	if len(list) != 1 || list[0].Description != "CRM events" || strings.Join(list[0].EventTypes, " ") != "apikey.invalid connection.*" || strings.Join(list[0].AppIDs, " ") != "billing crm" {
		t.Fatalf("created %+v", list)
	}
	id := list[0].ID
	page := "/webhooks/" + id
	secrets := []string{created}

	p = b.post(page, url.Values{"_csrf": {tok}, "url": {receiver.URL + "/v2"}, "description": {"CRM"}, "appIds": {""}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", p.status, p.body)
	}
	if got, _ := e.hooks.Get(context.Background(), id); got.URL != receiver.URL+"/v2" || !got.Disabled || len(got.EventTypes) != 0 || len(got.AppIDs) != 0 {
		t.Errorf("after save: %+v", got)
	}
	b.post(page, url.Values{"_csrf": {tok}, "url": {receiver.URL + "/v2"}, "enabled": {"on"}})

	p = b.post(page+"/rotate-secret", url.Values{"_csrf": {tok}, "overlap": {"1h"}})
	rotated := shownSecret(p.body)
	if p.status != http.StatusOK || rotated == "" || rotated == created || !strings.Contains(p.body, "two signatures") {
		t.Fatalf("rotate: %d %s", p.status, p.body)
	}
	secrets = append(secrets, rotated)

	if p := b.post(page+"/test", url.Values{"_csrf": {tok}}); p.status != http.StatusSeeOther {
		t.Fatalf("test: %d %s", p.status, p.body)
	}
	ds, _ := e.hooks.Deliveries(context.Background(), id, 10)
	if len(ds) != 1 {
		t.Fatalf("deliveries after the test: %+v", ds)
	}
	if _, err := e.hooks.Attempt(context.Background(), ds[0].ID); err != nil {
		t.Fatal(err)
	}
	p = b.get(page)
	if p.status != http.StatusOK || !strings.Contains(p.body, "webhook.test") || !strings.Contains(p.body, ">500<") || !strings.Contains(p.body, "A rotation is under way") {
		t.Fatalf("endpoint page: %d %s", p.status, p.body)
	}
	if p := b.post(page+"/deliveries/"+ds[0].ID+"/retry", url.Values{"_csrf": {tok}}); p.status != http.StatusSeeOther {
		t.Fatalf("retry: %d %s", p.status, p.body)
	}
	if d, _ := e.hooks.Delivery(context.Background(), id, ds[0].ID); d.Attempts != 0 || d.Status != webhooks.StatusPending {
		t.Errorf("after retry: %+v", d)
	}

	for _, path := range []string{"/webhooks", page, page + "?done=webhook-saved", page + "/delete"} {
		if p := b.get(path); strings.Contains(p.body, "whsec_") {
			t.Errorf("%s shows a secret", path)
		}
	}
	if p := b.post(page+"/delete", url.Values{"_csrf": {tok}, "confirm": {"nope"}}); p.status != http.StatusBadRequest || !strings.Contains(p.body, "That is not the endpoint") {
		t.Errorf("delete with a wrong confirmation: %d", p.status)
	}
	if p := b.post(page+"/delete", url.Values{"_csrf": {tok}, "confirm": {id}}); p.status != http.StatusSeeOther {
		t.Fatalf("delete: %d %s", p.status, p.body)
	}
	if p := b.get(page); p.status != http.StatusNotFound {
		t.Errorf("deleted endpoint's page: %d", p.status)
	}
	for _, s := range secrets {
		raw := strings.TrimPrefix(s, "whsec_")
		if strings.Contains(e.logs.String(), raw) {
			t.Error("a signing secret reached the log")
		}
		if hits := storetest.Find(t, e.store, raw); len(hits) > 0 {
			t.Errorf("a signing secret is in Redis in plain text: %v", hits)
		}
	}
}

// An endpoint from the apps file says so, and offers no rotation: its secret is the file's.
func TestWebhookPagesOfAnEndpointFromTheAppsFile(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	b := e.browser()
	tok := b.session()
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("a-signing-secret-of-32-bytes-ok!"))
	specs, err := webhooks.ParseAppsFile("apps.yaml", []byte("webhooks:\n  - id: billing\n    url: https://billing.example.com/in\n    secretEnv: S\n"),
		func(string) string { return secret })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.hooks.ApplyAppsFile(context.Background(), specs); err != nil {
		t.Fatal(err)
	}
	p := b.get("/webhooks/billing")
	if p.status != http.StatusOK || !strings.Contains(p.body, "declared in the apps file") || strings.Contains(p.body, "Rotate secret") {
		t.Fatalf("page: %d %s", p.status, p.body)
	}
	if p := b.post("/webhooks/billing/rotate-secret", url.Values{"_csrf": {tok}, "overlap": {"24h"}}); p.status != http.StatusConflict || strings.Contains(p.body, "whsec_") {
		t.Errorf("rotate: %d %s", p.status, p.body)
	}
	if p := b.get("/webhooks"); !strings.Contains(p.body, "apps file") {
		t.Errorf("list does not mark the file's endpoint")
	}
}
