package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound/webhooks"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestAppsApplyDeclaresWebhookEndpoints(t *testing.T) {
	s := storetest.Real(t) // skips without a real Redis, or fails when one is required
	ctx := context.Background()
	key, err := store.GenerateKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("a-signing-secret-of-32-bytes-ok!"))
	getenv := func(k string) string {
		if k == "HOOK_SECRET" {
			return secret
		}
		return ""
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "apps.yaml")
	write := func(src string) {
		if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	apply := func(extra ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		args := append([]string{"apps", "apply", "-f", file, "--redis", os.Getenv(storetest.EnvRedisURL), "--prefix", s.Keys().Prefix(), "--keys", key}, extra...)
		code := Main(ctx, args, Env{Stdout: &stdout, Stderr: &stderr, Getenv: getenv})
		out := stdout.String() + stderr.String()
		if strings.Contains(out, strings.TrimPrefix(secret, "whsec_")) {
			t.Errorf("apps apply printed the signing secret:\n%s", out)
		}
		return code, out
	}

	// Problems of the apps and of the webhooks come back together, in file order, and nothing is written.
	write("apps:\n  - id: crm\n    kind: apikey\n    pkce: maybe\nwebhooks:\n  - id: local\n    url: http://127.0.0.1:9/in\n    secretEnv: HOOK_SECRET\n    colour: red\n")
	code, out := apply()
	if code != 1 || !strings.Contains(out, "apps.yaml:4:11:") || !strings.Contains(out, `apps.yaml:9:5: unknown field "colour" in webhook "local"`) {
		t.Fatalf("apps apply of a bad file exited %d:\n%s", code, out)
	}
	// A file that is not YAML is one problem, not one per parser.
	write("apps: [\n")
	if code, out := apply(); code != 1 || strings.Count(out, "invalid YAML") != 1 {
		t.Fatalf("apps apply of a file that is not YAML exited %d:\n%s", code, out)
	}
	write("apps:\n  - id: crm\n    kind: apikey\n    name: CRM\n    apiKey: {label: API key}\nwebhooks:\n  - id: local\n    url: http://127.0.0.1:9/in\n    secretEnv: HOOK_SECRET\n")
	if code, out := apply(); code != 1 || !strings.Contains(out, "apps.yaml:8:10: webhook \"local\": url: must use https://") {
		t.Fatalf("apps apply of a loopback URL without the flag exited %d:\n%s", code, out)
	}
	hooks, err := webhooks.New(webhooks.Options{Store: s, Keyring: mustKeyring(t, key)})
	if err != nil {
		t.Fatal(err)
	}
	if list, _ := hooks.List(ctx); len(list) != 0 {
		t.Fatalf("a refused file wrote endpoints: %+v", list)
	}

	if code, out := apply("--webhooks-allow-http-loopback"); code != 0 || !strings.Contains(out, "created=local") {
		t.Fatalf("apps apply exited %d:\n%s", code, out)
	}
	if code, out := apply("--webhooks-allow-http-loopback"); code != 0 || !strings.Contains(out, "unchanged=local") {
		t.Fatalf("apps apply again exited %d:\n%s", code, out)
	}
	if e, err := hooks.Get(ctx, "local"); err != nil || e.ManagedBy != webhooks.ManagedByAppsFile {
		t.Fatalf("local = %+v, %v", e, err)
	}
	if hits := storetest.Find(t, s, strings.TrimPrefix(secret, "whsec_")); len(hits) > 0 {
		t.Errorf("the signing secret is in Redis in plain text: %v", hits)
	}
}

func mustKeyring(t *testing.T, spec string) *store.Keyring {
	t.Helper()
	ring, err := store.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	return ring
}
