// Package openapicheck checks the server's OpenAPI document: it must validate against the
// OpenAPI 3.1 schema the OpenAPI Initiative publishes, every reference in it must resolve, every
// schema in it must compile as JSON Schema 2020-12, and every answer of a running server must
// match it.
package openapicheck

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi/datamodel"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/outflowhq/outflow/server"
)

// oasSchemaURL is the identifier the OpenAPI 3.1 schema gives itself.
const oasSchemaURL = "https://spec.openapis.org/oas/3.1/schema/2022-10-07"

// TestTheOpenAPIDocumentIsValid31 validates openapi.json against the OpenAPI 3.1 schema (the
// copy an OpenAPI library ships, so the test reads no network), then checks what that schema
// leaves to tools: that every $ref resolves, that every schema compiles, and that every
// operation has an id of its own, a summary and its responses, and declares each parameter its
// path template names.
func TestTheOpenAPIDocumentIsValid31(t *testing.T) {
	raw := server.OpenAPI()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if errs := validateOAS31(doc); len(errs) > 0 {
		for _, err := range errs {
			t.Error(err)
		}
		return
	}
	c := newContract(t)
	for _, err := range c.documentErrors() {
		t.Error(err)
	}
	if ops := c.operations(); len(ops) < 35 {
		t.Errorf("openapi.json describes %d operations; the server serves more", len(ops))
	}
}

// TestTheCheckCatchesABrokenDocument breaks a copy of the document in each way the check above
// must notice, and expects it to.
func TestTheCheckCatchesABrokenDocument(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(doc map[string]any)
		want string
	}{
		"a version that is not 3.1":   {func(d map[string]any) { d["openapi"] = "3.0.3" }, "openapi"},
		"info without a title":        {func(d map[string]any) { delete(d["info"].(map[string]any), "title") }, "title"},
		"an unknown field at the top": {func(d map[string]any) { d["pathz"] = map[string]any{} }, "pathz"},
		"an operation without responses": {func(d map[string]any) {
			delete(firstOperation(d), "responses")
		}, "responses"},
		"a reference to nothing": {func(d map[string]any) {
			d["components"].(map[string]any)["schemas"].(map[string]any)["Broken"] = map[string]any{"$ref": "#/components/schemas/Nowhere"}
		}, "Nowhere"},
		"a schema that is not JSON Schema": {func(d map[string]any) {
			d["components"].(map[string]any)["schemas"].(map[string]any)["Broken"] = map[string]any{"type": "text"}
		}, "Broken"},
		"two operations with one id": {func(d map[string]any) {
			var ids []map[string]any
			for _, item := range d["paths"].(map[string]any) {
				for method, op := range item.(map[string]any) {
					if slices.Contains(httpMethods, method) {
						ids = append(ids, op.(map[string]any))
					}
				}
			}
			ids[1]["operationId"] = ids[0]["operationId"]
		}, "operationId"},
		"a path parameter that is not declared": {func(d map[string]any) {
			paths := d["paths"].(map[string]any)
			paths["/v1/undeclared/{thing}"] = map[string]any{"get": map[string]any{
				"operationId": "undeclared", "summary": "s",
				"responses": map[string]any{"204": map[string]any{"description": "d"}},
			}}
		}, "{thing}"},
	} {
		t.Run(name, func(t *testing.T) {
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(server.OpenAPI()))
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(doc.(map[string]any))
			errs := validateOAS31(doc)
			if len(errs) == 0 {
				errs = contractOf(t, doc).documentErrors()
			}
			if !slices.ContainsFunc(errs, func(err error) bool { return strings.Contains(err.Error(), tc.want) }) {
				t.Errorf("the check did not name %q: %v", tc.want, errs)
			}
		})
	}
}

