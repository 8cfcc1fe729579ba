package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/outbound/webhooks"
)

// webhookRoutes are the webhook endpoint pages; they are left out without Options.Webhooks. Every
// change is the call the REST API makes (/v1/webhooks).
func (c *Console) webhookRoutes() {
	if c.opts.Webhooks == nil {
		return
	}
	c.mux.HandleFunc("GET /webhooks", c.page(c.webhookList))
	c.mux.HandleFunc("GET /webhooks/new", c.page(c.webhookNew))
	c.mux.HandleFunc("POST /webhooks", c.form(c.webhookCreate))
	c.mux.HandleFunc("GET /webhooks/{id}", c.page(c.webhookPage))
	c.mux.HandleFunc("POST /webhooks/{id}", c.form(c.webhookSave))
	c.mux.HandleFunc("POST /webhooks/{id}/rotate-secret", c.form(c.webhookRotate))
	c.mux.HandleFunc("POST /webhooks/{id}/test", c.form(c.webhookTest))
	c.mux.HandleFunc("GET /webhooks/{id}/delete", c.page(c.webhookDeletePage))
	c.mux.HandleFunc("POST /webhooks/{id}/delete", c.form(c.webhookDelete))
	c.mux.HandleFunc("POST /webhooks/{id}/deliveries/{deliveryId}/retry", c.form(c.webhookRetry))
}

// webhookRow is an endpoint in the list; it never holds a secret.
type webhookRow struct {
	ID, URL, Description, Link, Events, Apps string
	Enabled, FromFile                        bool
}

type webhooksView struct {
	Flash, NewLink string
	Rows           []webhookRow
}

// PageTitle implements titled.
func (webhooksView) PageTitle() string { return "Webhooks" }

func (c *Console) webhookList(w http.ResponseWriter, r *http.Request, s *session) {
	list, err := c.opts.Webhooks.List(r.Context())
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	v := webhooksView{Flash: webhookFlash(r), NewLink: c.path("/webhooks/new")}
	for _, e := range list {
		v.Rows = append(v.Rows, webhookRow{ID: e.ID, URL: e.URL, Description: e.Description, Link: c.pathf("/webhooks", e.ID),
			Events: orAll(e.EventTypes, "every event"), Apps: orAll(e.AppIDs, "every app"), Enabled: !e.Disabled,
			FromFile: e.ManagedBy == webhooks.ManagedByAppsFile})
	}
	c.render(w, r, http.StatusOK, "webhooks", s, v)
}

func orAll(list []string, all string) string {
	if len(list) == 0 {
		return all
	}
	return strings.Join(list, ", ")
}

// eventChoice is a checkbox of the event type filter.
type eventChoice struct {
	Value, ID string
	Checked   bool
}

// eventGroup is the group checkbox ("connection.*") and the types in it.
type eventGroup struct {
	All   eventChoice
	Types []eventChoice
}

// deliveryRow is one delivery with what its last attempt got.
type deliveryRow struct {
	ID, EventType, Status, Created, LastAttempt, NextAttempt, LastError, Retry string
	Attempts, Code                                                             int
}

type webhookView struct {
	Title, Flash, CSRF, Action, Cancel string
	// Endpoint is nil on the new endpoint's form.
	Endpoint                   *webhooks.Endpoint
	URL, Description, AppIDs   string
	Enabled, FromFile          bool
	Groups                     []eventGroup
	Errors                     formErrors
	Rotate, Test, Delete, Back string
	OverlapUntil               string
	Deliveries                 []deliveryRow
	HTTPLoopback               bool
}

// PageTitle implements titled.
func (v webhookView) PageTitle() string { return v.Title }

// eventGroups are the catalog's types by group, checked as filter holds them.
func eventGroups(filter []string) []eventGroup {
	var out []eventGroup
	for _, t := range events.Catalog() {
		g, _, _ := strings.Cut(string(t), ".")
		if len(out) == 0 || out[len(out)-1].All.Value != g+".*" {
			out = append(out, eventGroup{All: eventChoice{Value: g + ".*", ID: "ev-" + g + "-all", Checked: slices.Contains(filter, g+".*")}})
		}
		grp := &out[len(out)-1]
		grp.Types = append(grp.Types, eventChoice{Value: string(t), ID: inputID("ev." + string(t)), Checked: slices.Contains(filter, string(t))})
	}
	return out
}

func (c *Console) webhookForm(s *session, e *webhooks.Endpoint) webhookView {
	v := webhookView{CSRF: s.CSRF, Enabled: true, Groups: eventGroups(nil), Title: "New webhook endpoint",
		Action: c.path("/webhooks"), Cancel: c.path("/webhooks"), Back: c.path("/webhooks"), HTTPLoopback: c.opts.Webhooks.Egress().AllowHTTPLoopback}
	if e != nil {
		v.Endpoint, v.Title = e, "Webhook endpoint "+e.ID
		v.URL, v.Description, v.AppIDs, v.Enabled = e.URL, e.Description, strings.Join(e.AppIDs, ", "), !e.Disabled
		v.FromFile = e.ManagedBy == webhooks.ManagedByAppsFile
		v.Groups = eventGroups(e.EventTypes)
		v.Action, v.Cancel = c.pathf("/webhooks", e.ID), c.pathf("/webhooks", e.ID)
		v.Rotate, v.Test, v.Delete = c.pathf("/webhooks", e.ID, "rotate-secret"), c.pathf("/webhooks", e.ID, "test"), c.pathf("/webhooks", e.ID, "delete")
		v.OverlapUntil = when(e.PreviousSecretExpiresAt)
		if e.PreviousSecretExpiresAt.IsZero() {
			v.OverlapUntil = ""
		}
	}
	return v
}

