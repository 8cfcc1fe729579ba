package console_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/server/console"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// A console built on its own holds management keys to the server's rule, and refuses negative
// settings naming the field; a demo may use a short key.
func TestNewRefusesOptionsItCannotServeWith(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	ring, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	registry, err := apps.NewApps(apps.Options{Store: s, Keyring: ring})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		opts console.Options
		want string
	}{
		{console.Options{ManagementKeys: []string{"short-key"}}, "console: Options.ManagementKeys[0] is 9 characters long"},
		{console.Options{ManagementKeys: []string{""}, Demo: true}, "console: Options.ManagementKeys[0] is empty"},
		{console.Options{SessionTTL: -time.Hour}, "console: Options.SessionTTL is -1h0m0s; use a positive duration, or 0 for the default (8h0m0s)"},
		{console.Options{SignInLimit: -1}, "console: Options.SignInLimit is -1; use a positive number, or 0 for the default (10)"},
	} {
		tc.opts.Store, tc.opts.Apps = s, registry
		_, err := console.New(tc.opts)
		if !errors.Is(err, console.ErrInvalidOptions) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "short-key") {
			t.Errorf("New: %v, want %q", err, tc.want)
		}
	}
	if _, err := console.New(console.Options{Store: s, Apps: registry, ManagementKeys: []string{"demo"}, Demo: true}); err != nil {
		t.Errorf("a demo console with a short key: %v", err)
	}
}
