package server_test

import (
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/webhooks"
	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

const hostedKey = "mgmt-key-for-hosted-tests-0123456789"

// signupFlow has a field of every kind, a secret one among them, and ends where its input says.
const signupFlow = `
id: signup
ttl: 30m
inputs:
  next: {type: string, default: ""}
steps:
  about:
    screen:
      title: Tell us about you
      text: We need a few details.
      fields:
        - {name: name, label: Your name, required: true}
        - {name: email, type: email, label: Work email, required: true}
        - {name: password, label: Password, secret: true, required: true}
        - {name: plan, type: select, label: Plan, required: true, options: [{value: free, label: Free}, {value: pro, label: Pro, description: For teams}]}
        - {name: topics, type: multiselect, label: Topics, options: [{value: news, label: News}, {value: tips, label: Tips}]}
        - {name: terms, type: checkbox, label: I accept the terms, required: true}
      buttons:
        - {id: continue, label: Continue}
        - {id: cancel, label: Cancel, noValidate: true}
    on:
      cancel: cancelled
    next:
      - goto: done
  done:
    end:
      title: Welcome aboard
      text: ${{ "Thanks, " + steps.about.output.name + "." }}
      redirectUrl: ${{ input.next }}
      output:
        name: ${{ steps.about.output.name }}
        plan: ${{ steps.about.output.plan }}
        topics: ${{ steps.about.output.topics }}
        terms: ${{ steps.about.output.terms }}
  cancelled:
    end:
      title: Nothing was saved
      tone: neutral
      output: {cancelled: true}
`

// crmFlow connects the CRM after a first screen, so the consent starts in the bound browser.
const crmFlow = `
id: crm-tour
steps:
  hello:
    screen:
      title: Connect your CRM
      buttons: [{id: go, label: Go}]
    next: [{goto: connect}]
  connect:
    action: outbound.connect
    with: {app: crm}
    on: {connected: done, denied: done, error: done}
  done:
    end:
      title: Connected
      text: The CRM is connected.
      output:
        connected: ${{ steps.connect.output.connected }}
`

const approvalFlow = `
id: approval
steps:
  ask:
    screen:
      title: Ask for access
      buttons: [{id: ask, label: Ask}]
    next: approve
  approve:
    action: wait
    with:
      for: an administrator's approval
      timeout: 24h
      payload: {approved: bool}
    on: {timeout: done}
    next: done
  done:
    end:
      title: Answered
      output:
        approved: ${{ steps.approve.output.approved }}
`

// hosted is a server with hosted pages, an OAuth app on a fake provider, metrics and a captured
// log.
type hosted struct {
	t *testing.T
	// origin is the test server's URL, base the server's own (under its mount, if any).
	origin, base string
	// tlsClient trusts the test server's certificate.
	tlsClient *http.Client
	clock     *clock.Fake
	eng       *engine.Engine
	p         *connProvider
	store     *store.Store
	logs      *keyLogBuffer
	metrics   *server.Metrics
	server    *server.Server
	hooks     *webhooks.Webhooks
	// api calls the REST API with the management key.
	api client
}

func setupHosted(t *testing.T, demo *server.Demo) *hosted {
	t.Helper()
	return setupHostedWith(t, hostedConfig{demo: demo})
}

// hostedConfig varies the hosted server.
type hostedConfig struct {
	demo *server.Demo
	// mount serves the server under this path, stripped with http.StripPrefix, and makes it the
	// public URL's path; h.base is then the URL of the mount.
	mount string
	// tls serves over TLS; noPublicURL leaves Options.PublicURL empty.
	tls, noPublicURL bool
}

func setupHostedWith(t *testing.T, cfg hostedConfig) *hosted {
	t.Helper()
	h := &hosted{t: t, store: storetest.New(t), p: newConnProvider(t), logs: &keyLogBuffer{},
		clock: clock.NewFake(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)), metrics: server.NewMetrics()}
	ts := httptest.NewUnstartedServer(nil)
	if cfg.tls {
		ts.StartTLS()
	} else {
		ts.Start()
	}
	t.Cleanup(ts.Close)
	h.origin, h.base = ts.URL, ts.URL+cfg.mount
	h.tlsClient = ts.Client()
	h.api = client{t: t, url: h.base, key: hostedKey, http: &http.Client{Transport: h.tlsClient.Transport, CheckRedirect: noRedirects.CheckRedirect}}
	log := slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	kind := apps.KindOAuth2
	str := func(s string) *string { return &s }
	secret := outbound.NewSecret("cs")
	st := newStack(t, stackOptions{store: h.store, clock: h.clock, log: log, publicURL: h.base,
		allowedRedirects: []string{"https://app.example.com"}, metrics: h.metrics,
		apps: []apps.AppPatch{{
			ID: str("crm"), Kind: &kind, Name: str("Acme CRM"), ClientID: str("cid"), ClientSecret: &secret,
			AuthorizationURL: str("https://crm.example.com/authorize"), TokenURL: str(h.p.srv.URL + "/token"),
			RevocationURL: str(h.p.srv.URL + "/revoke"), DefaultScopes: &[]string{"contacts.read"},
		}},
		flows: map[string]string{"signup.yaml": signupFlow, "crm-tour.yaml": crmFlow, "approval.yaml": approvalFlow},
	})
	h.eng = st.engine
	publicURL := h.base
	if cfg.noPublicURL {
		publicURL = ""
	}
	ring, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	hooks, err := webhooks.New(webhooks.Options{Store: h.store, Keyring: ring, Clock: h.clock})
	if err != nil {
		t.Fatal(err)
	}
	h.hooks = hooks
	opts := st.options(hostedKey)
	opts.Webhooks, opts.PublicURL, opts.Logger, opts.Metrics, opts.Clock = hooks, publicURL, log, h.metrics, h.clock
	opts.PageSecret, opts.Demo = []byte("page secret"), cfg.demo
	h.server = newServer(t, opts)
	ts.Config.Handler = h.server
	if cfg.mount != "" {
		mux := http.NewServeMux()
		mux.Handle(cfg.mount+"/", http.StripPrefix(cfg.mount, h.server))
		ts.Config.Handler = mux
	}
	return h
}

