package apps

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/internal/decode"
	"github.com/outflowhq/outflow/internal/suggest"
	"github.com/outflowhq/outflow/outbound"
)

// specPos locates a spec in its file: the entry, and each app field path ("scopes[1].name", as
// in FieldError.Field) that the file sets.
type specPos struct {
	file      string
	line, col int
	fields    map[string][2]int
}

// at returns the position of an app field path, or of its nearest parent the file sets, or of
// the entry.
func (p specPos) at(path string) (int, int) {
	for path != "" {
		if lc, ok := p.fields[path]; ok {
			return lc[0], lc[1]
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return p.line, p.col
}

func (p specPos) record(prefix string, res decode.Result) {
	for path, lc := range res.Paths {
		if path != "" {
			p.fields[prefix+path] = lc
		}
	}
}

// templateTopKeys are the app settings a template app may set outside overrides.
var templateTopKeys = []string{"id", "clientId"}

// entry parses one app of the list. ok is false when it has problems.
func (p *appsFileParser) entry(i int, n *yaml.Node) (AppSpec, bool) {
	before := len(p.problems)
	where := fmt.Sprintf("apps[%d]", i)
	if n.Kind != yaml.MappingNode {
		p.addAt(n, "%s must be a mapping of app settings, not a %s", where, describeNode(n))
		return AppSpec{}, false
	}
	if id := cmp.Or(scalarKey(n, "id"), scalarKey(n, "template")); id != "" {
		where = fmt.Sprintf("app %q", id)
	}
	spec := AppSpec{pos: specPos{file: p.file, line: n.Line, col: n.Column, fields: map[string][2]int{}}}
	entryNode := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
	patchNode := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
	var overrides, tenants *yaml.Node
	var topPatchKeys []*yaml.Node
	seen := map[string]bool{}
	for j := 0; j+1 < len(n.Content); j += 2 {
		k, v := n.Content[j], n.Content[j+1]
		switch {
		case seen[k.Value]:
			p.addAt(k, "duplicate key %q in %s", k.Value, where)
		case k.Value == keyClientSecret:
			p.addAt(k, "%s", literalSecretMsg)
		case k.Value == keyOverrides:
			overrides = v
		case k.Value == keyTenants:
			tenants = v
		case slices.Contains(entryKeys, k.Value):
			entryNode.Content = append(entryNode.Content, k, v)
		case slices.Contains(patchKeys, k.Value):
			patchNode.Content = append(patchNode.Content, k, v)
			topPatchKeys = append(topPatchKeys, k)
		default:
			p.addAt(k, "unknown field %q in %s%s", k.Value, where, suggest.Hint(k.Value, allKeys))
		}
		seen[k.Value] = true
	}

	var e appsFileEntry
	res := decode.Into(entryNode, &e, where)
	p.addDecode(res)
	spec.pos.record("", res)
	if lc, ok := res.Paths["clientSecretEnv"]; ok {
		spec.pos.fields[keyClientSecret] = lc
	}
	var patch AppPatch
	res = decode.Into(patchNode, &patch, where)
	p.addDecode(res)
	spec.pos.record("", res)
	secret, hasSecret := p.secret(e.ClientSecretEnv, entryNode, where)
	spec.Tenants = p.tenants(tenants, where)

	if e.Template == "" {
		if overrides != nil {
			p.addAt(n, "overrides are for template apps; add template: <id>, or set the settings at the top of %s", where)
		}
		if e.Variables != nil {
			p.addAt(n, "variables are for template apps; add template: <id>, or remove variables from %s", where)
		}
		if patch.ID == nil {
			p.addAt(n, "missing required field \"id\" in %s: a custom app needs an id (a slug such as internal-crm)", where)
		}
		if hasSecret {
			patch.ClientSecret = &secret
		}
		spec.Patch = patch
		return spec, len(p.problems) == before
	}

	for _, k := range topPatchKeys {
		if !slices.Contains(templateTopKeys, k.Value) {
			p.addAt(k, "%q of a template app goes under overrides (only id, clientId, clientSecretEnv, variables and overrides sit at the top)", k.Value)
		}
	}
	spec.Template = e.Template
	spec.Input = TemplateInput{Variables: e.Variables}
	if patch.ID != nil {
		spec.Input.ID = *patch.ID
	}
	if patch.ClientID != nil {
		spec.Input.ClientID = *patch.ClientID
	}
	if hasSecret {
		spec.Input.ClientSecret = secret
	}
	if overrides != nil {
		spec.Input.Overrides = p.overrides(overrides, where, spec.pos)
	}
	return spec, len(p.problems) == before
}

// overrides decodes the overrides of a template app, refusing a literal secret and settings
// that belong at the top of the entry.
func (p *appsFileParser) overrides(n *yaml.Node, where string, pos specPos) AppPatch {
	var out AppPatch
	n = resolveNode(n)
	if n.Kind == yaml.MappingNode {
		kept := &yaml.Node{Kind: yaml.MappingNode, Tag: n.Tag, Line: n.Line, Column: n.Column}
		for j := 0; j+1 < len(n.Content); j += 2 {
			k := n.Content[j]
			switch k.Value {
			case keyClientSecret:
				p.addAt(k, "%s", literalSecretMsg)
			case "id", "clientId":
				p.addAt(k, "set %s at the top of %s, not under overrides", k.Value, where)
			case "kind":
				p.addAt(k, "the kind of a template app comes from its template; remove it")
			default:
				kept.Content = append(kept.Content, k, n.Content[j+1])
			}
		}
		n = kept
	}
	res := decode.Into(n, &out, where+" overrides")
	p.addDecode(res)
	pos.record("", res)
	return out
}

// secret reads the client secret from the environment variable the entry names.
func (p *appsFileParser) secret(envName string, entry *yaml.Node, where string) (outbound.Secret, bool) {
	if envName == "" {
		return outbound.Secret{}, false
	}
	at := valueOf(entry, "clientSecretEnv")
	if !envVarName.MatchString(envName) {
		p.addAt(at, "clientSecretEnv of %s must be an environment variable name (letters, digits and _), not %q", where, envName)
		return outbound.Secret{}, false
	}
	v := p.getenv(envName)
	if v == "" {
		p.addAt(at, "environment variable %s is empty or not set; it must hold the client secret of %s", envName, where)
		return outbound.Secret{}, false
	}
	return outbound.NewSecret(v), true
}

// scalarKey returns the scalar value of key in a mapping, or "".
func scalarKey(m *yaml.Node, key string) string {
	if v := valueOf(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// valueOf returns the value node of key in a mapping, or nil.
func valueOf(m *yaml.Node, key string) *yaml.Node {
	for j := 0; j+1 < len(m.Content); j += 2 {
		if m.Content[j].Value == key {
			return resolveNode(m.Content[j+1])
		}
	}
	return nil
}
