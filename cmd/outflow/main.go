// Command outflow runs the Outflow flow engine: it serves the REST API, hosted screens and OAuth
// callbacks, checks and draws flows, and manages sealing keys and apps.
//
//	outflow serve [--demo] [--flows DIR] [--redis URL] [--addr :8080]
//	outflow validate PATH...
//	outflow graph [--format mermaid|dot] FLOW.yaml
//	outflow schema
//	outflow keys generate | rotate
//	outflow apps apply -f apps.yaml
//
// Run `outflow help` for every command and flag.
package main

import (
	"os"

	"github.com/outflowhq/outflow/cmd/outflow/internal/cli"
)

func main() {
	ctx, stop := cli.StopContext()
	code := cli.Main(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Environ: os.Environ})
	stop()
	os.Exit(code)
}
