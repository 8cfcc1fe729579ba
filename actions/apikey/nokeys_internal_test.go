package apikey

import (
	"context"
	"errors"
	"testing"
)

// Kinds registered without an API-key store fail with a plain error that says so (an internal
// error to the engine), not with a nil-pointer panic.
func TestKindsWithoutAKeyStoreSaySo(t *testing.T) {
	if _, err := app(context.Background(), nil, "openai"); !errors.Is(err, errNoKeys) {
		t.Fatalf("app with no key store: %v, want errNoKeys", err)
	}
}