// start starts a flow through the API and returns the execution id and its one-time link.
func (h *hosted) start(flowID, body string) (string, string) {
	h.t.Helper()
	r := h.api.call("POST", "/v1/flows/"+flowID+"/start", body)
	if r.status != 200 {
		h.t.Fatalf("start %s: %d %s", flowID, r.status, r.body)
	}
	link, _ := r.object(h.t)["link"].(map[string]any)
	u, _ := link["url"].(string)
	if !strings.HasPrefix(u, h.base+"/flows/link/") {
		h.t.Fatalf("start %s: no link in %s", flowID, r.body)
	}
	return r.object(h.t)["executionId"].(string), u
}

// browser is an HTTP client with its own cookies that does not follow redirects, so a test sees
// every hop.
type browser struct {
	t    *testing.T
	h    *hosted
	c    *http.Client
	last response
}

func (h *hosted) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: h.t, h: h, c: &http.Client{Jar: jar, Transport: h.tlsClient.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get fetches a page. A one-time link answers with its Continue page, which get presses (a POST),
// as a person would.
func (b *browser) get(u string) response {
	b.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = b.h.base + u
	}
	req, _ := http.NewRequest("GET", u, nil)
	b.last = do(b.t, b.c, req)
	if isOneTimeLink(u) && b.last.status == http.StatusOK {
		req := continueRequest(b.t, u, b.last.body)
		b.last = do(b.t, b.c, req)
	}
	return b.last
}

// continueRequest is the press on Continue of the page a one-time link u showed: a POST of its
// form, with its CSRF token, to its action.
func continueRequest(t *testing.T, u, page string) *http.Request {
	t.Helper()
	m := regexp.MustCompile(`<form method="post" action="([^"]+)">`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the link's page has no Continue form:\n%s", page)
	}
	action, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	action, _ = action.Parse(m[1])
	form := url.Values{"_csrf": {hiddenField(page, "_csrf")}}
	req, _ := http.NewRequest("POST", action.String(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// isOneTimeLink reports whether u is a one-time link: a flow's or a consent's.
func isOneTimeLink(u string) bool {
	return strings.Contains(u, "/flows/link/") || strings.Contains(u, "/v1/oauth/start/")
}

// submit posts the form of the last page with the pressed button and the fields.
func (b *browser) submit(button string, fields url.Values) response {
	b.t.Helper()
	form := url.Values{"_action": {button}}
	for _, hidden := range []string{"_csrf", "_nonce", "_step"} {
		form.Set(hidden, hiddenField(b.last.body, hidden))
	}
	for k, v := range fields {
		form[k] = v
	}
	action := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(b.last.body)
	if action == nil {
		b.t.Fatalf("the page has no form:\n%s", b.last.body)
	}
	return b.post(action[1], form)
}

// post posts a form to a path of the test server (under the mount, if any, a path holds it).
func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.h.origin+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(b.t, b.c, req)
}

func hiddenField(page, name string) string {
	m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}
