package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
)

func (c *Console) connectionRoutes() {
	c.mux.HandleFunc("GET /connections", c.page(c.ownerConnections))
	c.mux.HandleFunc("GET /apps/{appId}/connections", c.page(c.appConnections))
	c.mux.HandleFunc("POST /connections/{id}/disconnect", c.form(c.disconnect))
	c.mux.HandleFunc("POST /apps/{appId}/keys/delete", c.form(c.deleteKey))
	c.mux.HandleFunc("POST /apps/{appId}/connect-link", c.form(c.connectLink))
}

// connRow is an OAuth connection; it never holds a token.
type connRow struct {
	ID, App, AppName, AppLink, OwnerKind, OwnerID, Status, Reason string
	Scopes, Account, Expires, LastRefresh, RefreshError           string
	Disconnect                                                    string
}

// keyRow is a stored API key: its version and last characters only.
type keyRow struct {
	App, AppName, OwnerKind, OwnerID, UserID, TenantID, Last4, Created, Delete string
	Version                                                                    int
}

type connectionsView struct {
	Title, Flash, CSRF, Back, Lookup, UserID, TenantID string
	Conns                                              []connRow
	Keys                                               []keyRow
	// App is set on an app's page: its id, whether it is OAuth, and where to make a link.
	App, AppName, AppLinkBack, LinkAction string
	OAuth, Owner, CanLink                 bool
	Errors                                formErrors
}

// PageTitle implements titled.
func (v connectionsView) PageTitle() string { return v.Title }

// ownerConnections is GET /connections: every connection and key, or those of ?userId / ?tenantId.
func (c *Console) ownerConnections(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	owner := outbound.Owner{UserID: strings.TrimSpace(q.Get("userId")), TenantID: strings.TrimSpace(q.Get("tenantId"))}
	v := connectionsView{Title: "Connections", Flash: flash(r), CSRF: s.CSRF, Lookup: c.path("/connections"),
		UserID: owner.UserID, TenantID: owner.TenantID, Owner: !owner.IsZero()}
	v.Back = c.path("/connections")
	if !owner.IsZero() {
		v.Back += "?" + q.Encode()
	}
	names, err := c.appNames(r)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	if owner.IsZero() {
		err = c.allConnections(r, &v, names)
	} else {
		err = c.connectionsOf(r, &v, owner, names)
	}
	if errs, ok := errorsOf(err, "userId", "tenantId"); ok {
		v.Errors = errs
	} else if err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, http.StatusOK, "connections", s, v)
}

func (c *Console) appNames(r *http.Request) (map[string]apps.App, error) {
	list, err := c.opts.Apps.List(r.Context())
	if err != nil {
		return nil, err
	}
	out := map[string]apps.App{}
	for _, a := range list {
		out[a.ID] = a
	}
	return out, nil
}

func (c *Console) allConnections(r *http.Request, v *connectionsView, names map[string]apps.App) error {
	for _, id := range sortedKeys(names) {
		if err := c.appRows(r, v, names[id], v.Back); err != nil {
			return err
		}
	}
	return nil
}

func (c *Console) connectionsOf(r *http.Request, v *connectionsView, owner outbound.Owner, names map[string]apps.App) error {
	if c.opts.Vault != nil {
		conns, err := c.opts.Vault.List(r.Context(), owner, "")
		if err != nil {
			return err
		}
		for _, cn := range conns {
			v.Conns = append(v.Conns, c.connRow(cn, names, v.Back))
		}
	}
	if c.opts.APIKeys != nil {
		keys, err := c.opts.APIKeys.List(r.Context(), owner)
		if err != nil {
			return err
		}
		for _, k := range keys {
			v.Keys = append(v.Keys, c.keyRow(k, names, v.Back))
		}
	}
	return nil
}

// appRows adds an app's connections or keys to v.
func (c *Console) appRows(r *http.Request, v *connectionsView, app apps.App, back string) error {
	names := map[string]apps.App{app.ID: app}
	switch {
	case app.Kind == apps.KindOAuth2 && c.opts.Vault != nil:
		conns, err := c.opts.Vault.ListApp(r.Context(), app.ID)
		if err != nil {
			return err
		}
		for _, cn := range conns {
			v.Conns = append(v.Conns, c.connRow(cn, names, back))
		}
	case app.Kind == apps.KindAPIKey && c.opts.APIKeys != nil:
		keys, err := c.opts.APIKeys.ListApp(r.Context(), app.ID)
		if err != nil {
			return err
		}
		for _, k := range keys {
			v.Keys = append(v.Keys, c.keyRow(k, names, back))
		}
	}
	return nil
}

func (c *Console) connRow(cn oauth.Connection, names map[string]apps.App, back string) connRow {
	row := connRow{ID: cn.ID, App: cn.AppID, AppName: names[cn.AppID].Name, AppLink: c.pathf("/apps", cn.AppID),
		OwnerKind: cn.Owner.Kind(), OwnerID: cn.Owner.ID(), Status: string(cn.Status), Reason: cn.StatusReason,
		Scopes: strings.Join(cn.Scopes, " "), Account: firstOf(cn.Subject, cn.ExternalID), Expires: when(cn.ExpiresAt),
		LastRefresh: when(cn.LastRefreshAt), RefreshError: cn.LastRefreshError,
		Disconnect: c.pathf("/connections", cn.ID, "disconnect") + "?back=" + url.QueryEscape(back)}
	if row.AppName == "" {
		row.AppName = cn.AppID
	}
	return row
}