func firstOperation(d map[string]any) map[string]any {
	paths := d["paths"].(map[string]any)
	first := slices.Sorted(maps.Keys(paths))[0]
	for method, op := range paths[first].(map[string]any) {
		if slices.Contains(httpMethods, method) {
			return op.(map[string]any)
		}
	}
	panic("no operation under " + first)
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// validateOAS31 validates doc against the OpenAPI 3.1 schema.
func validateOAS31(doc any) []error {
	oas, err := jsonschema.UnmarshalJSON(strings.NewReader(datamodel.OpenAPI31SchemaData))
	if err != nil {
		return []error{fmt.Errorf("the OpenAPI 3.1 schema: %v", err)}
	}
	if id, _ := oas.(map[string]any)["$id"].(string); id != oasSchemaURL {
		return []error{fmt.Errorf("the OpenAPI 3.1 schema is %q, want %q", id, oasSchemaURL)}
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(oasSchemaURL, oas); err != nil {
		return []error{err}
	}
	schema, err := c.Compile(oasSchemaURL)
	if err != nil {
		return []error{fmt.Errorf("compile the OpenAPI 3.1 schema: %v", err)}
	}
	if err := schema.Validate(doc); err != nil {
		return []error{fmt.Errorf("openapi.json is not a valid OpenAPI 3.1 document: %v", err)}
	}
	return nil
}

// documentErrors is what the OpenAPI 3.1 schema leaves to tools: each $ref that resolves to
// nothing, each schema that does not compile, and each operation's missing or repeated id,
// summary, responses and undeclared path parameters.
func (c *contract) documentErrors() []error {
	errs := c.unresolvedRefs()
	for _, pointer := range c.schemaPointers() {
		if _, err := c.compiler.Compile(docURL + pointer); err != nil {
			errs = append(errs, fmt.Errorf("schema %s: %v", pointer, err))
		}
	}
	return append(errs, c.operationErrors(c.operations())...)
}

// walk visits every member of every object of the document below v, outside examples (they are
// values, not parts of the document), with the pointer of the object holding it; it descends into
// a member's value only where visit says so.
func walk(v any, at string, visit func(at, key string, value any) (descend bool)) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			if (k == "example" || k == "examples") && !strings.HasSuffix(at, "/properties") {
				continue
			}
			if visit(at, k, child) {
				walk(child, at+"/"+escape(k), visit)
			}
		}
	case []any:
		for i, child := range v {
			walk(child, at+"/"+strconv.Itoa(i), visit)
		}
	}
}

// unresolvedRefs names each $ref of the document that does not point at a value of it.
func (c *contract) unresolvedRefs() []error {
	var errs []error
	walk(c.doc, "#", func(at, k string, v any) bool {
		if k != "$ref" {
			return true
		}
		ref, _ := v.(string)
		if _, ok := c.lookup(ref); !ok {
			errs = append(errs, fmt.Errorf("%s: $ref %q resolves to nothing", at, ref))
		}
		return false
	})
	return errs
}

// lookup resolves a reference local to the document.
func (c *contract) lookup(ref string) (any, bool) {
	pointer, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, false
	}
	var v any = c.doc
	if pointer == "" {
		return v, true
	}
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = unescapeToken.Replace(tok)
		switch cur := v.(type) {
		case map[string]any:
			if v, ok = cur[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(cur) {
				return nil, false
			}
			v = cur[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// unescapeToken undoes escape in one token of a JSON pointer.
var unescapeToken = strings.NewReplacer("~1", "/", "~0", "~")

// schemaPointers lists every Schema Object of the document: the components' schemas and each
// schema of a parameter, header or media type, wherever it sits.
func (c *contract) schemaPointers() []string {
	var out []string
	if comps, ok := c.doc["components"].(map[string]any); ok {
		if schemas, ok := comps["schemas"].(map[string]any); ok {
			for name := range schemas {
				out = append(out, "#/components/schemas/"+escape(name))
			}
		}
	}
	walk(c.doc, "#", func(at, k string, _ any) bool {
		switch {
		case k == "schema":
			out = append(out, at+"/schema")
			return false
		case at == "#/components" && k == "schemas":
			return false // listed above
		}
		return true
	})
	slices.Sort(out)
	return out
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// operationErrors names each operation without an id of its own, a summary or responses, and
// each path template parameter an operation does not declare.
func (c *contract) operationErrors(ops []operation) []error {
	var errs []error
	seen := map[string]operation{}
	paths := c.doc["paths"].(map[string]any)
	for _, op := range ops {
		item := paths[op.path].(map[string]any)
		obj := item[strings.ToLower(op.method)].(map[string]any)
		id, _ := obj["operationId"].(string)
		summary, _ := obj["summary"].(string)
		responses, _ := obj["responses"].(map[string]any)
		if id == "" || summary == "" || len(responses) == 0 {
			errs = append(errs, fmt.Errorf("%s %s needs an operationId, a summary and its responses", op.method, op.path))
		}
		if other, dup := seen[id]; dup && id != "" {
			errs = append(errs, fmt.Errorf("%s %s has the operationId %q of %s %s", op.method, op.path, id, other.method, other.path))
		}
		seen[id] = op
		declared := map[string]bool{}
		for _, list := range []any{item["parameters"], obj["parameters"]} {
			params, _ := list.([]any)
			for _, p := range params {
				pm, _ := p.(map[string]any)
				if ref, ok := pm["$ref"].(string); ok {
					target, _ := c.lookup(ref)
					pm, _ = target.(map[string]any)
				}
				if pm["in"] == "path" {
					name, _ := pm["name"].(string)
					declared[name] = true
				}
			}
		}
		for _, m := range pathParam.FindAllStringSubmatch(op.path, -1) {
			if !declared[m[1]] {
				errs = append(errs, fmt.Errorf("%s %s does not declare its path parameter {%s}", op.method, op.path, m[1]))
			}
		}
	}
	return errs
}
