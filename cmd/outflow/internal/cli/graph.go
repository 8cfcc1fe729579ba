package cli

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/outflowhq/outflow/flows"
)

func runGraph(ctx context.Context, args []string, env Env) int {
	fs := newFlags("graph", "FLOW.yaml", env)
	format := fs.String("format", "mermaid", "diagram format: mermaid or dot")
	expand := fs.Bool("expand", false, "draw the steps of the flows it runs (action: flow) inside their step, loading the flows of its folder (mermaid)")
	files, ok, code := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(files) != 1 || (*format != "mermaid" && *format != "dot") {
		fs.Usage()
		return 2
	}
	if *expand && *format == "dot" {
		fmt.Fprintln(env.Stderr, "outflow graph: --expand draws Mermaid only; leave out --format dot, or --expand")
		return 2
	}
	reg, err := registry(nil)
	if err != nil {
		fmt.Fprintln(env.Stderr, "outflow graph:", err)
		return 2
	}
	f, subs, err := loadForGraph(flows.NewLoader(reg), files[0], *expand)
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return 1
	}
	if subs != nil {
		fmt.Fprint(env.Stdout, flows.MermaidExpanded(f, subs))
		return 0
	}
	if *format == "dot" {
		fmt.Fprint(env.Stdout, flows.Dot(f))
	} else {
		fmt.Fprint(env.Stdout, flows.Mermaid(f))
	}
	return 0
}

func runSchema(ctx context.Context, args []string, env Env) int {
	fs := newFlags("schema", "", env)
	if ok, code := parseNoArgs(fs, args); !ok {
		return code
	}
	reg, err := registry(nil)
	if err != nil {
		fmt.Fprintln(env.Stderr, "outflow schema:", err)
		return 2
	}
	b, err := flows.Schema(reg)
	if err != nil {
		fmt.Fprintln(env.Stderr, "outflow schema:", err)
		return 1
	}
	fmt.Fprintln(env.Stdout, string(b))
	return 0
}

// loadForGraph loads the flow to draw; with expand, together with the flows of its folder, which
// it returns by id for the steps that run them.
func loadForGraph(l *flows.Loader, path string, expand bool) (*flows.Flow, map[string]*flows.Flow, error) {
	if !expand {
		f, err := l.LoadFile(path)
		return f, nil, err
	}
	loaded, err := l.LoadDir(filepath.Dir(path))
	if err != nil {
		return nil, nil, err
	}
	byID := map[string]*flows.Flow{}
	var f *flows.Flow
	for _, g := range loaded {
		byID[g.ID] = g
		if filepath.Clean(g.File) == filepath.Clean(path) {
			f = g
		}
	}
	if f == nil {
		return nil, nil, fmt.Errorf("%s: not a flow file of its folder", path)
	}
	return f, byID, nil
}