func (c *Console) keyRow(k apikeys.KeyInfo, names map[string]apps.App, back string) keyRow {
	row := keyRow{App: k.AppID, AppName: names[k.AppID].Name, OwnerKind: k.Owner.Kind(), OwnerID: k.Owner.ID(),
		UserID: k.Owner.UserID, TenantID: k.Owner.TenantID, Last4: k.Last4, Version: k.Version, Created: when(k.CreatedAt),
		Delete: c.pathf("/apps", k.AppID, "keys", "delete") + "?back=" + url.QueryEscape(back)}
	if row.AppName == "" {
		row.AppName = k.AppID
	}
	return row
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return "—"
}

// appConnections is GET /apps/{appId}/connections, with the "send a connect link" form.
func (c *Console) appConnections(w http.ResponseWriter, r *http.Request, s *session) {
	app, err := c.opts.Apps.Get(r.Context(), r.PathValue("appId"))
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	v := c.appConnectionsView(r, s, app)
	if err := c.appRows(r, &v, app, v.Back); err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, http.StatusOK, "connections", s, v)
}

func (c *Console) appConnectionsView(r *http.Request, s *session, app apps.App) connectionsView {
	return connectionsView{Title: "Connections of " + app.Name, Flash: flash(r), CSRF: s.CSRF, App: app.ID, AppName: app.Name, AppLinkBack: c.pathf("/apps", app.ID),
		OAuth: app.Kind == apps.KindOAuth2, Back: c.pathf("/apps", app.ID, "connections"),
		LinkAction: c.pathf("/apps", app.ID, "connect-link"), CanLink: app.Kind == apps.KindOAuth2 && c.opts.ConnectLink != nil}
}

// disconnect is POST /connections/{id}/disconnect, as DELETE /v1/connections/{id}: the provider
// is asked to revoke the tokens, which are then deleted.
func (c *Console) disconnect(w http.ResponseWriter, r *http.Request, s *session) {
	if c.opts.Vault == nil {
		c.fail(w, r, s, errPageNotFound)
		return
	}
	if _, err := c.opts.Vault.Disconnect(r.Context(), oauth.DisconnectRequest{ConnectionID: r.PathValue("id")}); err != nil {
		c.fail(w, r, s, err)
		return
	}
	http.Redirect(w, r, withDone(safeNext(c.opts.Base, r.URL.Query().Get("back")), "disconnected"), http.StatusSeeOther)
}

// deleteKey is POST /apps/{appId}/keys/delete, as DELETE /v1/apikeys: an owner's key.
func (c *Console) deleteKey(w http.ResponseWriter, r *http.Request, s *session) {
	if c.opts.APIKeys == nil {
		c.fail(w, r, s, errPageNotFound)
		return
	}
	owner := outbound.Owner{UserID: r.PostForm.Get("userId"), TenantID: r.PostForm.Get("tenantId")}
	if err := c.opts.APIKeys.Delete(r.Context(), owner, r.PathValue("appId")); err != nil {
		c.fail(w, r, s, err)
		return
	}
	http.Redirect(w, r, withDone(safeNext(c.opts.Base, r.URL.Query().Get("back")), "key-deleted"), http.StatusSeeOther)
}

func withDone(path, done string) string {
	if strings.Contains(path, "?") {
		return path + "&done=" + done
	}
	return path + "?done=" + done
}

type linkView struct {
	Title, URL, Expires, Back, Owner string
}

// PageTitle implements titled.
func (v linkView) PageTitle() string { return v.Title }

// connectLink is POST /apps/{appId}/connect-link: a one-time consent link for a user or tenant,
// made as POST /v1/connect makes it, shown once to copy.
func (c *Console) connectLink(w http.ResponseWriter, r *http.Request, s *session) {
	app, err := c.opts.Apps.Get(r.Context(), r.PathValue("appId"))
	if err != nil || c.opts.ConnectLink == nil {
		c.fail(w, r, s, orNotFound(err))
		return
	}
	owner := outbound.Owner{UserID: strings.TrimSpace(r.PostForm.Get("userId")), TenantID: strings.TrimSpace(r.PostForm.Get("tenantId"))}
	link, exp, err := c.opts.ConnectLink(r.Context(), r, ConnectLinkRequest{AppID: app.ID, Owner: owner})
	if err != nil {
		errs, ok := errorsOf(err, "userId", "tenantId")
		if !ok {
			c.fail(w, r, s, err)
			return
		}
		v := c.appConnectionsView(r, s, app)
		v.Errors, v.UserID, v.TenantID = errs, owner.UserID, owner.TenantID
		if err := c.appRows(r, &v, app, v.Back); err != nil {
			c.fail(w, r, s, err)
			return
		}
		c.render(w, r, http.StatusBadRequest, "connections", s, v)
		return
	}
	c.render(w, r, http.StatusOK, "link", s, linkView{Title: "Connect link for " + app.Name, URL: link, Expires: when(exp),
		Back: c.pathf("/apps", app.ID, "connections"), Owner: owner.Kind() + " " + owner.ID()})
}

func orNotFound(err error) error {
	if err == nil {
		return errPageNotFound
	}
	return err
}
