package openapicheck

import (
	"net/http"
	"strings"
	"testing"
)

// seed makes what the operations act on, and returns the values of the path parameters that
// name something that exists.
func (c *contract) seed(t *testing.T, base string) map[string]string {
	t.Helper()
	body := `{"userId":"ann","input":{"greeting":"Hi"}}`
	a := send(t, "POST", base+"/v1/flows/choose-plan/start", demoKey, &body)
	c.check(t, operation{"POST", "/v1/flows/{flowId}/start"}, a)
	started := decode(t, a)
	link, _ := started["link"].(map[string]any)
	token, _ := link["url"].(string)
	token = token[strings.LastIndex(token, "/")+1:]
	exec, _ := started["executionId"].(string)
	if a.status != http.StatusOK || exec == "" || token == "" {
		t.Fatalf("start: %d %s", a.status, a.body)
	}
	return map[string]string{
		"flowId": "choose-plan", "executionId": exec, "token": token,
		"appId": "contract-crm", "templateId": "google-contacts", "id": "unknown-connection", "tenantId": "acme",
	}
}

// bodiesFor are the bodies each operation is sent: none for a GET or DELETE; else an empty
// body, an empty object, broken JSON, a field in the wrong case and, for some, a good body.
func bodiesFor(op operation) []*string {
	if op.method == "GET" || op.method == "DELETE" {
		return []*string{nil}
	}
	out := []*string{str(""), str("{}"), str(`{"userId":`), str(`{"userID":"ann"}`)}
	if good, ok := goodBodies[op.method+" "+op.path]; ok {
		out = append(out, str(good))
	}
	return out
}

// goodBodies are bodies an operation accepts, when it exists.
var goodBodies = map[string]string{
	"POST /v1/flows/{flowId}/start":           `{"userId":"ann","input":{"greeting":"Hi"}}`,
	"POST /v1/apps":                           `{"id":"contract-crm","kind":"oauth2","name":"CRM","clientId":"c","clientSecret":"s","authorizationUrl":"https://crm.example.com/authorize","tokenUrl":"https://crm.example.com/token"}`,
	"PATCH /v1/apps/{appId}":                  `{"description":"changed","logo":null}`,
	"PUT /v1/apps/{appId}/tenants/{tenantId}": `{"clientId":"acme-client","clientSecret":"acme-s","tokenUrl":"https://acme.example.com/token"}`,
	"POST /v1/connect":                        `{"appId":"sandbox-contacts","userId":"ann"}`,
	"POST /v1/tokens/fetch":                   `{"appId":"sandbox-contacts","userId":"ann"}`,
	"POST /v1/apikeys/fetch":                  `{"appId":"sandbox-ai","userId":"ann"}`,
	"POST /v1/executions/{executionId}/next":  `{"interaction":"next","nonce":"stale"}`,
	"POST /v1/webhooks":                       `{"url":"https://hooks.example.com/outflow","eventTypes":["connection.*","apikey.invalid"]}`,
	"PATCH /v1/webhooks/{id}":                 `{"disabled":true}`,
	"POST /v1/webhooks/{id}/rotate-secret":    `{"overlapSeconds":3600}`,
}

// queryFor is the query an operation is sent with: the owner the connection and key routes need.
func queryFor(op operation) string {
	switch op.path {
	case "/v1/connections":
		return "?userId=ann&appId=sandbox-contacts"
	case "/v1/apikeys":
		return "?userId=ann&appId=sandbox-ai"
	case "/v1/executions/{executionId}/explain":
		return "?format=json"
	}
	return ""
}

func str(s string) *string { return &s }
