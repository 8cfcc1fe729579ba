package webhooks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/internal/decode"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// EndpointSpec is one webhook endpoint declared in an apps file. ApplyAppsFile makes the stored
// endpoint of that id match it.
type EndpointSpec struct {
	// ID is the endpoint's id: a slug such as billing-backend (ids of endpoints created over the
	// API start with we_, so the two never meet).
	ID    string
	Input EndpointInput
	// Secret is the signing secret (whsec_ and base64), read from the environment.
	Secret outbound.Secret

	file   string
	line   int
	col    int
	fields map[string][2]int
}

// problem positions msg at field (an EndpointInput JSON name, "secret" or "") of the spec.
func (s EndpointSpec) problem(field, msg string) apps.AppsFileProblem {
	line, col := s.line, s.col
	if lc, ok := s.fields[field]; ok {
		line, col = lc[0], lc[1]
	}
	return apps.AppsFileProblem{File: s.file, Line: line, Col: col, Message: fmt.Sprintf("webhook %q: %s", s.ID, msg)}
}

// fileEndpoint is an entry of the webhooks list.
type fileEndpoint struct {
	ID          string   `yaml:"id" required:"true"`
	URL         string   `yaml:"url" required:"true"`
	Description string   `yaml:"description"`
	EventTypes  []string `yaml:"eventTypes"`
	AppIDs      []string `yaml:"appIds"`
	Enabled     *bool    `yaml:"enabled"`
	SecretEnv   string   `yaml:"secretEnv" required:"true"`
}

var envVarName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

const literalSecretMsg = "a literal secret is not allowed in an apps file (it is meant for version control); " +
	"put the whsec_ secret in an environment variable and name it with secretEnv"

// Signing secrets hold 24 to 64 bytes, as the Standard Webhooks specification asks.
const minSecretBytes, maxSecretBytes = 24, 64

// ParseAppsFile reads the webhooks of an apps file: the list under its top-level webhooks key
// (apps.ParseAppsFile reads the apps beside it).
//
//	webhooks:
//	  - id: billing-backend                     # a slug, the endpoint's id
//	    url: https://billing.example.com/outflow/events
//	    secretEnv: BILLING_WEBHOOK_SECRET       # whsec_ and base64 of 24 to 64 bytes
//	    eventTypes: [connection.*, apikey.invalid]   # optional: every event when empty
//	    appIds: [google-contacts]               # optional: every app when empty
//	    description: Billing's event receiver   # optional
//	    enabled: true                           # optional, default true
//
// Parsing is strict, with every problem at file:line:col in one *apps.AppsFileError: unknown or
// duplicate keys, wrong types, two endpoints with one id, a literal secret, and a secretEnv
// naming an empty variable or one that does not hold a whsec_ secret (the value is never
// shown). The URL and filters are checked by ApplyAppsFile, which knows the egress rules. A
// file without the webhooks key declares no endpoints.
func ParseAppsFile(name string, src []byte, getenv func(string) string) ([]EndpointSpec, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	p := &fileParser{file: name, getenv: getenv}
	specs := p.parse(src)
	if len(p.problems) > 0 {
		slices.SortStableFunc(p.problems, func(a, b apps.AppsFileProblem) int {
			if a.Line != b.Line {
				return a.Line - b.Line
			}
			return a.Col - b.Col
		})
		return nil, &apps.AppsFileError{Problems: p.problems}
	}
	return specs, nil
}

type fileParser struct {
	file     string
	getenv   func(string) string
	problems []apps.AppsFileProblem
}

func (p *fileParser) addAt(n *yaml.Node, format string, args ...any) {
	p.problems = append(p.problems, apps.AppsFileProblem{File: p.file, Line: n.Line, Col: n.Column, Message: fmt.Sprintf(format, args...)})
}

func (p *fileParser) parse(src []byte) []EndpointSpec {
	// A file that is not YAML, or not a mapping, is refused here too (with the words of
	// apps.ParseAppsFile, so that a caller reporting both can drop the repeats): read as
	// declaring no endpoints, it would make ApplyAppsFile delete them all.
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&doc); err != nil {
		if !errors.Is(err, io.EOF) {
			line, msg := decode.SyntaxLine(err)
			p.problems = append(p.problems, apps.AppsFileProblem{File: p.file, Line: line, Col: 1, Message: "invalid YAML: " + msg})
		}
		return nil
	}
	root := resolve(&doc)
	if root == nil || root.Kind != yaml.MappingNode {
		p.addAt(root, "an apps file is a mapping with one key, apps, holding a list of apps")
		return nil
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if k.Value != apps.WebhooksKey {
			continue
		}
		if list != nil {
			p.addAt(k, "duplicate key %q", apps.WebhooksKey)
			continue
		}
		list = resolve(root.Content[i+1])
	}
	if list == nil || (list.Kind == yaml.ScalarNode && list.Tag == "!!null") {
		return nil
	}
	if list.Kind != yaml.SequenceNode {
		p.addAt(list, "webhooks must be a list of webhook endpoints")
		return nil
	}
	specs := make([]EndpointSpec, 0, len(list.Content))
	firstAt := map[string]int{}
	for i, item := range list.Content {
		item = resolve(item)
		spec, ok := p.entry(i, item)
		if !ok {
			continue
		}
		if line, dup := firstAt[spec.ID]; dup {
			p.addAt(item, "webhook %q is declared twice; the first is at line %d", spec.ID, line)
			continue
		}
		firstAt[spec.ID] = item.Line
		specs = append(specs, spec)
	}
	return specs
}

