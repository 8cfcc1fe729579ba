package cli

import (
	"context"
	"fmt"

	"github.com/outflowhq/outflow/flows"
)

func runGraph(ctx context.Context, args []string, env Env) int {
	fs := newFlags("graph", "FLOW.yaml", env)
	format := fs.String("format", "mermaid", "diagram format: mermaid or dot")
	files, ok, code := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(files) != 1 || (*format != "mermaid" && *format != "dot") {
		fs.Usage()
		return 2
	}
	reg, err := registry(nil)
	if err != nil {
		fmt.Fprintln(env.Stderr, "outflow graph:", err)
		return 2
	}
	f, err := flows.NewLoader(reg).LoadFile(files[0])
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return 1
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
