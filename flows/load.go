package flows

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/internal/decode"
	"github.com/outflowhq/outflow/internal/expression"
	"github.com/outflowhq/outflow/internal/suggest"
)

// Limits bound the size of a flow and the cost of its expressions.
type Limits struct {
	// MaxNodes caps the syntax tree of each expression (default 1000).
	MaxNodes uint
	// MemoryBudget caps the list and map elements one evaluation of an expression creates
	// (default 50 000).
	MemoryBudget uint
	// ByteBudget caps the bytes one evaluation of an expression (or of one setting's value, with
	// all its expressions) allocates for the strings and lists it builds (default 1 MiB). Each
	// single string or list is also capped at 64 KiB (or 65 536 items).
	ByteBudget uint
	// MaxSteps caps the number of steps in a flow (default 500).
	MaxSteps int
	// MaxSourceBytes caps the size of a flow file (default 1 MiB).
	MaxSourceBytes int
	// MaxYAMLNodes caps the values of a flow file, counted with its YAML aliases expanded
	// (default 20 000).
	MaxYAMLNodes int
}

// Loader loads flows against a registry of action kinds.
type Loader struct {
	Registry *actions.Registry
	Limits   Limits
	// Flows are the flows a loaded flow may run as sub-flows (`action: flow`), by id; a nil value
	// marks a flow that exists but did not load. With Flows nil, Load leaves such steps unchecked
	// and untyped; LoadFiles, LoadDir and LoadFS check them against the flows they load.
	Flows map[string]*Flow
	// Messages are the message catalogs flow texts may name (t:<key>); a key the default
	// catalog lacks is a load error. LoadDir and LoadFS read them from locales/ beside the flows.
	Messages *Messages
}

// NewLoader returns a loader for the kinds in reg with default limits.
func NewLoader(reg *actions.Registry) *Loader { return &Loader{Registry: reg} }

// topKeys are the keys a flow document may have.
var topKeys = []string{"id", "version", "description", "inputs", "outputs", "start", "ttl", "finishedRetention", "steps"}

// Load parses and checks one flow. On failure the error is Diagnostics listing every problem found.
func (l *Loader) Load(file string, src []byte) (*Flow, error) {
	c := &collector{file: file}
	lim := l.limits()
	if len(src) > lim.MaxSourceBytes {
		c.add(1, 1, "flow file is %d bytes; the limit is %d", len(src), lim.MaxSourceBytes)
		return nil, c.diags
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&doc); err != nil {
		line := 1
		var te *yaml.TypeError
		msg := err.Error()
		if !errors.As(err, &te) {
			line, msg = decode.SyntaxLine(err)
		}
		c.add(line, 1, "invalid YAML: %s", msg)
		return nil, c.diags
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		c.add(extra.Line, extra.Column, "a flow file holds one YAML document; remove the extra `---` document")
	}
	if p := decode.CheckSize(&doc, lim.MaxYAMLNodes); p != nil {
		c.add(p.Line, p.Col, "%s", p.Msg)
		return nil, c.diags
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		c.add(root.Line, root.Column, "a flow must be a mapping with id, steps and the other flow keys")
		return nil, c.diags
	}
	sum := sha256.Sum256(src)
	f := &Flow{File: file, Source: src, Hash: hex.EncodeToString(sum[:16]), byID: map[string]*Step{}}
	b := &builder{loader: l, c: c, flow: f, lim: lim, broken: map[string]bool{}}
	b.top(root)
	b.checkMessages(root)
	if len(f.Steps) > 0 {
		b.compileTyped()
		b.checkCallInputs()
		b.checkEnds()
		b.lint()
	}
	if len(c.diags) > 0 {
		return nil, c.diags.sorted()
	}
	return f, nil
}

func (l *Loader) limits() Limits {
	lim := l.Limits
	if lim.MaxNodes == 0 {
		lim.MaxNodes = expression.DefaultLimits.MaxNodes
	}
	if lim.MemoryBudget == 0 {
		lim.MemoryBudget = expression.DefaultLimits.MemoryBudget
	}
	if lim.ByteBudget == 0 {
		lim.ByteBudget = expression.DefaultLimits.ByteBudget
	}
	if lim.MaxYAMLNodes == 0 {
		lim.MaxYAMLNodes = decode.MaxNodes
	}
	if lim.MaxSteps == 0 {
		lim.MaxSteps = 500
	}
	if lim.MaxSourceBytes == 0 {
		lim.MaxSourceBytes = 1 << 20
	}
	return lim
}

// LoadFile loads one flow file.
func (l *Loader) LoadFile(path string) (*Flow, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read flow: %w", err)
	}
	return l.Load(path, src)
}

// IsFlowFile reports whether a file name looks like a flow: *.yaml or *.yml, but not a scenario
// test file (*.test.yaml).
func IsFlowFile(name string) bool {
	ext := filepath.Ext(name)
	if ext != ".yaml" && ext != ".yml" {
		return false
	}
	return !strings.HasSuffix(strings.TrimSuffix(name, ext), ".test")
}

// LoadFiles loads several flow files, reporting every problem in every file, and duplicate flow ids.
// The flows may run each other as sub-flows (and the flows of Loader.Flows).
func (l *Loader) LoadFiles(paths ...string) ([]*Flow, error) {
	return l.loadEach(paths, func(p string) ([]byte, error) {
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read flow: %w", err)
		}
		return src, nil
	})
}

