package apps

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/outflowhq/outflow/outbound"
)

// Template is a catalog entry: a provider's app settings without client credentials or
// deployment settings, plus the variables some providers need per customer (a Zendesk
// subdomain, a Salesforce My Domain), links to the provider's docs and free-text quirks.
//
// URL fields and scope names may hold {name} placeholders for Variables; NewApp fills them.
// The embedded App carries the settings (its ID is the template id); Template.Validate checks
// them with the template rules.
type Template struct {
	App `yaml:",inline"`
	// Variables are filled when an app is created from the template.
	Variables []Variable `json:"variables,omitempty" yaml:"variables,omitempty"`
	// Quirks are notes on how the provider departs from the norm, for people configuring it.
	Quirks []string `json:"quirks,omitempty" yaml:"quirks,omitempty"`
	// Categories place the template in the library (see Categories).
	Categories []string `json:"categories,omitempty" yaml:"categories,omitempty"`
	// Keywords are lower-case search words besides the name.
	Keywords []string `json:"keywords,omitempty" yaml:"keywords,omitempty"`
	// Sources are the documentation the template's facts come from.
	Sources Sources `json:"sources,omitzero" yaml:"sources,omitempty"`
}

// Variable is a per-customer value substituted into a template's URLs as {name}. A variable
// with Choices (a region, say) is a select: its value must be one of them, and a choice's Set
// values fill {name.key} placeholders, so one choice can set several hosts.
type Variable struct {
	Name        string `json:"name" yaml:"name"`
	Label       string `json:"label" yaml:"label"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Pattern is a Go regular expression the whole value must match (not needed with Choices).
	Pattern string `json:"pattern,omitempty" yaml:"pattern,omitempty"`
	// Example is a valid value, shown as a placeholder and used to check the template (not
	// needed with Choices, where the default or the first choice serves).
	Example string `json:"example,omitempty" yaml:"example,omitempty"`
	// Default is used when no value is given; without one the variable is required.
	Default string `json:"default,omitempty" yaml:"default,omitempty"`
	// Choices are the only values allowed, when not empty.
	Choices []Choice `json:"choices,omitempty" yaml:"choices,omitempty"`
}

// Choice is one value of a variable with choices.
type Choice struct {
	Value string `json:"value" yaml:"value"`
	Label string `json:"label" yaml:"label"`
	// Set holds the values of the {variable.key} placeholders when this choice is made; every
	// choice of a variable sets the same keys.
	Set map[string]string `json:"set,omitempty" yaml:"set,omitempty"`
}

// sample is the value used to check the template: the example, else the default, else the
// first choice.
func (v *Variable) sample() string {
	switch {
	case v.Example != "":
		return v.Example
	case v.Default != "":
		return v.Default
	case len(v.Choices) > 0:
		return v.Choices[0].Value
	}
	return ""
}

func (v *Variable) choice(value string) (Choice, bool) {
	i := slices.IndexFunc(v.Choices, func(c Choice) bool { return c.Value == value })
	if i < 0 {
		return Choice{}, false
	}
	return v.Choices[i], true
}

func (v *Variable) choiceValues() []string {
	out := make([]string, len(v.Choices))
	for i, c := range v.Choices {
		out[i] = c.Value
	}
	return out
}

// TemplateInput is what creating an app from a template takes. For most templates (for
// example google-contacts) the client id and secret are all that is needed.
type TemplateInput struct {
	// ID is the new app's id; empty means the template's id.
	ID           string          `json:"id,omitempty" yaml:"id,omitempty"`
	ClientID     string          `json:"clientId,omitempty" yaml:"clientId,omitempty"`
	ClientSecret outbound.Secret `json:"clientSecret,omitzero" yaml:"-"`
	// Variables fill the template's {name} placeholders.
	Variables map[string]string `json:"variables,omitempty" yaml:"variables,omitempty"`
	// Overrides change anything else (name, scopes, callback domain, ...), applied last.
	Overrides AppPatch `json:"overrides,omitzero" yaml:"overrides,omitempty"`
}

var variableNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,31}$`)

