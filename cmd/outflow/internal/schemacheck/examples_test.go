package schemacheck

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/builtin"
	"github.com/outflowhq/outflow/flows"
)

// The committed docs/flow.schema.json is what `outflow schema` prints for the built-in kinds, and
// every example flow validates against it, while a misspelled key does not.
func TestCommittedSchemaIsCurrentAndTheExamplesValidate(t *testing.T) {
	reg := actions.NewRegistry()
	if err := builtin.Register(reg, builtin.Deps{}); err != nil {
		t.Fatal(err)
	}
	want, err := flows.Schema(reg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../../../docs/flow.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Fatal("docs/flow.schema.json is out of date: run `go run ./cmd/outflow schema > docs/flow.schema.json`")
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("flow.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("flow.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	s := setup{loader: flows.NewLoader(reg), schema: sch}
	files, _ := filepath.Glob("../../../../examples/flows/*.yaml")
	checked := 0
	for _, f := range files {
		if !flows.IsFlowFile(filepath.Base(f)) {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.validate(t, string(src)); err != nil {
			t.Errorf("%s does not validate against the schema: %v", f, err)
		}
		if _, err := s.loader.Load(f, src); err != nil {
			t.Errorf("%s does not load: %v", f, err)
		}
		checked++
	}
	if checked < 5 {
		t.Fatalf("only %d example flows found", checked)
	}
	typo := bytes.Replace(mustRead(t, "../../../../examples/flows/choose-plan.yaml"), []byte("    on:\n"), []byte("    onn:\n"), 1)
	if err := s.validate(t, string(typo)); err == nil {
		t.Fatal("a misspelled key (onn) validates against the schema")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
