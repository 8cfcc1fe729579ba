package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// loadConfig is what `outflow load` drives.
type loadConfig struct {
	url, key, flow string
	users          int
	duration       time.Duration
}

func runLoad(ctx context.Context, args []string, env Env) int {
	fs := newFlags("load", "", env)
	var cfg loadConfig
	fs.StringVar(&cfg.url, "url", "http://127.0.0.1:8080", "base URL of a running outflow serve")
	fs.StringVar(&cfg.key, "key", "", "management key (default: the first of OUTFLOW_MANAGEMENT_KEYS)")
	fs.StringVar(&cfg.flow, "flow", "choose-plan", "flow to run; its screens are answered with the first option of each choice and its primary button")
	fs.IntVar(&cfg.users, "users", 8, "concurrent users, each running the flow from start to end again and again")
	durationVar(fs, &cfg.duration, "duration", 10*time.Second, "how long to run, a `duration` such as 30s")
	if ok, code := parseNoArgs(fs, args); !ok {
		return code
	}
	if keys := splitList(envOr("", "OUTFLOW_MANAGEMENT_KEYS", env)); cfg.key == "" && len(keys) > 0 {
		cfg.key = keys[0]
	}
	if err := cfg.check(); err != nil {
		fmt.Fprintln(env.Stderr, "outflow load:", err)
		return 2
	}
	fmt.Fprintf(env.Stdout, "outflow load: %d users for %s, flow %s at %s\n", cfg.users, cfg.duration, cfg.flow, cfg.url)
	res := runUsers(ctx, cfg)
	res.print(env.Stdout, cfg.duration)
	if res.flows == 0 {
		fmt.Fprintln(env.Stderr, "outflow load: no flow completed:", res.firstErr)
		return 1
	}
	return 0
}

func (c *loadConfig) check() error {
	u, err := url.Parse(c.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q: want the http:// or https:// base URL of a running outflow serve", c.url)
	}
	c.url = strings.TrimSuffix(c.url, "/")
	switch {
	case c.key == "":
		return errors.New("no management key: pass --key or set OUTFLOW_MANAGEMENT_KEYS")
	case c.users < 1:
		return fmt.Errorf("--users %d: want at least 1", c.users)
	case c.duration <= 0:
		return fmt.Errorf("--duration %s: want a positive duration such as 10s", c.duration)
	}
	return nil
}

// loadResult is what the users measured.
type loadResult struct {
	flows    int
	failures map[string]int // by what went wrong
	latency  map[string][]time.Duration
	firstErr error
}

func (r *loadResult) merge(o *loadResult) {
	r.flows += o.flows
	for k, n := range o.failures {
		r.failures[k] += n
	}
	for k, ds := range o.latency {
		r.latency[k] = append(r.latency[k], ds...)
	}
	if r.firstErr == nil {
		r.firstErr = o.firstErr
	}
}

func newLoadResult() *loadResult {
	return &loadResult{failures: map[string]int{}, latency: map[string][]time.Duration{}}
}

// runUsers runs cfg.users users until cfg.duration has passed and merges what they measured.
func runUsers(ctx context.Context, cfg loadConfig) *loadResult {
	ctx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.users}, Timeout: 30 * time.Second}
	total := newLoadResult()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for u := range cfg.users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := &driver{cfg: cfg, c: client, res: newLoadResult()}
			for n := 0; ctx.Err() == nil; n++ {
				err := d.run(ctx, fmt.Sprintf("load-%d-%d", u, n))
				switch {
				case err == nil:
					d.res.flows++
				case ctx.Err() != nil: // the run was cut short by the end of the test
				default:
					d.res.failures[err.Error()]++
					if d.res.firstErr == nil {
						d.res.firstErr = err
					}
				}
			}
			mu.Lock()
			total.merge(d.res)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return total
}