// variableValueRE bounds every variable value, whatever the template's pattern says, so a
// value can never add a scheme, path, query, fragment, port or user info to a URL.
var variableValueRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$`)

// NewApp creates an app from the template: it copies the template's settings, fills the
// variables into its URLs, sets the client credentials and applies the overrides. The result
// is validated; problems come back as an *outbound.InvalidError (a missing variable is reported as
// "variables.<name>").
func (t Template) NewApp(in TemplateInput) (App, error) {
	a := t.App.Clone()
	a.TemplateID = t.ID
	if in.ID != "" {
		a.ID = in.ID
	}
	var probs Problems
	values := t.resolveVariables(&probs, in.Variables)
	if err := probs.Err(); err != nil {
		return App{}, err
	}
	for _, f := range a.templatedFields() {
		*f.value = fillVariables(*f.value, values)
	}
	for k, v := range a.AuthorizationParams {
		a.AuthorizationParams[k] = fillVariables(v, values)
	}
	for k, v := range a.TokenParams {
		a.TokenParams[k] = fillVariables(v, values)
	}
	for k, v := range a.RefreshParams {
		a.RefreshParams[k] = fillVariables(v, values)
	}
	a.ClientID = in.ClientID
	a.ClientSecret = in.ClientSecret
	out, err := in.Overrides.Apply(a)
	if err != nil {
		return App{}, err
	}
	return out, nil
}

// resolveVariables returns the value of every declared variable, reporting missing, invalid
// and unknown ones.
func (t *Template) resolveVariables(probs *Problems, given map[string]string) map[string]string {
	values := make(map[string]string, len(t.Variables))
	for _, v := range t.Variables {
		field := "variables." + v.Name
		val, ok := given[v.Name]
		if !ok || val == "" {
			val = v.Default
		}
		if len(v.Choices) > 0 {
			c, ok := v.choice(val)
			if !ok {
				probs.Add(field, "must be one of %s", strings.Join(v.choiceValues(), ", "))
				continue
			}
			values[v.Name] = val
			for key, set := range c.Set {
				values[v.Name+"."+key] = set
			}
			continue
		}
		switch {
		case val == "":
			probs.Add(field, "required: %s, for example %s", v.Label, v.Example)
			continue
		case !variableValueRE.MatchString(val):
			probs.Add(field, "must be a plain name of letters, digits, '.', '-' or '_', for example %s", v.Example)
			continue
		}
		if re, err := wholeMatch(v.Pattern); err != nil || !re.MatchString(val) {
			probs.Add(field, "does not look like a %s, for example %s", v.Label, v.Example)
			continue
		}
		values[v.Name] = val
	}
	for _, name := range sortedKeys(given) {
		if !slices.ContainsFunc(t.Variables, func(v Variable) bool { return v.Name == name }) {
			probs.Add("variables."+name, "unknown variable; template %q takes %s", t.ID, listOrNone(t.variableNames()))
		}
	}
	return values
}

func (t *Template) variableNames() []string {
	names := make([]string, len(t.Variables))
	for i, v := range t.Variables {
		names[i] = v.Name
	}
	return names
}

func fillVariables(s string, values map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := values[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

type templatedField struct {
	path  string
	value *string
}

// templatedFields are the fields where template variables may appear.
func (a *App) templatedFields() []templatedField {
	fields := []templatedField{
		{"authorizationUrl", &a.AuthorizationURL},
		{"tokenUrl", &a.TokenURL},
		{"refreshUrl", &a.RefreshURL},
		{"revocationUrl", &a.RevocationURL},
		{"discoveryUrl", &a.DiscoveryURL},
		{"userInfoUrl", &a.UserInfoURL},
		{"issuer", &a.Issuer},
		{"docsUrl", &a.DocsURL},
	}
	for i := range a.APIBaseURLs {
		fields = append(fields, templatedField{fmt.Sprintf("apiBaseUrls[%d]", i), &a.APIBaseURLs[i]})
	}
	if a.APIKey != nil {
		fields = append(fields, templatedField{"apiKey.baseUrl", &a.APIKey.BaseURL})
	}
	// Scopes that name a per-customer resource (Dynamics 365's
	// https://{environment}/user_impersonation) are filled like URLs.
	for i := range a.Scopes {
		fields = append(fields, templatedField{fmt.Sprintf("scopes[%d].name", i), &a.Scopes[i].Name})
	}
	for i := range a.DefaultScopes {
		fields = append(fields, templatedField{fmt.Sprintf("defaultScopes[%d]", i), &a.DefaultScopes[i]})
	}
	return fields
}

// Validate checks the template: no client credentials or deployment settings, docs links
// present, variables well formed and all used, and an app created from it with the variables'
// examples and sample credentials passes App.Validate. It returns nil or an *outbound.InvalidError.
func (t Template) Validate() error {
	var p Problems
	a := &t.App
	if a.ClientID != "" {
		p.Add("clientId", "templates carry no client id; it is given when an app is created (TemplateInput.ClientID)")
	}
	if !a.ClientSecret.IsZero() {
		p.Add("clientSecret", "templates carry no client secret; it is given when an app is created")
	}
	for _, f := range []struct {
		field string
		isSet bool
	}{
		{"templateId", a.TemplateID != ""},
		{"createdAt", !a.CreatedAt.IsZero()},
		{"updatedAt", !a.UpdatedAt.IsZero()},
		{"callbackDomain", a.CallbackDomain != ""},
		{"defaultRedirectUrl", a.DefaultRedirectURL != ""},
		{"allowedRedirectUrls", len(a.AllowedRedirectURLs) > 0},
	} {
		if f.isSet {
			p.Add(f.field, "does not belong in a template; set it per app (TemplateInput.Overrides)")
		}
	}
	if a.DocsURL == "" {
		p.Add("docsUrl", "required: a link to the provider's API documentation")
	}
	if t.ScopesDocsURL == "" && len(a.Scopes) > 0 {
		p.Add("scopesDocsUrl", "required when the template lists scopes: a link to the provider's scope reference")
	}
	checkDocLinkField(&p, "scopesDocsUrl", t.ScopesDocsURL)
	for i, q := range t.Quirks {
		if strings.TrimSpace(q) == "" {
			p.Add(fmt.Sprintf("quirks[%d]", i), "must not be empty")
		}
	}
	t.validateMeta(&p)
	examples := t.validateVariables(&p)
	if err := p.Err(); err != nil {
		return err
	}
	in := TemplateInput{Variables: map[string]string{}}
	for _, v := range t.Variables {
		in.Variables[v.Name] = examples[v.Name]
	}
	if a.Kind == KindOAuth2 {
		in.ClientID, in.ClientSecret = "template-check", outbound.NewSecret("template-check")
	}
	_, err := t.NewApp(in)
	return err
}

// validateVariables checks declarations and their use, and returns each variable's example.
func (t *Template) validateVariables(p *Problems) map[string]string {
	examples := map[string]string{}
	for i, v := range t.Variables {
		at := fmt.Sprintf("variables[%d]", i)
		_, dup := examples[v.Name]
		switch {
		case !variableNameRE.MatchString(v.Name):
			p.Add(at+".name", "must start with a letter and hold only letters, digits and '_'")
		case dup:
			p.Add(at+".name", "duplicates another variable named %q", v.Name)
		}
		if strings.TrimSpace(v.Label) == "" {
			p.Add(at+".label", "required: what the value is, for example Zendesk subdomain")
		}
		if len(v.Choices) > 0 {
			validateChoices(p, at, &v, examples)
			continue
		}
		re, err := wholeMatch(v.Pattern)
		switch {
		case v.Pattern == "":
			p.Add(at+".pattern", "required: a regular expression for valid values (or choices)")
		case err != nil:
			p.Add(at+".pattern", "is not a valid Go regular expression: %v", err)
		}
		switch {
		case v.Example == "":
			p.Add(at+".example", "required: a valid value, shown to users and used to check the template")
		case !variableValueRE.MatchString(v.Example) || (re != nil && !re.MatchString(v.Example)):
			p.Add(at+".example", "does not match the pattern")
		}
		if v.Default != "" && (!variableValueRE.MatchString(v.Default) || (re != nil && !re.MatchString(v.Default))) {
			p.Add(at+".default", "does not match the pattern")
		}
		examples[v.Name] = v.Example
	}
	used := map[string]bool{}
	a := t.App.Clone()
	strs := a.templatedFields()
	for _, k := range sortedKeys(a.AuthorizationParams) {
		v := a.AuthorizationParams[k]
		strs = append(strs, templatedField{"authorizationParams." + k, &v})
	}
	for _, k := range sortedKeys(a.TokenParams) {
		v := a.TokenParams[k]
		strs = append(strs, templatedField{"tokenParams." + k, &v})
	}
	for _, k := range sortedKeys(a.RefreshParams) {
		v := a.RefreshParams[k]
		strs = append(strs, templatedField{"refreshParams." + k, &v})
	}
	for _, f := range strs {
		for _, m := range placeholderRE.FindAllStringSubmatch(*f.value, -1) {
			name, key, _ := strings.Cut(m[1], ".")
			used[name] = true
			if _, declared := examples[m[1]]; !declared {
				if key != "" {
					p.Add(f.path, "uses {%s}, but variable %q has no choices that set %q", m[1], name, key)
				} else {
					p.Add(f.path, "uses {%s}, which is not in variables; declare it", m[1])
				}
			}
		}
	}
	for i, v := range t.Variables {
		if v.Name != "" && !used[v.Name] {
			p.Add(fmt.Sprintf("variables[%d].name", i), "is declared but no URL uses {%s}", v.Name)
		}
	}
	return examples
}

// clone returns a deep copy of the template.
func (t *Template) clone() Template {
	out := *t
	out.App = t.App.Clone()
	out.Variables = slices.Clone(t.Variables)
	out.Quirks = slices.Clone(t.Quirks)
	out.Categories = slices.Clone(t.Categories)
	out.Keywords = slices.Clone(t.Keywords)
	out.Sources = t.Sources.clone()
	for i, v := range out.Variables {
		out.Variables[i].Choices = slices.Clone(v.Choices)
		for j, c := range out.Variables[i].Choices {
			out.Variables[i].Choices[j].Set = maps.Clone(c.Set)
		}
	}
	return out
}

// validateChoices checks a variable with choices and records, in examples, the sample value
// under the variable's name and each set value under name.key.
func validateChoices(p *Problems, at string, v *Variable, examples map[string]string) {
	if v.Pattern != "" {
		p.Add(at+".pattern", "a variable with choices takes no pattern: the choices are the values")
	}
	var keys []string
	for j, c := range v.Choices {
		cat := fmt.Sprintf("%s.choices[%d]", at, j)
		switch {
		case !variableValueRE.MatchString(c.Value):
			p.Add(cat+".value", "must be a plain name of letters, digits, '.', '-' or '_'")
		case slices.IndexFunc(v.Choices[:j], func(o Choice) bool { return o.Value == c.Value }) >= 0:
			p.Add(cat+".value", "is listed twice")
		}
		if strings.TrimSpace(c.Label) == "" {
			p.Add(cat+".label", "required: what the choice means, for example Europe")
		}
		these := sortedKeys(c.Set)
		if j == 0 {
			keys = these
		} else if !slices.Equal(keys, these) {
			p.Add(cat+".set", "must set the same keys as choices[0] (%s)", listOrNone(keys))
		}
		for _, k := range these {
			switch {
			case !variableNameRE.MatchString(k):
				p.Add(cat+".set."+k, "must start with a letter and hold only letters, digits and '_'")
			case !variableValueRE.MatchString(c.Set[k]):
				p.Add(cat+".set."+k, "must be a plain name of letters, digits, '.', '-' or '_', such as a host name")
			}
		}
	}
	for _, f := range []struct{ field, val string }{{"default", v.Default}, {"example", v.Example}} {
		if _, ok := v.choice(f.val); f.val != "" && !ok {
			p.Add(at+"."+f.field, "must be one of the choices (%s)", strings.Join(v.choiceValues(), ", "))
		}
	}
	sample := v.sample()
	examples[v.Name] = sample
	if c, ok := v.choice(sample); ok {
		for k, val := range c.Set {
			examples[v.Name+"."+k] = val
		}
	}
}
