package outbound_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound"
)

// IsAppID takes slugs only, and AppIDMessage refuses exactly what IsAppID refuses.
func TestIsAppID(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]bool{
		"github": true, "a": true, "google-drive": true, "0x": true,
		"-a": false, "GitHub": false, "a_b": false, "": false, "a b": false,
	} {
		if got := outbound.IsAppID(id); got != want {
			t.Errorf("IsAppID(%q) = %v, want %v", id, got, want)
		}
		if got := outbound.AppIDMessage(id) == ""; got != outbound.IsAppID(id) {
			t.Errorf("AppIDMessage(%q) accepts: %v, IsAppID: %v", id, got, !got)
		}
	}
	if !outbound.IsAppID("a23456789012345678901234567890123456789012345678901234567890123") {
		t.Error("63 characters refused")
	}
	if outbound.IsAppID("a234567890123456789012345678901234567890123456789012345678901234") {
		t.Error("64 characters accepted")
	}
}

// An owner's bad id is refused with the library's one field-error type, of kind ErrInvalidID,
// naming the field and never the id.
func TestOwnerValidateNamesTheField(t *testing.T) {
	t.Parallel()
	err := outbound.Owner{UserID: "ada", TenantID: "acme\x00corp"}.Validate()
	var ie *outbound.InvalidError
	if !errors.Is(err, outbound.ErrInvalidID) || !errors.As(err, &ie) || len(ie.Fields) != 1 || ie.Fields[0].Field != "tenantId" ||
		strings.Contains(err.Error(), "acme") {
		t.Fatalf("Validate: %v", err)
	}
	if fe, ok := outbound.OwnerProblem(outbound.Owner{TenantID: "acme\x00corp"}, "name someone"); !ok || fe != ie.Fields[0] {
		t.Errorf("OwnerProblem: %+v %v, want %+v", fe, ok, ie.Fields[0])
	}
	if fe, ok := outbound.OwnerProblem(outbound.Owner{}, "name someone"); !ok || fe != (outbound.FieldError{Field: "userId", Message: "name someone"}) {
		t.Errorf("OwnerProblem of no one: %+v %v", fe, ok)
	}
	if !errors.Is(outbound.Owner{}.Validate(), outbound.ErrNoOwner) || (outbound.Owner{UserID: "ada"}).Validate() != nil {
		t.Error("an empty owner is outbound.ErrNoOwner, a good one valid")
	}
}
