package oauth

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
)

func TestNewVaultRejectsInvalidOptions(t *testing.T) {
	f := setupVault(t)
	for _, tt := range []struct {
		name string
		opts VaultOptions
		want string
	}{
		{"lock shorter than the provider timeout", VaultOptions{RefreshLockTTL: 10 * time.Millisecond},
			"oauth: invalid vault options: RefreshLockTTL must exceed ProviderTimeout (10s), got 10ms"},
		{"lock equal to a set provider timeout", VaultOptions{ProviderTimeout: 2 * time.Second, RefreshLockTTL: 2 * time.Second},
			"oauth: invalid vault options: RefreshLockTTL must exceed ProviderTimeout (2s), got 2s"},
		{"negative state TTL", VaultOptions{StateTTL: -time.Minute},
			"oauth: invalid vault options: StateTTL must not be negative, got -1m0s"},
		{"negative provider timeout", VaultOptions{ProviderTimeout: -time.Second},
			"oauth: invalid vault options: ProviderTimeout must not be negative, got -1s"},
		{"negative retry interval", VaultOptions{WriteRetryInterval: -time.Second},
			"oauth: invalid vault options: WriteRetryInterval must not be negative, got -1s"},
		{"negative stream length", VaultOptions{EventStreamMaxLen: -1},
			"oauth: invalid vault options: EventStreamMaxLen must not be negative, got -1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVault(f.apps, tt.opts)
			if !errors.Is(err, ErrInvalidVaultOptions) || err.Error() != tt.want {
				t.Fatalf("NewVault: %v, %v; want %q", v, err, tt.want)
			}
		})
	}
	v, err := NewVault(f.apps, VaultOptions{ProviderTimeout: time.Second, RefreshLockTTL: 1500 * time.Millisecond})
	if err != nil {
		t.Fatalf("a lock longer than the provider timeout: %v", err)
	}
	defer v.Close()
}

// A vault removes an app's connections when the app is deleted only where the caller registers
// DeleteAppConnections with the registry (as the fixture does, see revoke_test.go): building one
// has no hidden effect on the registry.
func TestVaultDeletesAppConnectionsOnlyWhereRegistered(t *testing.T) {
	ctx := context.Background()
	f := setupVault(t)
	if _, err := f.v.Import(ctx, ImportRequest{AppID: "crm", Owner: alice, RefreshToken: "RT-seed", Scopes: []string{"contacts.read"}}); err != nil {
		t.Fatal(err)
	}
	kr, err := store.ParseKeyring(f.keyEntry)
	if err != nil {
		t.Fatal(err)
	}
	registry, err := apps.NewApps(apps.Options{Store: f.s, Keyring: kr, Clock: f.clock, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	unhooked, err := NewVault(registry, VaultOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer unhooked.Close()
	if err := registry.Delete(ctx, "crm"); err != nil {
		t.Fatal(err)
	}
	if list, err := f.v.List(ctx, alice, ""); err != nil || len(list) != 1 {
		t.Fatalf("connections after deleting the app through a registry no vault hooked into: %v %v; want alice's one, untouched", list, err)
	}
}
