package console

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/outflowhq/outflow/outbound/apps"
)

func (c *Console) appRoutes() {
	c.mux.HandleFunc("GET /apps", c.page(c.appList))
	c.mux.HandleFunc("GET /library", c.page(c.library))
	c.mux.HandleFunc("GET /library/{from}", c.page(c.newAppPage))
	c.mux.HandleFunc("POST /library/{from}", c.form(c.createApp))
	c.mux.HandleFunc("GET /apps/{appId}", c.page(c.appPage))
	c.mux.HandleFunc("POST /apps/{appId}", c.form(c.updateApp))
	c.mux.HandleFunc("POST /apps/{appId}/secret", c.form(c.updateSecret))
	c.mux.HandleFunc("GET /apps/{appId}/delete", c.page(c.deletePage))
	c.mux.HandleFunc("POST /apps/{appId}/delete", c.form(c.deleteApp))
}

// appRow is an app in the list.
type appRow struct {
	ID, Name, Kind, Template, Link, ConnectionsLink string
	Badge                                           badge
	Connections                                     int
	Health                                          []statusCount
}

type statusCount struct {
	Status string
	Count  int
}

type appsView struct {
	Base, NewLink, Flash string
	Apps                 []appRow
}

// PageTitle implements titled.
func (appsView) PageTitle() string { return "Outbound apps" }

// appList is GET /apps: every app with its connections by health.
func (c *Console) appList(w http.ResponseWriter, r *http.Request, s *session) {
	list, err := c.opts.Apps.List(r.Context())
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	v := appsView{Base: c.opts.Base, NewLink: c.path("/library"), Flash: flash(r)}
	for _, a := range list {
		row := appRow{ID: a.ID, Name: a.Name, Kind: kindName(a.Kind), Template: a.TemplateID, Badge: newBadge(a.Name, a.Logo, true),
			Link: c.pathf("/apps", a.ID), ConnectionsLink: c.pathf("/apps", a.ID, "connections")}
		row.Connections, row.Health, err = c.health(r, a)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		v.Apps = append(v.Apps, row)
	}
	c.render(w, r, http.StatusOK, "apps", s, v)
}

// health counts an app's connections (or stored API keys) by status.
func (c *Console) health(r *http.Request, a apps.App) (int, []statusCount, error) {
	counts := map[string]int{}
	total := 0
	switch {
	case a.Kind == apps.KindOAuth2 && c.opts.Vault != nil:
		conns, err := c.opts.Vault.ListApp(r.Context(), a.ID)
		if err != nil {
			return 0, nil, err
		}
		for _, cn := range conns {
			counts[string(cn.Status)]++
		}
		total = len(conns)
	case a.Kind == apps.KindAPIKey && c.opts.APIKeys != nil:
		keys, err := c.opts.APIKeys.ListApp(r.Context(), a.ID)
		if err != nil {
			return 0, nil, err
		}
		total = len(keys)
		if total > 0 {
			counts["stored"] = total
		}
	}
	var out []statusCount
	for _, st := range slices.Sorted(maps.Keys(counts)) {
		out = append(out, statusCount{st, counts[st]})
	}
	return total, out, nil
}

func kindName(k apps.Kind) string {
	if k == apps.KindAPIKey {
		return "API key"
	}
	return "OAuth 2.0"
}

// flash is the message of a redirect after a change (?done=created).
func flash(r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case "created":
		return "The app was created."
	case "saved":
		return "Saved."
	case "secret-set":
		return "The client secret was saved. It is never shown again."
	case "secret-cleared":
		return "The client secret was cleared."
	case "deleted":
		return "The app was deleted, with its connections and keys."
	case "disconnected":
		return "Disconnected: the provider was asked to revoke the tokens, and they were deleted."
	case "key-deleted":
		return "The API key was deleted."
	}
	return ""
}

// templateTile is a template in the library.
type templateTile struct {
	ID, Name, Description, Kind, Link string
	Categories                        []string
	Badge                             badge
}

type libraryView struct {
	Q, Category            string
	Categories             []string
	Templates              []templateTile
	CustomOAuth, CustomKey string
	Action                 string
	Total                  int
}

// PageTitle implements titled.
func (libraryView) PageTitle() string { return "New outbound app" }

// library is GET /library: the template library, searched by name, id, description, keyword
// and category, and the two custom kinds.
func (c *Console) library(w http.ResponseWriter, r *http.Request, s *session) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	cat := r.URL.Query().Get("category")
	v := libraryView{Q: q, Category: cat, Action: c.path("/library"),
		CustomOAuth: c.path("/library/" + fromCustomOAuth), CustomKey: c.path("/library/" + fromCustomKey)}
	seen := map[string]bool{}
	list := c.opts.Apps.Catalog().List()
	v.Total = len(list)
	for i := range list {
		t := &list[i]
		cats := templateCategories(t)
		for _, k := range cats {
			if !seen[k] {
				seen[k] = true
				v.Categories = append(v.Categories, k)
			}
		}
		if (cat != "" && !slices.Contains(cats, cat)) || !matches(t, q) {
			continue
		}
		v.Templates = append(v.Templates, templateTile{ID: t.ID, Name: t.Name, Description: t.Description, Kind: kindName(t.Kind),
			Link: c.pathf("/library", t.ID), Categories: cats, Badge: newBadge(t.Name, t.Logo, false)})
	}
	slices.Sort(v.Categories)
	c.render(w, r, http.StatusOK, "library", s, v)
}

// matches reports whether every word of q is in the template's id, name, description,
// categories or keywords.
func matches(t *apps.Template, q string) bool {
	hay := strings.ToLower(strings.Join(append([]string{t.ID, t.Name, t.Description, string(t.Kind)}, templateTerms(t)...), " "))
	for _, w := range strings.Fields(strings.ToLower(q)) {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// appLink is the page of an app with a flash message.
func (c *Console) appLink(id, done string) string {
	return fmt.Sprintf("%s?done=%s", c.pathf("/apps", id), done)
}