// posted reads the endpoint form into v and an input.
func posted(f url.Values, v *webhookView) webhooks.EndpointInput {
	v.URL, v.Description, v.AppIDs = strings.TrimSpace(f.Get("url")), f.Get("description"), f.Get("appIds")
	v.Enabled = f.Get("enabled") == "on"
	types := f["eventTypes"]
	v.Groups = eventGroups(types)
	apps := strings.FieldsFunc(v.AppIDs, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
	disabled := !v.Enabled
	if types == nil {
		types = []string{}
	}
	if apps == nil {
		apps = []string{}
	}
	return webhooks.EndpointInput{URL: &v.URL, Description: &v.Description, EventTypes: &types, AppIDs: &apps, Disabled: &disabled}
}

var webhookInputs = []string{"url", "description", "eventTypes", "appIds"}

func (c *Console) webhookNew(w http.ResponseWriter, r *http.Request, s *session) {
	c.render(w, r, http.StatusOK, "webhook", s, c.webhookForm(s, nil))
}

// secretView shows a signing secret, the one time it is shown.
type secretView struct {
	Title, Secret, Back, Intro, Overlap string
}

// PageTitle implements titled.
func (v secretView) PageTitle() string { return v.Title }

// webhookCreate is POST /webhooks, as POST /v1/webhooks: the answer shows the secret once.
func (c *Console) webhookCreate(w http.ResponseWriter, r *http.Request, s *session) {
	v := c.webhookForm(s, nil)
	in := posted(r.PostForm, &v)
	if v.URL == "" {
		v.Errors = formErrors{By: map[string]*fieldError{}}
		fe := fieldError{ID: inputID("url"), Text: "url: is required: the https:// URL events are posted to"}
		v.Errors.By["url"], v.Errors.List = &fe, []fieldError{fe}
		c.render(w, r, http.StatusBadRequest, "webhook", s, v)
		return
	}
	e, secret, err := c.opts.Webhooks.Create(r.Context(), in)
	if errs, ok := errorsOf(err, webhookInputs...); ok {
		v.Errors = errs
		c.render(w, r, http.StatusBadRequest, "webhook", s, v)
		return
	} else if err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.log.InfoContext(r.Context(), "webhook endpoint created in the console", "endpoint", e.ID, "actor", s.Actor)
	c.render(w, r, http.StatusCreated, "whsecret", s, secretView{Title: "Webhook endpoint created", Secret: secret, Back: c.pathf("/webhooks", e.ID),
		Intro: "Events are posted to " + e.URL + ", signed with this secret per the Standard Webhooks specification. Give it to the receiver to verify the webhook-signature header."})
}

func (c *Console) webhookPage(w http.ResponseWriter, r *http.Request, s *session) {
	e, err := c.opts.Webhooks.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	v := c.webhookForm(s, &e)
	v.Flash = webhookFlash(r)
	if err := c.deliveryRows(r, &v); err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, http.StatusOK, "webhook", s, v)
}

func (c *Console) deliveryRows(r *http.Request, v *webhookView) error {
	list, err := c.opts.Webhooks.Deliveries(r.Context(), v.Endpoint.ID, 50)
	if err != nil {
		return err
	}
	for _, d := range list {
		row := deliveryRow{ID: d.ID, EventType: string(d.EventType), Status: string(d.Status), Attempts: d.Attempts, Code: d.LastStatusCode,
			Created: when(d.CreatedAt), LastAttempt: when(d.LastAttemptAt), LastError: d.LastError}
		if d.Status == webhooks.StatusPending && !d.NextAttemptAt.IsZero() {
			row.NextAttempt = when(d.NextAttemptAt)
		}
		if d.Status != webhooks.StatusPending || d.Attempts > 0 {
			row.Retry = c.pathf("/webhooks", v.Endpoint.ID, "deliveries", d.ID, "retry")
		}
		v.Deliveries = append(v.Deliveries, row)
	}
	return nil
}

// webhookSave is POST /webhooks/{id}, as PATCH /v1/webhooks/{id}.
func (c *Console) webhookSave(w http.ResponseWriter, r *http.Request, s *session) {
	e, err := c.opts.Webhooks.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	v := c.webhookForm(s, &e)
	in := posted(r.PostForm, &v)
	if _, err := c.opts.Webhooks.Update(r.Context(), e.ID, in); err != nil {
		errs, ok := errorsOf(err, webhookInputs...)
		if !ok {
			c.fail(w, r, s, err)
			return
		}
		v.Errors = errs
		if err := c.deliveryRows(r, &v); err != nil {
			c.fail(w, r, s, err)
			return
		}
		c.render(w, r, http.StatusBadRequest, "webhook", s, v)
		return
	}
	http.Redirect(w, r, withDone(c.pathf("/webhooks", e.ID), "webhook-saved"), http.StatusSeeOther)
}

