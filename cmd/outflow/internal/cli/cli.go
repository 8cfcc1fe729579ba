// Package cli implements the outflow command's subcommands. Each is a function from arguments and an
// environment to an exit code, so tests run them in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Env is what a command sees of the outside world.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Environ lists the environment as NAME=value strings, to spot misspelled variables; nil
	// means none.
	Environ func() []string
	// RedisPingTimeout bounds the PING with which a command checks its Redis at start; 0 means
	// the store's default (store.DefaultPingTimeout).
	RedisPingTimeout time.Duration
}

type command struct {
	summary string
	run     func(ctx context.Context, args []string, env Env) int
}

// commands maps each subcommand to what runs it.
func commands() map[string]command {
	return map[string]command{
		"serve":    {"serve the REST API, hosted screens and OAuth callbacks", runServe},
		"worker":   {"run the background worker: webhook deliveries, keep-alive refresh, key re-checks", runWorker},
		"validate": {"check flow files and list every problem as file:line:col", runValidate},
		"graph":    {"print a flow as a Mermaid (or Graphviz) diagram", runGraph},
		"schema":   {"print the JSON Schema of flow files", runSchema},
		"keys":     {"generate a sealing key, or re-seal every secret under the active key", runKeys},
		"apps":     {"create or update apps declared in a YAML file", runApps},
		"catalog":  {"check the provider templates (offline, or --online against the providers)", runCatalog},
		"test":     {"run flow scenario tests (*.test.yaml) and report branch coverage", runTest},
		"explain":  {"show, step by step, why an execution went where it went", runExplain},
		"load":     {"drive concurrent users through a flow on a running server; print throughput and p50/p99", runLoad},
	}
}

// Main runs the command named by args[0] and returns its exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "outflow: unknown command %q\n\n", args[0])
		usage(env.Stderr)
		return 2
	}
	return cmd.run(ctx, args[1:], env)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: outflow <command> [flags] [arguments]")
	fmt.Fprintln(w)
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun `outflow <command> -h` for a command's flags.")
}

// newFlags returns a flag set that writes its errors and usage to env.Stderr.
func newFlags(name, args string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet("outflow "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "usage: outflow %s [flags] %s\n", name, args)
		if cmd, ok := commands()[name]; ok {
			fmt.Fprintf(env.Stderr, "\n%s\n", capitalize(cmd.summary))
		}
		fmt.Fprintln(env.Stderr, "\nFlags:")
		fs.PrintDefaults()
		fmt.Fprintln(env.Stderr, "  -h, --help\n    \tprint this help")
	}
	return fs
}

// durationVar defines a time.Duration flag like FlagSet.DurationVar, whose refusal of a value
// says what a duration looks like (the flag package says only "parse error"). Its usage names the
// value, in back quotes, as flag.PrintDefaults expects.
func durationVar(fs *flag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var(durationFlag{p}, name, usage)
}

// durationFlag is the flag.Value of durationVar.
type durationFlag struct{ p *time.Duration }

func (d durationFlag) String() string {
	if d.p == nil {
		return time.Duration(0).String()
	}
	return d.p.String()
}

func (d durationFlag) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("not a duration: write a number with its unit, such as 500ms, 5s, 10m or 1h")
	}
	*d.p = v
	return nil
}

// capitalize starts s with a capital letter.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// parse parses flags and reports whether to continue (with the code to exit with otherwise).
func parse(fs *flag.FlagSet, args []string) (bool, int) {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return false, 0
		}
		return false, 2
	}
	return true, 0
}

// parseInterspersed parses flags that may come before, between or after the positional
// arguments (`outflow test examples/flows --require-coverage`), and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) (positional []string, ok bool, code int) {
	for {
		if ok, code := parse(fs, args); !ok {
			return nil, false, code
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, true, 0
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(positional, rest...), true, 0
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// parseNoArgs parses the flags of a command that takes no positional argument, wherever they
// sit, and refuses a positional one: a stray word must not end the flags silently.
func parseNoArgs(fs *flag.FlagSet, args []string) (bool, int) {
	rest, ok, code := parseInterspersed(fs, args)
	if !ok {
		return false, code
	}
	if len(rest) > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q: this command takes flags only\n", fs.Name(), rest[0])
		fs.Usage()
		return false, 2
	}
	return true, 0
}

// isHelp reports whether arg asks for a command's usage.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// envOr returns the flag value when set, else the environment variable.
func envOr(flagValue, name string, env Env) string {
	if flagValue != "" {
		return flagValue
	}
	return strings.TrimSpace(env.Getenv(name))
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
