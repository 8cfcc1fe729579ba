package apps

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// catalogFS holds one YAML file per provider template, named <id>.yaml, and its logo,
// logos/<id>.svg.
//
//go:embed catalog/*.yaml catalog/logos/*.svg
var catalogFS embed.FS

// Catalog is the set of provider templates shipped with Outflow. It is read-only; List and
// Get return copies.
type Catalog struct {
	byID map[string]Template
	ids  []string
}

// LoadCatalog parses the embedded templates strictly (an unknown key, a second YAML document
// or a file named differently from its id is an error), gives each its logo (logos/<id>.svg, as
// a data:image/svg+xml;base64 URI in Logo, which apps created from it copy) and validates each.
// The templates are parsed once per process: the Catalog is read-only, so every caller shares
// it.
func LoadCatalog() (*Catalog, error) {
	return embeddedCatalog()
}

var embeddedCatalog = sync.OnceValues(func() (*Catalog, error) {
	return loadCatalog(catalogFS, "catalog")
})

func loadCatalog(fsys fs.FS, dir string) (*Catalog, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("list catalog: %w", err)
	}
	c := &Catalog{byID: make(map[string]Template, len(names))}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read catalog file %s: %w", name, err)
		}
		t, err := parseTemplate(data)
		if err != nil {
			return nil, fmt.Errorf("catalog file %s: %w", name, err)
		}
		if want := strings.TrimSuffix(path.Base(name), ".yaml"); t.ID != want {
			return nil, fmt.Errorf("catalog file %s: id %q does not match the file name; name the file %s.yaml", name, t.ID, t.ID)
		}
		if t.Logo != "" {
			return nil, fmt.Errorf("catalog file %s: logo: remove it; the logo is the file logos/%s.svg", name, t.ID)
		}
		logoName := path.Join(dir, "logos", t.ID+".svg")
		svg, err := fs.ReadFile(fsys, logoName)
		if err != nil {
			return nil, fmt.Errorf("catalog file %s: logo %s: %w", name, logoName, err)
		}
		if t.Logo, err = logoDataURI(svg); err != nil {
			return nil, fmt.Errorf("catalog file %s: %s: %w", name, logoName, err)
		}
		if err := t.Validate(); err != nil {
			return nil, fmt.Errorf("catalog file %s: template %q: %w", name, t.ID, err)
		}
		c.byID[t.ID] = t
		c.ids = append(c.ids, t.ID)
	}
	slices.Sort(c.ids)
	return c, nil
}

// parseTemplate decodes one template strictly. pkce, when absent, is on for oauth2 templates.
func parseTemplate(data []byte) (Template, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var t Template
	if err := dec.Decode(&t); err != nil {
		return Template{}, fmt.Errorf("parse: %w", err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Template{}, errors.New("apps: parse: one template per file; found a second YAML document")
	}
	var pkce struct {
		PKCE *bool `yaml:"pkce"`
	}
	if err := yaml.Unmarshal(data, &pkce); err != nil {
		return Template{}, fmt.Errorf("parse: %w", err)
	}
	if pkce.PKCE == nil {
		t.PKCE = t.Kind == KindOAuth2
	}
	return t, nil
}

// List returns every template, sorted by id.
func (c *Catalog) List() []Template {
	out := make([]Template, len(c.ids))
	for i, id := range c.ids {
		t := c.byID[id]
		out[i] = t.clone()
	}
	return out
}

// Get returns the template with the given id.
func (c *Catalog) Get(id string) (Template, bool) {
	t, ok := c.byID[id]
	if !ok {
		return Template{}, false
	}
	return t.clone(), true
}
