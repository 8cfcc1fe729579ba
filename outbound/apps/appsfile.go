package apps

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/internal/decode"
	"github.com/outflowhq/outflow/internal/suggest"
)

// AppSpec is one app declared as code (an entry of an apps file, or built by a Go caller): a
// template app when Template is set, else a custom app. Apply makes the stored app match it.
type AppSpec struct {
	// Template is the catalog template of a template app; empty for a custom app.
	Template string
	// Input builds a template app: its id (default: the template id), client id and secret,
	// variables and overrides.
	Input TemplateInput
	// Patch builds a custom app: its id, its kind and every other setting.
	Patch AppPatch
	// Tenants are tenants' own settings of the app (see TenantSettings).
	Tenants []TenantSpec

	pos specPos
}

// ID is the id of the app the spec describes ("" when a custom spec names none).
func (s AppSpec) ID() string {
	if s.Template != "" {
		if s.Input.ID != "" {
			return s.Input.ID
		}
		return s.Template
	}
	if s.Patch.ID != nil {
		return *s.Patch.ID
	}
	return ""
}

// hasSecret reports whether the spec sets or clears the client secret.
func (s AppSpec) hasSecret() bool {
	if s.Template != "" {
		return !s.Input.ClientSecret.IsZero() || s.Input.Overrides.ClientSecret != nil || s.Input.Overrides.ClearClientSecret
	}
	return s.Patch.ClientSecret != nil || s.Patch.ClearClientSecret
}

// AppsFileProblem is one problem in an apps file, at a line and column when known.
type AppsFileProblem struct {
	File    string
	Line    int
	Col     int
	Message string
}

func (p AppsFileProblem) String() string {
	switch {
	case p.File == "":
		return p.Message
	case p.Line == 0:
		return p.File + ": " + p.Message
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Message)
}

// AppsFileError lists every problem found in an apps file, one per line as file:line:col:
// message. ParseAppsFile returns it for malformed files, and Apply and Plan for apps that fail
// validation (positioned at the offending field when the spec came from a file).
type AppsFileError struct {
	Problems []AppsFileProblem
}

