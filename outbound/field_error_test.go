package outbound_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/outflowhq/outflow/outbound"
)

var errBadThing = errors.New("outbound: bad thing")

func TestInvalidErrorMatchesItsKindAndListsItsFields(t *testing.T) {
	err := fmt.Errorf("saving: %w", outbound.Invalid(errBadThing,
		outbound.FieldError{Field: "name", Message: "is required"},
		outbound.FieldError{Field: "", Message: "the file is empty"},
		outbound.FieldError{Field: "scopes[1]", Message: "is not a scope"}))
	if !errors.Is(err, errBadThing) {
		t.Errorf("errors.Is(%v, kind) = false", err)
	}
	if errors.Is(err, outbound.ErrSecretUnreadable) {
		t.Errorf("errors.Is(%v, another sentinel) = true", err)
	}
	var ie *outbound.InvalidError
	if !errors.As(err, &ie) {
		t.Fatalf("errors.As(%v, *InvalidError) = false", err)
	}
	if want := "outbound: bad thing: name: is required; : the file is empty; scopes[1]: is not a scope"; ie.Error() != want {
		t.Errorf("Error() = %q, want %q", ie.Error(), want)
	}
	if msg, ok := ie.Field("scopes[1]"); !ok || msg != "is not a scope" {
		t.Errorf("Field(scopes[1]) = %q, %v", msg, ok)
	}
	if _, ok := ie.Field("other"); ok {
		t.Error("Field(other) found a problem")
	}
	got := ie.Messages()
	if len(got) != 2 || got["name"] != "is required" || got["scopes[1]"] != "is not a scope" {
		t.Errorf("Messages() = %v, want the two named fields", got)
	}
}
