//go:build browser

package browsertest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// hookReceiver is a webhook receiver on this machine that keeps every delivery it gets.
type hookReceiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []hookRequest
	fail bool
}

type hookRequest struct {
	header http.Header
	body   []byte
}

func newHookReceiver(t *testing.T) *hookReceiver {
	rc := &hookReceiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, hookRequest{header: r.Header.Clone(), body: body})
		rc.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *hookReceiver) requests() []hookRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hookRequest(nil), rc.got...)
}

// webhookWalk creates a webhook endpoint in the console (its secret shown once), sends it a test
// event and watches the delivery succeed, verified at the receiver with the Standard Webhooks
// library, rotates the secret, and deletes the endpoint; every page state is audited. The
// console must be signed in and serve must allow http:// on loopback.
func (d *demo) webhookWalk(b *browser, rc *hookReceiver) {
	d.t.Helper()
	t := d.t
	b.open(d.base + "/console/webhooks")
	b.waitHeading("Webhooks")
	b.audit("console-webhooks-empty")
	b.click(`a[href$="/console/webhooks/new"]`)
	b.waitHeading("New webhook endpoint")
	b.typeInto("#f-url", "ftp://nowhere")
	b.click(`main form button[type="submit"]`)
	b.waitUntil("the URL's error", func() bool { return strings.Contains(b.text("#f-url-error"), "URL") })
	b.audit("console-webhook-invalid")
	b.typeInto("#f-url", rc.URL+"/outflow-events")
	b.typeInto("#f-description", "Browser test receiver")
	b.click(`input[value="connection.*"]`)
	b.audit("console-webhook-new")
	b.click(`main form button[type="submit"]`)
	b.waitHeading("Webhook endpoint created")
	secret := eval[string](b, `document.getElementById("signing-secret").value`)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("the created page shows %q as the secret", secret)
	}
	b.audit("console-webhook-secret")
	b.click(`main a.btn-primary`)
	b.waitUntil("the endpoint's page", func() bool { return strings.HasPrefix(b.text("h1"), "Webhook endpoint we_") })
	page := eval[string](b, `location.href`)
	if html := eval[string](b, `document.documentElement.outerHTML`); strings.Contains(html, secret) {
		t.Error("the endpoint's page shows its secret")
	}

	b.click(`form[action$="/test"] button[type="submit"]`)
	b.waitUntil("the test queued", func() bool { return strings.Contains(b.text(`p[role="status"]`), "webhook.test") })
	b.waitUntil("the test delivery to succeed", func() bool {
		if len(rc.requests()) == 0 {
			return false
		}
		b.open(page)
		return strings.Contains(b.text("#deliveries-h + form + table"), "succeeded")
	})
	if row := b.text("#deliveries-h + form + table tbody tr"); !strings.Contains(row, "webhook.test") || !strings.Contains(row, "204") {
		t.Errorf("the delivery row reads %q", row)
	}
	verifier, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	got := rc.requests()[0]
	if err := verifier.Verify(got.body, got.header); err != nil {
		t.Errorf("the test delivery does not verify with the secret the console showed: %v", err)
	}
	b.audit("console-webhook")

	b.click(`form[action$="/rotate-secret"] button[type="submit"]`)
	b.waitHeading("New signing secret")
	rotated := eval[string](b, `document.getElementById("signing-secret").value`)
	if rotated == secret || !strings.HasPrefix(rotated, "whsec_") || !strings.Contains(b.text("main"), "two signatures") {
		t.Errorf("the rotation shows %q: %s", rotated, b.text("main"))
	}
	b.audit("console-webhook-rotated")
	b.click(`main a.btn-primary`)
	b.waitUntil("the endpoint's page", func() bool { return strings.Contains(b.text("main"), "A rotation is under way") })
	if html := eval[string](b, `document.documentElement.outerHTML`); strings.Contains(html, secret) || strings.Contains(html, rotated) {
		t.Error("the endpoint's page shows a secret")
	}

	b.open(d.base + "/console/webhooks")
	b.waitHeading("Webhooks")
	if row := b.text("main table tbody tr"); !strings.Contains(row, rc.URL) || !strings.Contains(row, "connection.*") || !strings.Contains(row, "enabled") {
		t.Errorf("the endpoint's row reads %q", row)
	}
	b.audit("console-webhooks")
	b.fitsWidth("console-webhooks", narrowWidth)
	b.open(page)
	b.waitUntil("the endpoint's page", func() bool { return strings.HasPrefix(b.text("h1"), "Webhook endpoint we_") })
	b.fitsWidth("console-webhook", narrowWidth)

	b.click(`a[href$="/delete"]`)
	b.waitUntil("the delete page", func() bool { return strings.HasPrefix(b.text("h1"), "Delete webhook endpoint") })
	b.audit("console-webhook-delete")
	id := strings.TrimSuffix(strings.TrimPrefix(b.text("h1"), "Delete webhook endpoint "), "?")
	b.typeInto("#confirm", id)
	b.click(`main form button[type="submit"]`)
	b.waitHeading("Webhooks")
	if !strings.Contains(b.text(`p[role="status"]`), "deleted") {
		t.Errorf("after the delete: %s", b.text("main"))
	}
	logs := d.logs.String()
	for _, s := range []string{secret, rotated} {
		if strings.Contains(logs, strings.TrimPrefix(s, "whsec_")) {
			t.Error("a signing secret reached the log")
		}
	}
}
