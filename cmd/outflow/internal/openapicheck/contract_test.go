package openapicheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/outflowhq/outflow/cmd/outflow/internal/cli"
	"github.com/outflowhq/outflow/server"
)

// demoKey is the management key of `outflow serve --demo` on the embedded Redis.
const demoKey = "demo"

// TestEveryAnswerMatchesTheOpenAPIDocument drives `outflow serve --demo` through every operation
// of the OpenAPI document, without and with the management key, with a good body, an empty one,
// an empty object and broken JSON, and checks every answer against the document: its status is
// declared for the operation, its content type is one the status declares, and a JSON body
// matches the declared schema. The document and the server cannot drift apart.
func TestEveryAnswerMatchesTheOpenAPIDocument(t *testing.T) {
	c := newContract(t)
	base := serveDemo(t)
	ids := c.seed(t, base)
	param := regexp.MustCompile(`\{([^}]+)\}`)
	checked, succeeded := 0, map[operation]bool{}
	for _, op := range c.operations() {
		for _, known := range []bool{true, false} {
			path := param.ReplaceAllStringFunc(op.path, func(p string) string {
				if v, ok := ids[strings.Trim(p, "{}")]; ok && known {
					return v
				}
				return "unknown-00000000000000000000"
			})
			for _, key := range []string{"", demoKey} {
				for _, body := range bodiesFor(op) {
					a := send(t, op.method, base+path+queryFor(op), key, body)
					c.check(t, op, a)
					checked++
					succeeded[op] = succeeded[op] || a.status < 300
				}
			}
		}
	}
	t.Logf("%d answers checked against the document; %d of %d operations answered with success", checked, countTrue(succeeded), len(c.operations()))
	// A server that refused everything would match the document too: most operations must
	// have succeeded at least once (those that need a consent or a key at a provider do not).
	if n := countTrue(succeeded); n < 20 {
		t.Errorf("only %d operations answered with success: %v", n, succeeded)
	}
}

func countTrue(m map[operation]bool) int {
	n := 0
	for _, ok := range m {
		if ok {
			n++
		}
	}
	return n
}

// operation is one method of one path of the document.
type operation struct{ method, path string }

// contract is the OpenAPI document with its schemas compiled on demand.
type contract struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema
}

const docURL = "https://outflow.invalid/openapi.json"

func newContract(t *testing.T) *contract {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(server.OpenAPI()))
	if err != nil {
		t.Fatal(err)
	}
	return contractOf(t, doc)
}

// contractOf is the contract of a document already read.
func contractOf(t *testing.T, doc any) *contract {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(docURL, doc); err != nil {
		t.Fatal(err)
	}
	return &contract{doc: doc.(map[string]any), compiler: c, schemas: map[string]*jsonschema.Schema{}}
}

// operations lists every operation of the document, sorted.
func (c *contract) operations() []operation {
	var out []operation
	for path, item := range c.doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			if slices.Contains([]string{"get", "post", "put", "patch", "delete"}, method) {
				out = append(out, operation{strings.ToUpper(method), path})
			}
		}
	}
	// Path by path, DELETE last, so that what it deletes was there for the other methods.
	order := map[string]string{"GET": "1", "PATCH": "2", "POST": "3", "PUT": "4", "DELETE": "5"}
	slices.SortFunc(out, func(a, b operation) int { return strings.Compare(a.path+order[a.method], b.path+order[b.method]) })
	return out
}

// answer is a response as the test saw it.
type answer struct {
	status      int
	contentType string
	body        []byte
	what        string
}

// check fails the test when a is not an answer the document declares for op.
func (c *contract) check(t *testing.T, op operation, a answer) {
	t.Helper()
	opObj := c.doc["paths"].(map[string]any)[op.path].(map[string]any)[strings.ToLower(op.method)].(map[string]any)
	responses := opObj["responses"].(map[string]any)
	code := fmt.Sprint(a.status)
	resp, ok := responses[code].(map[string]any)
	if !ok {
		t.Errorf("%s: status %d is not declared for %s %s (body %.300s)", a.what, a.status, op.method, op.path, a.body)
		return
	}
	pointer := "#/paths/" + escape(op.path) + "/" + strings.ToLower(op.method) + "/responses/" + code
	if ref, ok := resp["$ref"].(string); ok {
		pointer = ref
		resp = c.resolve(t, ref)
	}
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if len(a.body) > 0 && a.status != http.StatusSeeOther && a.status != http.StatusTemporaryRedirect {
			t.Errorf("%s: %d declares no content, the answer has %s: %.300s", a.what, a.status, a.contentType, a.body)
		}
		return
	}
	mt, _, _ := mime.ParseMediaType(a.contentType)
	if _, ok := content[mt]; !ok {
		t.Errorf("%s: %d answers %q, the document declares %v", a.what, a.status, a.contentType, keys(content))
		return
	}
	if mt != "application/json" {
		return
	}
	schema := c.schema(t, pointer+"/content/"+escape(mt)+"/schema")
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(a.body))
	if err != nil {
		t.Errorf("%s: %d is not JSON: %v", a.what, a.status, err)
		return
	}
	if err := schema.Validate(inst); err != nil {
		t.Errorf("%s: %d does not match the document: %v\nbody: %.600s", a.what, a.status, err, a.body)
	}
}

func (c *contract) resolve(t *testing.T, ref string) map[string]any {
	t.Helper()
	var v any = c.doc
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		v = v.(map[string]any)[tok]
	}
	return v.(map[string]any)
}

func (c *contract) schema(t *testing.T, pointer string) *jsonschema.Schema {
	t.Helper()
	if s, ok := c.schemas[pointer]; ok {
		return s
	}
	s, err := c.compiler.Compile(docURL + pointer)
	if err != nil {
		t.Fatalf("compile %s: %v", pointer, err)
	}
	c.schemas[pointer] = s
	return s
}

func escape(s string) string { return strings.NewReplacer("~", "~0", "/", "~1").Replace(s) }

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// send makes one request without following redirects.
func send(t *testing.T, method, url, key string, body *string) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(*body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	what := method + " " + url
	if key != "" {
		what += " (key)"
	}
	if body != nil {
		what += fmt.Sprintf(" body %.80q", *body)
	}
	return answer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: b, what: what}
}

// serveDemo runs `outflow serve --demo` on a free port until the test ends.
func serveDemo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	flowsDir, err := filepath.Abs("../../../../examples/flows")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var logs lockedBuffer
	go func() {
		done <- cli.Main(ctx, []string{"serve", "--demo", "--addr", addr, "--flows", flowsDir, "--log-format", "json"},
			cli.Env{Stdout: io.Discard, Stderr: &logs, Getenv: func(string) string { return "" }})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d:\n%s", code, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer:\n%s", logs.String())
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// decode reads a JSON answer.
func decode(t *testing.T, a answer) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(a.body, &out); err != nil {
		t.Fatalf("%s: %d %s", a.what, a.status, a.body)
	}
	return out
}
