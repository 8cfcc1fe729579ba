package console

import (
	"net/http"

	"github.com/outflowhq/outflow/outbound/apps"
)

type deleteView struct {
	ID, Name, Action, Cancel, CSRF string
	OAuth, Mismatch                bool
	Connections                    int
}

// PageTitle implements titled.
func (v deleteView) PageTitle() string { return "Delete " + v.Name }

// deletePage is GET /apps/{appId}/delete: a confirmation that says what deleting does.
func (c *Console) deletePage(w http.ResponseWriter, r *http.Request, s *session) {
	app, err := c.opts.Apps.Get(r.Context(), r.PathValue("appId"))
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	n, _, err := c.health(r, app)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, http.StatusOK, "delete", s, deleteView{ID: app.ID, Name: app.Name, Action: c.pathf("/apps", app.ID, "delete"),
		Cancel: c.pathf("/apps", app.ID), CSRF: s.CSRF, OAuth: app.Kind == apps.KindOAuth2, Connections: n})
}

// deleteApp is POST /apps/{appId}/delete, as DELETE /v1/apps/{appId} (Apps.Delete, whose hooks
// revoke connections and delete keys). The form must repeat the app id.
func (c *Console) deleteApp(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("appId")
	if r.PostForm.Get("confirm") != id {
		app, err := c.opts.Apps.Get(r.Context(), id)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		n, _, _ := c.health(r, app)
		c.render(w, r, http.StatusBadRequest, "delete", s, deleteView{ID: app.ID, Name: app.Name, Action: c.pathf("/apps", app.ID, "delete"),
			Cancel: c.pathf("/apps", app.ID), CSRF: s.CSRF, OAuth: app.Kind == apps.KindOAuth2, Connections: n, Mismatch: true})
		return
	}
	if err := c.opts.Apps.Delete(r.Context(), id); err != nil {
		c.fail(w, r, s, err)
		return
	}
	http.Redirect(w, r, c.path("/apps?done=deleted"), http.StatusSeeOther)
}
