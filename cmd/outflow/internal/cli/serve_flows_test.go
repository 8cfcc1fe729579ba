package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The demo's flows are built into the binary: `outflow serve --demo` run from any folder (an
// installed binary, away from the repository) serves the example flows.
func TestServeDemoFromAnyFolderServesTheExampleFlows(t *testing.T) {
	t.Chdir(t.TempDir())
	_, base := serveArgs(t, "--demo", "--addr", "127.0.0.1:0")
	code, body := call(t, "GET", base+"/v1/flows", demoManagementKey, nil)
	if code != http.StatusOK {
		t.Fatalf("GET /v1/flows: %d %v", code, body)
	}
	var ids []string
	items, _ := body["flows"].([]any)
	for _, it := range items {
		if f, ok := it.(map[string]any); ok {
			ids = append(ids, f["id"].(string))
		}
	}
	for _, want := range append(slices.Clone(demoFlows), "collect-openai-key") {
		if !slices.Contains(ids, want) {
			t.Errorf("flow %s is not served; served: %v", want, ids)
		}
	}
}

// serveExit runs `outflow serve` with args until it exits, which it must do before serving, and
// returns its exit code and stderr.
func serveExit(t *testing.T, env Env, args ...string) (int, string) {
	t.Helper()
	var stderr lockedBuffer
	env.Stdout, env.Stderr = io.Discard, &stderr
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := Main(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), env)
	if ctx.Err() != nil {
		t.Fatalf("serve did not exit:\n%s", stderr.String())
	}
	return code, stderr.String()
}

// Flows that do not load stop serve with every problem on a line of its own, as validate lists
// them (in the text log; one record each in the JSON log).
func TestServeListsEveryFlowProblemOnALineOfItsOwn(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.yaml", "id: a\nsteps:\n  done:\n    end: {}\n    bogus: 1\n")
	write("b.yaml", "id: b\nstart: nowhere\nsteps:\n  done:\n    end: {}\n")
	code, stderr := serveExit(t, Env{}, "--flows", dir)
	if code != 1 || strings.Contains(stderr, `\n`) {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{filepath.Join(dir, "a.yaml") + ":5:5: ", filepath.Join(dir, "b.yaml") + ":2:8: "} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want)).MatchString(stderr) {
			t.Errorf("no line starts with %q:\n%s", want, stderr)
		}
	}

	code, stderr = serveExit(t, Env{}, "--flows", dir, "--log-format", "json")
	var problems []string
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var rec struct{ Msg, File string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("a line on stderr is not JSON: %s", line)
		}
		if rec.File != "" {
			problems = append(problems, filepath.Base(rec.File)+" "+rec.Msg)
		}
	}
	if code != 1 || len(problems) != 2 {
		t.Errorf("exit %d, problems %q, stderr:\n%s", code, problems, stderr)
	}
}

// --log-format takes text or json; anything else is refused before serve starts, with the
// formats there are.
func TestServeRefusesAnUnknownLogFormat(t *testing.T) {
	code, stderr := serveExit(t, Env{}, "--log-format", "yaml")
	if code != 2 || !strings.Contains(stderr, `--log-format "yaml": want text or json`) || strings.Contains(stderr, "embedded") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	code, stderr = serveExit(t, Env{}, "--log-format", "jsn")
	if code != 2 || !strings.Contains(stderr, `did you mean "json"?`) {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

// --finished-retention takes a positive duration; zero or a negative one is refused before serve
// starts.
func TestServeRefusesANonPositiveFinishedRetention(t *testing.T) {
	for _, v := range []string{"0s", "-5m"} {
		code, stderr := serveExit(t, Env{}, "--finished-retention="+v)
		if code != 2 || !strings.Contains(stderr, "--finished-retention must be a positive duration") {
			t.Errorf("%s: exit %d, stderr:\n%s", v, code, stderr)
		}
	}
}

// A Redis that does not answer stops serve with how to go on without one: the embedded Redis.
func TestServeSaysHowToRunWithoutARedis(t *testing.T) {
	t.Parallel()
	closed := freeAddr(t) // nothing listens there
	for _, env := range []Env{{RedisPingTimeout: startupPingTimeout}, {RedisPingTimeout: startupPingTimeout, Getenv: func(name string) string {
		if name == "REDIS_URL" {
			return "redis://" + closed
		}
		return ""
	}}} {
		args := []string{"--flows", examplesDir(t)}
		if env.Getenv == nil {
			args = append(args, "--redis", "redis://"+closed)
		}
		code, stderr := serveExit(t, env, args...)
		if code != 1 || !strings.Contains(stderr, "omit --redis and unset REDIS_URL") {
			t.Errorf("exit %d, stderr:\n%s", code, stderr)
		}
	}
}
