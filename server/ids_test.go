package server_test

import (
	"net/url"
	"strings"
	"testing"
)

// Ids that could not be listed or deleted again (huge, or with NUL, CR or LF) are refused with
// 400 naming the field, in bodies and query parameters alike, before anything is stored.
func TestBadIdsAreRefusedNamingTheField(t *testing.T) {
	t.Parallel()
	a := setupConnAPI(t)
	big := strings.Repeat("u", 300<<10)
	tests := []struct {
		method, path, body string
		code, field        string
	}{
		{"POST", "/v1/connect", `{"appId":"crm","userId":"` + big + `"}`, "invalid_request", "userId"},
		{"POST", "/v1/connect", `{"appId":"crm","userId":"ada\u0000"}`, "invalid_request", "userId"},
		{"POST", "/v1/connect", `{"appId":"crm","tenantId":"acme\r\n"}`, "invalid_request", "tenantId"},
		{"POST", "/v1/connect", `{"appId":"crm","userId":"ada","externalId":"a\nb"}`, "invalid_request", "externalId"},
		{"POST", "/v1/connect", `{"appId":"crm\n","userId":"ada"}`, "invalid_request", "appId"},
		{"POST", "/v1/tokens/fetch", `{"appId":"crm","userId":"ada\n"}`, "invalid_request", "userId"},
		{"POST", "/v1/flows/link-crm/start", `{"userId":"` + big + `"}`, "invalid_input", "userId"},
		{"POST", "/v1/flows/link-crm/start", `{"userId":"ada","tenantId":"a\u0000"}`, "invalid_input", "tenantId"},
		{"GET", "/v1/connections?userId=" + url.QueryEscape("ada\r\n"), "", "invalid_request", "userId"},
		{"GET", "/v1/connections?appId=crm&tenantId=" + url.QueryEscape("x\x00"), "", "invalid_request", "tenantId"},
		{"DELETE", "/v1/connections?appId=crm&userId=" + url.QueryEscape("ada\n"), "", "invalid_request", "userId"},
		{"GET", "/v1/connections/" + url.PathEscape("cn_\n"), "", "invalid_request", "connectionId"},
	}
	for _, tt := range tests {
		r := a.call(tt.method, tt.path, tt.body)
		e := r.errorBody(t)
		fields, _ := e["fields"].(map[string]any)
		if r.status != 400 || e["code"] != tt.code || fields[tt.field] == nil {
			t.Errorf("%s %.80s %.80s: %d %.300s; want 400 %s naming %s", tt.method, tt.path, tt.body, r.status, r.body, tt.code, tt.field)
		}
		if strings.Contains(r.body, big[:1000]) {
			t.Errorf("%s %.80s: the answer repeats the id", tt.method, tt.path)
		}
	}
	if r := a.call("GET", "/v1/connections?appId=crm", ""); r.status != 200 || !strings.Contains(r.body, `"connections":[]`) {
		t.Errorf("refused requests stored something: %.300s", r.body)
	}
}