// loadEach loads the flows named by paths, read with read, reporting every problem in every file,
// and duplicate flow ids. It loads twice: first each flow on its own, to learn what each declares,
// then each against all the others, so that a step running another flow is checked and typed.
func (l *Loader) loadEach(paths []string, read func(string) ([]byte, error)) ([]*Flow, error) {
	var all Diagnostics
	srcs := map[string][]byte{}
	known := maps.Clone(l.Flows)
	if known == nil {
		known = map[string]*Flow{}
	}
	alone := *l
	alone.Flows = nil
	for _, p := range paths {
		src, err := read(p)
		if err != nil {
			all = append(all, Diagnostic{File: p, Line: 1, Col: 1, Message: err.Error()})
			continue
		}
		srcs[p] = src
		f, _ := alone.Load(p, src) // its problems are reported by the second load
		id := f.idOr(src)
		if _, seen := known[id]; id != "" && !seen {
			known[id] = f
		}
	}
	linked := *l
	linked.Flows = known
	var out []*Flow
	byID := map[string]string{}
	for _, p := range paths {
		src, ok := srcs[p]
		if !ok {
			continue
		}
		f, err := linked.Load(p, src)
		var ds Diagnostics
		switch {
		case errors.As(err, &ds):
			all = append(all, ds...)
			continue
		case err != nil:
			all = append(all, Diagnostic{File: p, Line: 1, Col: 1, Message: err.Error()})
			continue
		}
		if prev, ok := byID[f.ID]; ok {
			all = append(all, Diagnostic{File: p, Line: 1, Col: 1, Message: fmt.Sprintf("flow id %q is already used by %s", f.ID, prev)})
			continue
		}
		byID[f.ID] = p
		out = append(out, f)
	}
	all = append(all, CheckCalls(out)...)
	if len(all) > 0 {
		return nil, all
	}
	return out, nil
}

// idOr returns the flow's id, or for a flow that did not load (f nil) the id its source names.
func (f *Flow) idOr(src []byte) string {
	if f != nil {
		return f.ID
	}
	var doc struct {
		ID string `yaml:"id"`
	}
	if yaml.Unmarshal(src, &doc) != nil {
		return ""
	}
	return doc.ID
}

// LoadDir loads every flow file in dir (not its subfolders).
func (l *Loader) LoadDir(dir string) ([]*Flow, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read flows folder: %w", err)
	}
	var paths []string
	for _, e := range entries {
		if !e.IsDir() && IsFlowFile(e.Name()) {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(paths)
	m, err := LoadMessages(os.DirFS(dir), func(p string) string { return filepath.Join(dir, p) })
	if err != nil {
		return nil, err
	}
	if m != nil {
		withMessages := *l
		withMessages.Messages = m
		return withMessages.LoadFiles(paths...)
	}
	return l.LoadFiles(paths...)
}

// builder holds the state of one Load.
type builder struct {
	loader *Loader
	c      *collector
	flow   *Flow
	lim    Limits
	// raw keeps what the parse saw, for the later phases.
	steps     []*rawStep
	startNode *yaml.Node
	values    []valueSite
	broken    map[string]bool
	// edgesUnknown is set when a step is not even a mapping, so where it leads is unknown.
	edgesUnknown bool
}

// valueSite is an expression-capable config value waiting to be compiled.
type valueSite struct {
	ref  decode.ValueRef
	step *Step
	// where names the step in messages, e.g. `set (step "save")`.
	where string
}

// duration reads a positive duration such as the examples given.
func (b *builder) duration(v *yaml.Node, name, examples string) time.Duration {
	s := b.scalar(v, name)
	if s == "" {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		b.c.add(v.Line, v.Column, "%s must be a positive duration such as %s", name, examples)
	}
	return d
}

func (b *builder) top(root *yaml.Node) {
	seen := map[string]bool{}
	var stepsNode *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			b.c.add(k.Line, k.Column, "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		switch k.Value {
		case "id":
			b.flow.ID = b.scalar(v, "id")
			if b.flow.ID != "" && !validFlowID(b.flow.ID) {
				b.c.add(v.Line, v.Column, "flow id %q must be lowercase letters, digits, dashes and underscores, starting with a letter (at most 64)", b.flow.ID)
			}
		case "version":
			b.flow.Version = b.scalar(v, "version")
		case "description":
			b.flow.Description = b.scalar(v, "description")
		case "start":
			b.flow.Start = b.scalar(v, "start")
			b.startNode = v
		case "ttl":
			b.flow.TTL = b.duration(v, "ttl", "30m or 2h")
		case "finishedRetention":
			b.flow.FinishedRetention = b.duration(v, "finishedRetention", "10m or 1h")
		case "inputs":
			b.inputs(v)
		case "outputs":
			b.outputs(v)
		case "steps":
			stepsNode = v
		default:
			b.c.add(k.Line, k.Column, "unknown key %q in flow%s", k.Value, suggest.Hint(k.Value, topKeys))
		}
	}
	if !seen["id"] {
		b.c.add(root.Line, root.Column, "missing required key \"id\" in flow")
	}
	if stepsNode == nil {
		b.c.add(root.Line, root.Column, "missing required key \"steps\" in flow")
		return
	}
	b.parseSteps(stepsNode)
}

func validFlowID(s string) bool {
	if s == "" || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// scalar returns a scalar's text, reporting anything else.
func (b *builder) scalar(n *yaml.Node, what string) string {
	if n.Kind != yaml.ScalarNode {
		b.c.add(n.Line, n.Column, "%s must be a single value", what)
		return ""
	}
	if decode.IsExpression(n) {
		b.c.add(n.Line, n.Column, "%s does not accept expressions", what)
		return ""
	}
	if n.Tag == "!!null" {
		return ""
	}
	return n.Value
}
