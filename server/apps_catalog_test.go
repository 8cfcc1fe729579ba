package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound/apps"
)

// TestTemplatesCarryCatalogMetadata: the template list has what a library page needs (logo,
// categories, keywords, API bases, sources), and a template's region choices render a select.
func TestTemplatesCarryCatalogMetadata(t *testing.T) {
	t.Parallel()
	api := setupAppAPI(t)
	r := api.call("GET", "/v1/templates", "")
	api.expect(r, http.StatusOK)
	var list struct {
		Templates []struct {
			ID          string
			Logo        string
			Categories  []string
			Keywords    []string
			APIBaseURLs []string `json:"apiBaseUrls"`
			Sources     apps.Sources
			Variables   []apps.Variable
		} `json:"templates"`
	}
	if err := json.Unmarshal([]byte(r.body), &list); err != nil {
		t.Fatal(err)
	}
	for _, tm := range list.Templates {
		if !strings.HasPrefix(tm.Logo, "data:image/svg+xml;base64,") || len(tm.Categories) == 0 || len(tm.Keywords) == 0 ||
			len(tm.APIBaseURLs) == 0 || tm.Sources.Checked == "" {
			t.Errorf("%s: summary lacks catalog metadata: %+v", tm.ID, tm)
		}
		if tm.ID == "intercom" && (len(tm.Variables) != 1 || len(tm.Variables[0].Choices) != 3 || tm.Variables[0].Choices[1].Label != "Europe") {
			t.Errorf("intercom region choices = %+v", tm.Variables)
		}
	}
	r = api.call("GET", "/v1/templates/intercom", "")
	api.expect(r, http.StatusOK)
	if !strings.Contains(r.body, `"set":{"api":"api.eu.intercom.io","app":"app.eu.intercom.com"}`) {
		t.Errorf("the template does not show what a choice sets: %s", r.body)
	}
}

// TestAppAPIFieldsOverREST: a template app takes a region choice and copies the template's API
// bases; PATCH merges apiHeaders and apiAuth and refuses a credential header.
func TestAppAPIFieldsOverREST(t *testing.T) {
	t.Parallel()
	api := setupAppAPI(t)
	r := api.call("POST", "/v1/apps", `{"templateId":"intercom","clientId":"ic","clientSecret":"ic-secret","variables":{"region":"eu"}}`)
	api.expect(r, http.StatusCreated)
	got := r.object(t)
	if got["authorizationUrl"] != "https://app.eu.intercom.com/oauth" || !strings.Contains(r.body, `"apiBaseUrls":["https://api.eu.intercom.io"]`) ||
		!strings.HasPrefix(got["logo"].(string), "data:image/svg+xml;base64,") {
		t.Errorf("intercom eu app = %s", r.body)
	}
	r = api.call("PATCH", "/v1/apps/intercom", `{"apiHeaders":{"Intercom-Version":"2.11"},"apiAuth":{"header":"Authorization","prefix":"Bearer "}}`)
	api.expect(r, http.StatusOK)
	if !strings.Contains(r.body, `"apiHeaders":{"Intercom-Version":"2.11"}`) || !strings.Contains(r.body, `"apiAuth":{"header":"Authorization","prefix":"Bearer "}`) {
		t.Errorf("patched app = %s", r.body)
	}
	r = api.call("PATCH", "/v1/apps/intercom", `{"apiHeaders":{"Intercom-Version":null,"Cookie":"a=b"}}`)
	if _, fields := r.errorFields(t); r.status != http.StatusBadRequest || fields["apiHeaders.Cookie"] == nil {
		t.Errorf("a Cookie API header = %d %s", r.status, r.body)
	}
	r = api.call("PATCH", "/v1/apps/intercom", `{"apiAuth":null,"apiHeaders":{"Intercom-Version":null}}`)
	api.expect(r, http.StatusOK)
	if strings.Contains(r.body, `"apiAuth"`) || strings.Contains(r.body, `"apiHeaders"`) {
		t.Errorf("null did not remove apiAuth and apiHeaders: %s", r.body)
	}
}