func (e *AppsFileError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// ParseAppsFile reads an apps file: apps as code, meant to live in version control.
//
//	apps:
//	  - id: google-contacts                      # optional for a template app: the template id
//	    template: google-contacts
//	    clientId: 1234.apps.googleusercontent.com
//	    clientSecretEnv: GOOGLE_CLIENT_SECRET      # the secret comes from this environment variable
//	    variables: {}                              # the template's {placeholders}, if it has any
//	    overrides:                                 # any app setting (AppPatch), applied last
//	      defaultScopes: [https://www.googleapis.com/auth/contacts.readonly]
//	  - id: internal-crm                         # a custom app: every AppPatch field at the top
//	    kind: oauth2
//	    name: Internal CRM
//	    clientId: crm-client
//	    clientSecretEnv: CRM_SECRET
//	    authorizationUrl: https://crm.example.com/oauth/authorize
//	    tokenUrl: https://crm.example.com/oauth/token
//	    tenants:                                   # tenants' own settings (TenantOverrides)
//	      acme:
//	        clientId: acme-crm-client
//	        clientSecretEnv: ACME_CRM_SECRET
//	        tokenUrl: https://acme.crm.example.com/oauth/token
//
// A second top-level key, webhooks, lists webhook endpoints; ParseAppsFile skips it, and
// webhooks.ParseAppsFile reads it (either key may be absent, not both).
//
// Parsing is strict: an unknown or duplicate key, a wrong type, a custom app without an id, two
// apps with one id, or template settings outside overrides are errors with file:line:col. A
// literal clientSecret is refused: secrets come from the environment (getenv; nil means
// os.Getenv), and a named variable that is empty or unset is an error naming the variable, never
// showing a value. Without clientSecretEnv, Apply keeps the secret an existing app already has.
//
// The apps are validated by Apply or Plan, which know the catalog. Problems come back as an
// *AppsFileError listing all of them.
func ParseAppsFile(name string, src []byte, getenv func(string) string) ([]AppSpec, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	p := &appsFileParser{file: name, getenv: getenv}
	specs := p.parse(src)
	if len(p.problems) > 0 {
		slices.SortStableFunc(p.problems, func(a, b AppsFileProblem) int {
			if a.Line != b.Line {
				return a.Line - b.Line
			}
			return a.Col - b.Col
		})
		return nil, &AppsFileError{Problems: p.problems}
	}
	return specs, nil
}

// appsFileEntry holds the keys of an entry that are not app settings.
type appsFileEntry struct {
	Template        string            `yaml:"template"`
	ClientSecretEnv string            `yaml:"clientSecretEnv"`
	Variables       map[string]string `yaml:"variables"`
}

const (
	keyOverrides    = "overrides"
	keyTenants      = "tenants"
	keyClientSecret = "clientSecret"
	// WebhooksKey is the top-level key of an apps file that lists webhook endpoints; the apps
	// parser leaves it to the webhooks package.
	WebhooksKey = "webhooks"
)

var (
	entryKeys  = append(fieldNames(reflect.TypeFor[appsFileEntry]()), keyOverrides, keyTenants)
	patchKeys  = fieldNames(reflect.TypeFor[AppPatch]())
	allKeys    = append(slices.Clone(entryKeys), patchKeys...)
	envVarName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

const literalSecretMsg = "a literal clientSecret is not allowed in an apps file (it is meant for version control); " +
	"put the secret in an environment variable and name it with clientSecretEnv"

func fieldNames(t reflect.Type) []string {
	var names []string
	for _, f := range decode.Fields(t) {
		names = append(names, f.Name)
	}
	return names
}

type appsFileParser struct {
	file     string
	getenv   func(string) string
	problems []AppsFileProblem
}

func (p *appsFileParser) add(line, col int, format string, args ...any) {
	p.problems = append(p.problems, AppsFileProblem{File: p.file, Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
}

func (p *appsFileParser) addAt(n *yaml.Node, format string, args ...any) {
	p.add(n.Line, n.Column, format, args...)
}

func (p *appsFileParser) addDecode(res decode.Result) {
	for _, pr := range res.Problems {
		p.add(pr.Line, pr.Col, "%s", pr.Msg)
	}
}

func (p *appsFileParser) parse(src []byte) []AppSpec {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.add(1, 1, "the file is empty; list the apps under apps:")
			return nil
		}
		line, msg := decode.SyntaxLine(err)
		p.add(line, 1, "invalid YAML: %s", msg)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.add(extra.Line, extra.Column, "an apps file holds one YAML document; remove the extra --- document")
	}
	root := resolveNode(&doc)
	if root.Kind != yaml.MappingNode {
		p.addAt(root, "an apps file is a mapping with one key, apps, holding a list of apps")
		return nil
	}
	var list *yaml.Node
	hasWebhooks := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], resolveNode(root.Content[i+1])
		switch {
		case k.Value == WebhooksKey:
			// Read by the webhooks package (webhooks.ParseAppsFile), which reports its problems.
			hasWebhooks = true
		case k.Value != "apps":
			p.addAt(k, "unknown field %q at the top of the apps file; the keys are apps and webhooks%s", k.Value, suggest.Hint(k.Value, []string{"apps", WebhooksKey}))
		case list != nil:
			p.addAt(k, "duplicate key \"apps\"")
		default:
			list = v
		}
	}
	if list == nil || (list.Kind == yaml.ScalarNode && list.Tag == "!!null") {
		if list == nil && !hasWebhooks {
			p.addAt(root, "missing required field \"apps\": the list of apps")
		}
		return nil
	}
	if list.Kind != yaml.SequenceNode {
		p.addAt(list, "apps must be a list of apps, not a %s", describeNode(list))
		return nil
	}
	specs := make([]AppSpec, 0, len(list.Content))
	firstAt := map[string]*yaml.Node{}
	for i, item := range list.Content {
		item = resolveNode(item)
		spec, ok := p.entry(i, item)
		if !ok {
			continue
		}
		id := spec.ID()
		if prev, dup := firstAt[id]; dup {
			p.addAt(item, "app %q is declared twice; the first is at line %d", id, prev.Line)
			continue
		}
		firstAt[id] = item
		specs = append(specs, spec)
	}
	return specs
}

func resolveNode(n *yaml.Node) *yaml.Node {
	for n != nil && (n.Kind == yaml.AliasNode || (n.Kind == yaml.DocumentNode && len(n.Content) == 1)) {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		} else {
			n = n.Content[0]
		}
	}
	return n
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "single value"
}
