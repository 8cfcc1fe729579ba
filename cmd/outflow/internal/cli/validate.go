package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/outflowhq/outflow/flows"
)

func runValidate(ctx context.Context, args []string, env Env) int {
	fs := newFlags("validate", "PATH...", env)
	args, ok, code := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(args) == 0 {
		fs.Usage()
		return 2
	}
	paths, err := flowPaths(args)
	if err != nil {
		fmt.Fprintln(env.Stderr, "outflow validate:", err)
		return 2
	}
	reg, err := registry(nil)
	if err != nil {
		fmt.Fprintln(env.Stderr, "outflow validate:", err)
		return 2
	}
	loader := flows.NewLoader(reg)
	loader.Flows = loader.Beside(dirsOf(paths)...)
	for _, dir := range dirsOf(paths) {
		m, err := flows.LoadMessages(os.DirFS(dir), func(p string) string { return filepath.Join(dir, p) })
		var ds flows.Diagnostics
		if errors.As(err, &ds) {
			for _, d := range ds {
				fmt.Fprintln(env.Stdout, d.String())
			}
			fmt.Fprintf(env.Stderr, "%d problem(s) in the message catalogs of %s\n", len(ds), dir)
			return 1
		}
		if m != nil && loader.Messages == nil {
			loader.Messages = m
		}
	}
	loaded, err := loader.LoadFiles(paths...)
	var ds flows.Diagnostics
	switch {
	case errors.As(err, &ds):
		for _, d := range ds {
			fmt.Fprintln(env.Stdout, d.String())
		}
		fmt.Fprintf(env.Stderr, "%d problem(s) in %d file(s)\n", len(ds), len(paths))
		return 1
	case err != nil:
		fmt.Fprintln(env.Stderr, "outflow validate:", err)
		return 1
	}
	for _, f := range loaded {
		fmt.Fprintf(env.Stdout, "ok  %s  (flow %s, %d steps)\n", f.File, f.ID, len(f.Steps))
	}
	return 0
}

// flowPaths expands folders into the flow files they hold.
func flowPaths(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		info, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, a)
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, err
		}
		var found []string
		for _, e := range entries {
			if !e.IsDir() && flows.IsFlowFile(e.Name()) {
				found = append(found, filepath.Join(a, e.Name()))
			}
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// dirsOf returns the folders of paths, once each: the flows there may be run as sub-flows by the
// flows validated.
func dirsOf(paths []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range paths {
		if d := filepath.Dir(p); !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}