// entry parses one endpoint of the list. ok is false when it has problems.
func (p *fileParser) entry(i int, n *yaml.Node) (EndpointSpec, bool) {
	before := len(p.problems)
	where := fmt.Sprintf("webhooks[%d]", i)
	if n.Kind != yaml.MappingNode {
		p.addAt(n, "%s must be a mapping of endpoint settings, not a list or single value", where)
		return EndpointSpec{}, false
	}
	kept := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
	for j := 0; j+1 < len(n.Content); j += 2 {
		k, v := n.Content[j], n.Content[j+1]
		if k.Value == "id" && v.Kind == yaml.ScalarNode && v.Value != "" {
			where = fmt.Sprintf("webhook %q", v.Value)
		}
	}
	for j := 0; j+1 < len(n.Content); j += 2 {
		k := n.Content[j]
		switch k.Value {
		case "secret", "signingSecret":
			p.addAt(k, "%s", literalSecretMsg)
		case "disabled":
			p.addAt(k, "use enabled: false in %s to pause deliveries", where)
		default:
			kept.Content = append(kept.Content, k, n.Content[j+1])
		}
	}
	var fe fileEndpoint
	res := decode.Into(kept, &fe, where)
	for _, pr := range res.Problems {
		p.problems = append(p.problems, apps.AppsFileProblem{File: p.file, Line: pr.Line, Col: pr.Col, Message: pr.Msg})
	}
	spec := EndpointSpec{ID: fe.ID, file: p.file, line: n.Line, col: n.Column, fields: res.Paths}
	if lc, ok := res.Paths["id"]; ok && fe.ID != "" && !outbound.IsAppID(fe.ID) {
		p.problems = append(p.problems, apps.AppsFileProblem{File: p.file, Line: lc[0], Col: lc[1], Message: fmt.Sprintf(
			"the id of %s must be a slug: 1 to 63 lowercase letters, digits or '-', starting with a letter or digit", where)})
	}
	if fe.SecretEnv != "" {
		spec.Secret = p.secret(fe.SecretEnv, res.Paths["secretEnv"], where)
	}
	disabled := fe.Enabled != nil && !*fe.Enabled
	spec.Input = EndpointInput{URL: &fe.URL, Description: &fe.Description, EventTypes: &fe.EventTypes, AppIDs: &fe.AppIDs, Disabled: &disabled}
	if lc, ok := res.Paths["enabled"]; ok {
		spec.fields["disabled"] = lc
	}
	return spec, len(p.problems) == before
}

// secret reads the signing secret from the environment variable the entry names; no message
// shows its value.
func (p *fileParser) secret(envName string, at [2]int, where string) outbound.Secret {
	add := func(format string, args ...any) {
		p.problems = append(p.problems, apps.AppsFileProblem{File: p.file, Line: at[0], Col: at[1], Message: fmt.Sprintf(format, args...)})
	}
	if !envVarName.MatchString(envName) {
		add("secretEnv of %s must be an environment variable name (letters, digits and _), not %q", where, envName)
		return outbound.Secret{}
	}
	v := p.getenv(envName)
	if v == "" {
		add("environment variable %s is empty or not set; it must hold the signing secret of %s", envName, where)
		return outbound.Secret{}
	}
	if key, err := secretKey(v); err != nil || len(key) < minSecretBytes || len(key) > maxSecretBytes {
		add("environment variable %s must hold a signing secret: whsec_ followed by the base64 of %d to %d random bytes "+
			"(for example whsec_ and the output of `openssl rand -base64 32`)", envName, minSecretBytes, maxSecretBytes)
		return outbound.Secret{}
	}
	return outbound.NewSecret(v)
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && (n.Kind == yaml.AliasNode || (n.Kind == yaml.DocumentNode && len(n.Content) == 1)) {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		} else {
			n = n.Content[0]
		}
	}
	return n
}