func (r *loadResult) print(w io.Writer, d time.Duration) {
	var all []time.Duration
	for _, ds := range r.latency {
		all = append(all, ds...)
	}
	secs := d.Seconds()
	fmt.Fprintf(w, "flows completed  %d (%.1f/s)\n", r.flows, float64(r.flows)/secs)
	fmt.Fprintf(w, "requests         %d (%.1f/s)\n", len(all), float64(len(all))/secs)
	kinds := make([]string, 0, len(r.latency))
	for k := range r.latency {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range append(kinds, "all") {
		ds := all
		if k != "all" {
			ds = r.latency[k]
		}
		fmt.Fprintf(w, "  %-6s p50 %-9s p99 %-9s (%d)\n", k, percentile(ds, 50), percentile(ds, 99), len(ds))
	}
	failed := 0
	for _, n := range r.failures {
		failed += n
	}
	fmt.Fprintf(w, "failed flows     %d\n", failed)
	msgs := make([]string, 0, len(r.failures))
	for m := range r.failures {
		msgs = append(msgs, m)
	}
	slices.Sort(msgs)
	for _, m := range msgs {
		fmt.Fprintf(w, "  %d × %s\n", r.failures[m], m)
	}
}

// percentile is the p-th percentile of ds (nearest rank), rounded for reading.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(i-1, 0)].Round(10 * time.Microsecond)
}

// driver runs the flow for one user at a time.
type driver struct {
	cfg loadConfig
	c   *http.Client
	res *loadResult
}

// screenAnswer is the part of an execution's answer a user reads.
type screenAnswer struct {
	ExecutionID string `json:"executionId"`
	Status      string `json:"status"`
	StepID      string `json:"stepId"`
	Nonce       string `json:"nonce"`
	Screen      *struct {
		Fields []struct {
			Name     string   `json:"name"`
			Type     string   `json:"type"`
			Min      *float64 `json:"min"`
			Required bool     `json:"required"`
			Options  []struct {
				Value string `json:"value"`
			} `json:"options"`
		} `json:"fields"`
		Buttons []struct {
			ID   string `json:"id"`
			Kind string `json:"kind"`
		} `json:"buttons"`
	} `json:"screen"`
}

// maxScreens stops a flow that keeps showing screens.
const maxScreens = 50

// run starts the flow for user and answers its screens until it ends.
func (d *driver) run(ctx context.Context, user string) error {
	var a screenAnswer
	if err := d.post(ctx, "start", "/v1/flows/"+url.PathEscape(d.cfg.flow)+"/start", map[string]any{"userId": user}, &a); err != nil {
		return err
	}
	for range maxScreens {
		switch {
		case a.Status == "completed":
			return nil
		case a.Status != "waiting":
			return fmt.Errorf("the flow ended %s", a.Status)
		case a.Screen == nil:
			return errors.New("the flow waits for something other than a screen (a redirect or a signal), which load cannot answer")
		}
		if err := d.post(ctx, "next", "/v1/executions/"+url.PathEscape(a.ExecutionID)+"/next", a.answer(), &a); err != nil {
			return err
		}
	}
	return fmt.Errorf("the flow showed more than %d screens", maxScreens)
}

// answer fills the screen's fields and presses its primary button.
func (a *screenAnswer) answer() map[string]any {
	input := map[string]any{}
	for _, f := range a.Screen.Fields {
		switch {
		case len(f.Options) > 0 && f.Type == "multiselect":
			input[f.Name] = []string{f.Options[0].Value}
		case len(f.Options) > 0:
			input[f.Name] = f.Options[0].Value
		case f.Type == "email":
			input[f.Name] = "load@example.com"
		case f.Type == "number" && f.Min != nil:
			input[f.Name] = *f.Min
		case f.Type == "number":
			input[f.Name] = 1
		case f.Type == "checkbox" || f.Type == "bool":
			input[f.Name] = true
		default:
			input[f.Name] = "load test"
		}
	}
	button := ""
	for _, b := range a.Screen.Buttons {
		if button == "" || b.Kind == "primary" {
			button = b.ID
		}
		if b.Kind == "primary" {
			break
		}
	}
	return map[string]any{"stepId": a.StepID, "nonce": a.Nonce, "interaction": button, "input": input}
}

// post sends body to path, records the request's latency under kind and decodes a 200 answer.
func (d *driver) post(ctx context.Context, kind, path string, body any, out *screenAnswer) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.cfg.url+path, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+d.cfg.key)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := d.c.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", kind, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	d.res.latency[kind] = append(d.res.latency[kind], time.Since(start))
	if err != nil {
		return fmt.Errorf("%s: %w", kind, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(answer, &e)
		return fmt.Errorf("%s: %s %s", kind, resp.Status, e.Error)
	}
	*out = screenAnswer{}
	return json.Unmarshal(answer, out)
}
