package outbound_test

import (
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