// webhookRotate is POST /webhooks/{id}/rotate-secret: the new secret is shown once; the old one
// keeps signing for the overlap chosen.
func (c *Console) webhookRotate(w http.ResponseWriter, r *http.Request, s *session) {
	overlaps := map[string]time.Duration{"24h": 0, "1h": time.Hour, "7d": 7 * 24 * time.Hour, "none": -1}
	overlap, ok := overlaps[r.PostForm.Get("overlap")]
	if !ok {
		c.fail(w, r, s, errBadForm)
		return
	}
	e, secret, err := c.opts.Webhooks.RotateSecret(r.Context(), r.PathValue("id"), overlap)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.log.InfoContext(r.Context(), "webhook endpoint secret rotated in the console", "endpoint", e.ID, "actor", s.Actor)
	v := secretView{Title: "New signing secret", Secret: secret, Back: c.pathf("/webhooks", e.ID),
		Intro: "Deliveries to " + e.URL + " are now signed with this secret."}
	if !e.PreviousSecretExpiresAt.IsZero() {
		v.Overlap = "Until " + when(e.PreviousSecretExpiresAt) + ", every delivery carries two signatures, one with the old secret and one with this one, " +
			"so the receiver keeps verifying while you give it the new secret. After that only this secret signs."
	} else {
		v.Overlap = "The old secret stopped signing at once: the receiver must use this one now."
	}
	c.render(w, r, http.StatusOK, "whsecret", s, v)
}

// webhookTest is POST /webhooks/{id}/test: a webhook.test delivery, queued.
func (c *Console) webhookTest(w http.ResponseWriter, r *http.Request, s *session) {
	if _, err := c.opts.Webhooks.SendTest(r.Context(), r.PathValue("id")); err != nil {
		c.fail(w, r, s, err)
		return
	}
	http.Redirect(w, r, withDone(c.pathf("/webhooks", r.PathValue("id")), "webhook-test"), http.StatusSeeOther)
}

// webhookRetry is POST /webhooks/{id}/deliveries/{deliveryId}/retry.
func (c *Console) webhookRetry(w http.ResponseWriter, r *http.Request, s *session) {
	if _, err := c.opts.Webhooks.Retry(r.Context(), r.PathValue("id"), r.PathValue("deliveryId")); err != nil {
		c.fail(w, r, s, err)
		return
	}
	http.Redirect(w, r, withDone(c.pathf("/webhooks", r.PathValue("id")), "delivery-retried"), http.StatusSeeOther)
}

type webhookDeleteView struct {
	ID, URL, Action, Cancel, CSRF string
	FromFile, Mismatch            bool
}

// PageTitle implements titled.
func (v webhookDeleteView) PageTitle() string { return "Delete webhook endpoint " + v.ID }

func (c *Console) webhookDeletePage(w http.ResponseWriter, r *http.Request, s *session) {
	e, err := c.opts.Webhooks.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, http.StatusOK, "whdelete", s, c.webhookDeleteView(s, e))
}

func (c *Console) webhookDeleteView(s *session, e webhooks.Endpoint) webhookDeleteView {
	return webhookDeleteView{ID: e.ID, URL: e.URL, Action: c.pathf("/webhooks", e.ID, "delete"), Cancel: c.pathf("/webhooks", e.ID), CSRF: s.CSRF,
		FromFile: e.ManagedBy == webhooks.ManagedByAppsFile}
}

// webhookDelete is POST /webhooks/{id}/delete, as DELETE /v1/webhooks/{id}, once the id is typed.
func (c *Console) webhookDelete(w http.ResponseWriter, r *http.Request, s *session) {
	e, err := c.opts.Webhooks.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	if strings.TrimSpace(r.PostForm.Get("confirm")) != e.ID {
		v := c.webhookDeleteView(s, e)
		v.Mismatch = true
		c.render(w, r, http.StatusBadRequest, "whdelete", s, v)
		return
	}
	if err := c.opts.Webhooks.Delete(r.Context(), e.ID); err != nil && !errors.Is(err, webhooks.ErrEndpointNotFound) {
		c.fail(w, r, s, err)
		return
	}
	c.log.InfoContext(r.Context(), "webhook endpoint deleted in the console", "endpoint", e.ID, "actor", s.Actor)
	http.Redirect(w, r, withDone(c.path("/webhooks"), "webhook-deleted"), http.StatusSeeOther)
}

func webhookFlash(r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case "webhook-saved":
		return "Saved."
	case "webhook-test":
		return "A webhook.test event was queued; its delivery is listed below once the worker sends it."
	case "delivery-retried":
		return "The delivery was queued again."
	case "webhook-deleted":
		return "The webhook endpoint was deleted."
	}
	return ""
}
