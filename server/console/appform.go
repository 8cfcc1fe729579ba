package console

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// The app page's forms name their inputs after the fields of the REST API's AppPatch
// ("clientId", "refresh.marginSeconds"), so the field errors of apps validation land next to
// the input they are about.

// prompts are the prompt values offered as checkboxes.
var prompts = []string{apps.PromptConsent, apps.PromptSelectAccount, apps.PromptLogin, apps.PromptNone}

// maxScopeRows is how many scope rows a form may send.
const maxScopeRows = 200

// scopeRow is one row of the scopes table.
type scopeRow struct {
	Index                       int
	Name, Description           string
	Optional, Default, Disabled bool
}

// valuesOf are the form values of an app's settings.
func valuesOf(a apps.App) url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	on := func(k string, b bool) {
		if b {
			v.Set(k, "on")
		}
	}
	set("name", a.Name)
	set("description", a.Description)
	set("logo", a.Logo)
	set("clientId", a.ClientID)
	set("callbackDomain", a.CallbackDomain)
	set("defaultRedirectUrl", a.DefaultRedirectURL)
	set("authorizationUrl", a.AuthorizationURL)
	set("tokenUrl", a.TokenURL)
	set("revocationUrl", a.RevocationURL)
	set("userInfoUrl", a.UserInfoURL)
	set("apiBaseUrls", strings.Join(a.APIBaseURLs, "\n"))
	set("accessType", string(a.AccessType))
	set("tokenAuthStyle", string(a.TokenAuthStyle))
	set("authorizationParams", paramLines(a.AuthorizationParams))
	set("tokenParams", paramLines(a.TokenParams))
	if a.Refresh.MarginSeconds > 0 {
		v.Set("refresh.marginSeconds", strconv.Itoa(a.Refresh.MarginSeconds))
	}
	if a.Refresh.FallbackLifetimeSeconds > 0 {
		v.Set("refresh.fallbackLifetimeSeconds", strconv.Itoa(a.Refresh.FallbackLifetimeSeconds))
	}
	on("refresh.rotatesRefreshToken", a.Refresh.RotatesRefreshToken)
	on("pkce", a.PKCE)
	for _, p := range a.Prompt {
		on("prompt."+p, true)
	}
	if k := a.APIKey; k != nil {
		set("apiKey.label", k.Label)
		set("apiKey.baseUrl", k.BaseURL)
		set("apiKey.formatHint.prefix", k.FormatHint.Prefix)
		set("apiKey.formatHint.example", k.FormatHint.Example)
	}
	return v
}

// scopeRows are the rows of the scopes table for a's scopes, and extra blank rows to add more.
func scopeRows(a apps.App, extra int) []scopeRow {
	var out []scopeRow
	for i, s := range a.Scopes {
		out = append(out, scopeRow{Index: i, Name: s.Name, Description: s.Description, Optional: s.Optional,
			Default: slices.Contains(a.DefaultScopes, s.Name)})
	}
	for i := range extra {
		out = append(out, scopeRow{Index: len(a.Scopes) + i})
	}
	return out
}

// postedScopeRows reads the scopes table back from a form, blank rows included, as posted.
func postedScopeRows(f url.Values) []scopeRow {
	var out []scopeRow
	for i := 0; i < maxScopeRows; i++ {
		p := "scope." + strconv.Itoa(i) + "."
		if _, ok := f[p+"name"]; !ok {
			break
		}
		out = append(out, scopeRow{Index: i, Name: strings.TrimSpace(f.Get(p + "name")), Description: strings.TrimSpace(f.Get(p + "description")),
			Optional: f.Get(p+"optional") == "on", Default: f.Get(p+"default") == "on"})
	}
	return out
}

// scopesOf turns the table into the scopes and default scopes: rows without a name are left out.
func scopesOf(rows []scopeRow) (scopes []apps.Scope, defaults []string) {
	scopes, defaults = []apps.Scope{}, []string{}
	for _, r := range rows {
		if r.Name == "" {
			continue
		}
		scopes = append(scopes, apps.Scope{Name: r.Name, Description: r.Description, Optional: r.Optional})
		if r.Default {
			defaults = append(defaults, r.Name)
		}
	}
	return scopes, defaults
}

// paramLines writes parameters as "name=value" lines, sorted by name.
func paramLines(m map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b.WriteString(k + "=" + m[k] + "\n")
	}
	return b.String()
}

// patchBuilder builds an AppPatch from a section's form, collecting what cannot be read.
type patchBuilder struct {
	f     url.Values
	p     apps.AppPatch
	probs []outbound.FieldError
}

