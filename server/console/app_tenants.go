package console

import (
	"net/http"
	"strings"

	"github.com/outflowhq/outflow/outbound/apps"
)

// tenantRow is one tenant's own settings of an app, as the app page lists them.
type tenantRow struct {
	TenantID, ClientID, Overrides, Updated string
	Revision                               int64
	HasSecret                              bool
}

// tenantRows lists the tenants' own settings of an app; a failure to read them leaves the list
// out of the page rather than fail it.
func (c *Console) tenantRows(r *http.Request, appID string) []tenantRow {
	list, err := c.opts.Apps.ListTenantSettings(r.Context(), appID)
	if err != nil {
		c.log.WarnContext(r.Context(), "console: list tenant settings", "app", appID, "error", err)
		return nil
	}
	rows := make([]tenantRow, 0, len(list))
	for _, t := range list {
		rows = append(rows, tenantRow{TenantID: t.TenantID, ClientID: t.ClientID, Overrides: overridden(t.TenantOverrides),
			Updated: when(t.UpdatedAt), Revision: t.Revision, HasSecret: t.HasClientSecret})
	}
	return rows
}

// overridden names the settings a tenant overrides besides its client.
func overridden(o apps.TenantOverrides) string {
	var names []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"variables", len(o.Variables) > 0}, {"authorizationUrl", o.AuthorizationURL != ""}, {"tokenUrl", o.TokenURL != ""},
		{"refreshUrl", o.RefreshURL != ""}, {"revocationUrl", o.RevocationURL != ""}, {"discoveryUrl", o.DiscoveryURL != ""},
		{"userInfoUrl", o.UserInfoURL != ""}, {"issuer", o.Issuer != ""}, {"apiBaseUrls", len(o.APIBaseURLs) > 0},
		{"scopes", len(o.Scopes) > 0}, {"defaultScopes", len(o.DefaultScopes) > 0}, {"authorizationParams", len(o.AuthorizationParams) > 0},
	} {
		if f.set {
			names = append(names, f.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
