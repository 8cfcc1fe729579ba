package flows

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/internal/decode"
)

// DefaultLocale is the language every message key of a flow must have; the others fall back to it.
const DefaultLocale = "en"

// messageKey is how a flow text names a message instead of holding it: `title: t:welcome.title`.
var messageKey = regexp.MustCompile(`^t:([A-Za-z0-9_.-]+)$`)

// Messages are the message catalogs of a folder of flows (locales/<lang>.yaml beside them): per
// language, keys to texts.
type Messages struct {
	byLang map[string]map[string]string
}

// Languages returns the languages with a catalog, sorted.
func (m *Messages) Languages() []string { return slices.Sorted(maps.Keys(m.byLang)) }

// Text returns the text of a flow text in lang: s itself unless it names a message key
// (t:<key>), else the key's text in lang, falling back to DefaultLocale, then to s.
func (m *Messages) Text(lang, s string) string {
	k := messageKey.FindStringSubmatch(s)
	if k == nil || m == nil {
		return s
	}
	if t, ok := m.byLang[lang][k[1]]; ok {
		return t
	}
	if t, ok := m.byLang[DefaultLocale][k[1]]; ok {
		return t
	}
	return s
}

// LoadMessages reads the catalogs locales/<lang>.yaml of fsys (none is no error), strictly: each
// a mapping of keys to texts, nested mappings joined with dots. name turns a path in fsys into
// the file name diagnostics use.
func LoadMessages(fsys fs.FS, name func(string) string) (*Messages, error) {
	entries, err := fs.ReadDir(fsys, "locales")
	if err != nil {
		return nil, nil
	}
	m := &Messages{byLang: map[string]map[string]string{}}
	var ds Diagnostics
	for _, e := range entries {
		lang, ok := strings.CutSuffix(e.Name(), ".yaml")
		if e.IsDir() || !ok {
			continue
		}
		p := path.Join("locales", e.Name())
		c := &collector{file: name(p)}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			c.add(1, 1, "read message catalog: %v", err)
		} else {
			m.byLang[lang] = catalog(c, src)
		}
		ds = append(ds, c.diags...)
	}
	if len(ds) > 0 {
		return nil, ds
	}
	return m, nil
}

// catalog parses one message catalog.
func catalog(c *collector, src []byte) map[string]string {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&doc); err != nil {
		line, msg := decode.SyntaxLine(err)
		c.add(line, 1, "invalid YAML: %s", msg)
		return nil
	}
	out := map[string]string{}
	if len(doc.Content) == 1 {
		flatten(c, doc.Content[0], "", out)
	}
	return out
}

func flatten(c *collector, n *yaml.Node, prefix string, out map[string]string) {
	if n.Kind != yaml.MappingNode {
		c.add(n.Line, n.Column, "a message catalog maps keys to texts (or to nested keys)")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := prefix + k.Value
		if _, dup := out[key]; dup {
			c.add(k.Line, k.Column, "duplicate message key %q", key)
			continue
		}
		switch {
		case v.Kind == yaml.MappingNode:
			flatten(c, v, key+".", out)
		case v.Kind == yaml.ScalarNode && v.Tag == "!!str":
			out[key] = v.Value
		default:
			c.add(v.Line, v.Column, "message %q must be text", key)
		}
	}
}

// checkMessages reports the message keys of the flow that the default catalog does not have.
func (b *builder) checkMessages(root *yaml.Node) {
	m := b.loader.Messages
	if m == nil {
		return
	}
	def, ok := m.byLang[DefaultLocale]
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode {
			if k := messageKey.FindStringSubmatch(n.Value); k != nil {
				if _, found := def[k[1]]; !found {
					why := fmt.Sprintf("locales/%s.yaml has no message %q", DefaultLocale, k[1])
					if !ok {
						why = fmt.Sprintf("message %q needs locales/%s.yaml, the default catalog", k[1], DefaultLocale)
					}
					b.c.add(n.Line, n.Column, "%s", why)
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	b.flow.Messages = m
}
