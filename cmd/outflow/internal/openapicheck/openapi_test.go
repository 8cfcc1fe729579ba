// Package openapicheck checks the server's OpenAPI document: with an OpenAPI library, it must
// parse as OpenAPI 3.1 with every reference resolved and every schema buildable; with a JSON
// Schema validator, every answer of a running server must match it.
package openapicheck

import (
	"testing"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"

	"github.com/outflowhq/outflow/server"
)

func TestTheOpenAPIDocumentIsValid31(t *testing.T) {
	doc, err := libopenapi.NewDocument(server.OpenAPI())
	if err != nil {
		t.Fatalf("parse openapi.json: %v", err)
	}
	if info := doc.GetSpecInfo(); info.SpecFormat != datamodel.OAS31 || info.Version != "3.1.0" {
		t.Fatalf("openapi.json is %s %s, want OpenAPI 3.1.0", info.SpecFormat, info.Version)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("build the OpenAPI model: %v", err)
	}
	if errs := model.Index.GetReferenceIndexErrors(); len(errs) > 0 {
		t.Errorf("unresolved references: %v", errs)
	}
	for name, proxy := range model.Model.Components.Schemas.FromOldest() {
		if _, err := proxy.BuildSchema(); err != nil {
			t.Errorf("schema %s: %v", name, err)
		}
	}
	operations := 0
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			operations++
			if op.OperationId == "" || op.Summary == "" || op.Responses == nil || op.Responses.Codes.Len() == 0 {
				t.Errorf("%s %s needs an operationId, a summary and its responses", method, path)
			}
		}
	}
	if operations < 35 {
		t.Errorf("openapi.json describes %d operations; the server serves more", operations)
	}
}