func (b *patchBuilder) str(name string, dst **string) {
	v := strings.TrimSpace(b.f.Get(name))
	*dst = &v
}

// lines reads one value per line, blank lines left out.
func (b *patchBuilder) lines(name string, dst **[]string) {
	out := []string{}
	for _, l := range strings.Split(b.f.Get(name), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	*dst = &out
}

func (b *patchBuilder) seconds(name string, dst **int) {
	raw := strings.TrimSpace(b.f.Get(name))
	if raw == "" {
		zero := 0
		*dst = &zero
		return
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		b.probs = append(b.probs, outbound.FieldError{Field: name, Message: "must be a whole number of seconds, such as 300"})
		return
	}
	*dst = &n
}

// params reads "name=value" lines into a merge of cur: names no longer listed are removed.
func (b *patchBuilder) params(name string, cur map[string]string) map[string]*string {
	out := map[string]*string{}
	for k := range cur {
		out[k] = nil
	}
	for i, line := range strings.Split(b.f.Get(name), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) == "" {
			b.probs = append(b.probs, outbound.FieldError{Field: name, Message: "line " + strconv.Itoa(i+1) + " is not name=value"})
			continue
		}
		val := strings.TrimSpace(v)
		out[strings.TrimSpace(k)] = &val
	}
	return out
}

// sectionPatch builds the patch of one section of the app page from its form. The REST API's
// validation (Apps.Update) then checks it; what cannot even be read is refused here, in the same
// shape.
func sectionPatch(section string, f url.Values, cur apps.App) (apps.AppPatch, error) {
	b := &patchBuilder{f: f}
	switch section {
	case "details":
		b.str("name", &b.p.Name)
		b.str("description", &b.p.Description)
		b.str("logo", &b.p.Logo)
	case "account":
		b.str("clientId", &b.p.ClientID)
		b.str("callbackDomain", &b.p.CallbackDomain)
		scopes, defaults := scopesOf(postedScopeRows(f))
		b.p.Scopes, b.p.DefaultScopes = &scopes, &defaults
	case "additional":
		for _, n := range []struct {
			name string
			dst  **string
		}{{"defaultRedirectUrl", &b.p.DefaultRedirectURL}, {"authorizationUrl", &b.p.AuthorizationURL}, {"tokenUrl", &b.p.TokenURL},
			{"revocationUrl", &b.p.RevocationURL}, {"userInfoUrl", &b.p.UserInfoURL}} {
			b.str(n.name, n.dst)
		}
		b.lines("apiBaseUrls", &b.p.APIBaseURLs)
	case "tokens":
		b.tokens(cur)
	case "apikey":
		k := &apps.APIKeyPatch{FormatHint: &apps.FormatHintPatch{}}
		b.str("apiKey.label", &k.Label)
		b.str("apiKey.baseUrl", &k.BaseURL)
		b.str("apiKey.formatHint.prefix", &k.FormatHint.Prefix)
		b.str("apiKey.formatHint.example", &k.FormatHint.Example)
		b.p.APIKey = k
		b.lines("apiBaseUrls", &b.p.APIBaseURLs)
	default:
		b.probs = append(b.probs, outbound.FieldError{Field: "section", Message: "is not a section of the app page"})
	}
	if len(b.probs) > 0 {
		return b.p, &outbound.InvalidError{Kind: apps.ErrInvalidApp, Fields: b.probs}
	}
	return b.p, nil
}

func (b *patchBuilder) tokens(cur apps.App) {
	pkce := b.f.Get("pkce") == "on"
	b.p.PKCE = &pkce
	at := apps.AccessType(b.f.Get("accessType"))
	b.p.AccessType = &at
	style := apps.TokenAuthStyle(b.f.Get("tokenAuthStyle"))
	b.p.TokenAuthStyle = &style
	prompt := []string{}
	for _, p := range prompts {
		if b.f.Get("prompt."+p) == "on" {
			prompt = append(prompt, p)
		}
	}
	b.p.Prompt = &prompt
	b.p.AuthorizationParams = b.params("authorizationParams", cur.AuthorizationParams)
	b.p.TokenParams = b.params("tokenParams", cur.TokenParams)
	rp := &apps.RefreshPolicyPatch{}
	b.seconds("refresh.marginSeconds", &rp.MarginSeconds)
	b.seconds("refresh.fallbackLifetimeSeconds", &rp.FallbackLifetimeSeconds)
	rot := b.f.Get("refresh.rotatesRefreshToken") == "on"
	rp.RotatesRefreshToken = &rot
	b.p.Refresh = rp
}
