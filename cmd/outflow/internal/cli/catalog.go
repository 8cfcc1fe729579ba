package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/outflowhq/outflow/outbound/apps"
)

// Exit codes of `outflow catalog check`.
const (
	catalogOK        = 0
	catalogDrift     = 1
	catalogUsage     = 2
	catalogUnchecked = 3
)

func runCatalog(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprintln(env.Stderr, "usage: outflow catalog check [--online] [--template ID] [--json] [--timeout 10s]")
		fmt.Fprintln(env.Stderr, "\nChecks every provider template: offline, that it is valid and complete (sources, API bases,")
		fmt.Fprintln(env.Stderr, "logo, categories, keywords); with --online, that the provider's discovery document and")
		fmt.Fprintln(env.Stderr, "endpoints still match it. Exit codes: 0 all match, 1 drift, 2 usage, 3 not all checked.")
		if len(args) == 0 {
			return catalogUsage
		}
		return 0
	}
	if args[0] != "check" {
		fmt.Fprintf(env.Stderr, "outflow catalog: unknown subcommand %q; use check\n", args[0])
		return catalogUsage
	}
	fs := newFlags("catalog check", "", env)
	online := fs.Bool("online", false, "also fetch discovery documents and probe endpoints (needs the network)")
	only := fs.String("template", "", "check only the template with this id")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	var timeout time.Duration
	durationVar(fs, &timeout, "timeout", 10*time.Second, "bound (a `duration`) on each HTTP request")
	if ok, code := parseNoArgs(fs, args[1:]); !ok {
		return code
	}
	catalog, err := apps.LoadCatalog()
	if err != nil {
		fmt.Fprintln(env.Stderr, "outflow catalog check:", err)
		return catalogDrift
	}
	list := catalog.List()
	if *only != "" {
		t, ok := catalog.Get(*only)
		if !ok {
			fmt.Fprintf(env.Stderr, "outflow catalog check: no template %q\n", *only)
			return catalogUsage
		}
		list = []apps.Template{t}
	}
	checker := &catalogChecker{online: *online, timeout: timeout, client: noRedirectClient()}
	reports := checker.checkAll(ctx, list)
	if *asJSON {
		writeCatalogJSON(env.Stdout, reports, *online)
	} else {
		writeCatalogText(env.Stdout, reports, *online)
	}
	return catalogExitCode(reports)
}

// catalogParallel bounds how many templates are checked at once.
const catalogParallel = 4

// checkAll checks the templates, a few at a time, and returns their reports in order.
func (c *catalogChecker) checkAll(ctx context.Context, list []apps.Template) []templateReport {
	reports := make([]templateReport, len(list))
	sem := make(chan struct{}, catalogParallel)
	var wg sync.WaitGroup
	for i, t := range list {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			reports[i] = c.check(ctx, t)
		}()
	}
	wg.Wait()
	return reports
}

// noRedirectClient answers with the first response: a redirect shows the endpoint is alive,
// and following it could leave the provider.
func noRedirectClient() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func catalogExitCode(reports []templateReport) int {
	code := catalogOK
	for _, r := range reports {
		switch r.Status {
		case statusDrift, statusInvalid:
			return catalogDrift
		case statusUnchecked:
			code = catalogUnchecked
		}
	}
	return code
}

func writeCatalogJSON(w io.Writer, reports []templateReport, online bool) {
	out := struct {
		Online    bool             `json:"online"`
		Summary   map[string]int   `json:"summary"`
		Templates []templateReport `json:"templates"`
	}{online, summarize(reports), reports}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
}

func summarize(reports []templateReport) map[string]int {
	sum := map[string]int{}
	for _, r := range reports {
		sum[r.Status]++
	}
	return sum
}

func writeCatalogText(w io.Writer, reports []templateReport, online bool) {
	for _, r := range reports {
		fmt.Fprintf(w, "%-18s %s\n", r.ID, r.Status)
		for _, c := range r.Checks {
			if c.Result == resultOK && r.Status == statusOK {
				continue
			}
			fmt.Fprintf(w, "  %-10s %s", c.Result, c.What)
			if c.URL != "" {
				fmt.Fprintf(w, " %s", c.URL)
			}
			if c.Detail != "" {
				fmt.Fprintf(w, ": %s", c.Detail)
			}
			fmt.Fprintln(w)
		}
	}
	sum := summarize(reports)
	keys := make([]string, 0, len(sum))
	for k := range sum {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", sum[k], k))
	}
	mode := "offline"
	if online {
		mode = "online"
	}
	fmt.Fprintf(w, "\n%d templates checked (%s): %s\n", len(reports), mode, strings.Join(parts, ", "))
}
