package server_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/server"
)

// Options a server cannot serve with are refused at New with a message naming the field, instead
// of links built on nothing or a management key no request can present; a key is never quoted.
func TestNewRefusesOptionsItCannotServeWith(t *testing.T) {
	t.Parallel()
	const key = "a-management-key-of-32-characters"
	for _, tc := range []struct {
		name string
		opts server.Options
		want string
	}{
		{"relative public URL", server.Options{PublicURL: "auth.example.com/outflow"},
			`server: PublicURL must be an absolute http(s) URL, got "auth.example.com/outflow"`},
		{"public URL without host", server.Options{PublicURL: "https:///outflow"},
			`server: PublicURL must be an absolute http(s) URL, got "https:///outflow"`},
		{"public URL of another scheme", server.Options{PublicURL: "ftp://auth.example.com"},
			`server: PublicURL must be an absolute http(s) URL, got "ftp://auth.example.com"`},
		{"public URL that does not parse", server.Options{PublicURL: "http://auth example.com:x"},
			`server: PublicURL must be an absolute http(s) URL, got "http://auth example.com:x"`},
		{"empty management key", server.Options{ManagementKeys: []string{key, ""}},
			"server: ManagementKeys[1] is empty"},
		{"management key with spaces around it", server.Options{ManagementKeys: []string{" " + key + "\n"}},
			"server: ManagementKeys[0] has spaces around it, so no request can present it"},
		{"short management key", server.Options{ManagementKeys: []string{key, "short-key"}},
			"server: ManagementKeys[1] is 9 characters long; management keys need at least 32 characters, random ones"},
		{"negative body limit", server.Options{MaxBodyBytes: -1},
			"server: MaxBodyBytes is -1; use a positive number, or 0 for the default (1048576)"},
		{"negative link lifetime", server.Options{LinkTTL: -time.Minute},
			"server: LinkTTL is -1m0s; use a positive duration, or 0 for the default (10m0s)"},
	} {
		tc.opts.Logger = slog.New(slog.DiscardHandler)
		s, err := server.New(tc.opts)
		var oe *server.OptionsError
		switch {
		case err == nil:
			t.Errorf("%s: New succeeded, want %q", tc.name, tc.want)
		case s != nil:
			t.Errorf("%s: New returned a server with its error", tc.name)
		case err.Error() != tc.want:
			t.Errorf("%s: New: %q, want %q", tc.name, err, tc.want)
		case !errors.Is(err, server.ErrInvalidOptions) || !errors.As(err, &oe):
			t.Errorf("%s: New: %v is not an *OptionsError wrapping ErrInvalidOptions", tc.name, err)
		case strings.Contains(err.Error(), key):
			t.Errorf("%s: New: %q quotes the management key", tc.name, err)
		}
	}
	for _, publicURL := range []string{"", "http://localhost:8080", "HTTPS://auth.example.com/outflow/", " https://auth.example.com "} {
		if _, err := server.New(server.Options{PublicURL: publicURL, ManagementKeys: []string{key}}); err != nil {
			t.Errorf("PublicURL %q: %v", publicURL, err)
		}
	}
}

// A demo server, which only runs on a developer's machine, may have a short, well-known
// management key; any other server needs MinManagementKeyLen characters.
func TestShortManagementKeysAreForDemosOnly(t *testing.T) {
	t.Parallel()
	quiet := slog.New(slog.DiscardHandler)
	if _, err := server.New(server.Options{ManagementKeys: []string{"demo"}, Demo: &server.Demo{}, Logger: quiet}); err != nil {
		t.Fatalf("a demo with the key \"demo\": %v", err)
	}
	long := strings.Repeat("k", server.MinManagementKeyLen)
	if _, err := server.New(server.Options{ManagementKeys: []string{long}, Logger: quiet}); err != nil {
		t.Fatalf("a key of MinManagementKeyLen characters: %v", err)
	}
	if _, err := server.New(server.Options{ManagementKeys: []string{long[1:]}, Logger: quiet}); !errors.Is(err, server.ErrInvalidOptions) {
		t.Fatalf("a key one character short: %v, want ErrInvalidOptions", err)
	}
}

// A server that serves OAuth callbacks agrees with the apps registry on its public URL: the
// registry builds the redirect_uri, the server serves it under its own path.
func TestNewRefusesAPublicURLTheAppsRegistryDoesNotShare(t *testing.T) {
	t.Parallel()
	quiet := slog.New(slog.DiscardHandler)
	newServer := func(serverURL, registryURL string) error {
		_, registry := setup(t, apps.Options{PublicURL: registryURL})
		vault, err := oauth.NewVault(registry, oauth.VaultOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = vault.Close() })
		_, err = server.New(server.Options{Apps: registry, Vault: vault, PublicURL: serverURL, Logger: quiet})
		return err
	}
	for _, tc := range []struct{ server, registry, want string }{
		{"https://auth.example.com/outflow", "https://auth.example.com",
			`server: PublicURL is "https://auth.example.com/outflow" but the apps registry's PublicURL is "https://auth.example.com": ` +
				"OAuth callbacks are built on the registry's and served under this one's path, so they must be the same"},
		{"https://auth.example.com/Outflow", "https://auth.example.com/outflow",
			`server: PublicURL is "https://auth.example.com/Outflow" but the apps registry's PublicURL is "https://auth.example.com/outflow": ` +
				"OAuth callbacks are built on the registry's and served under this one's path, so they must be the same"},
		{"https://auth.example.com", "",
			`server: Apps has no PublicURL, so OAuth callbacks would not be absolute; set apps.Options.PublicURL to "https://auth.example.com"`},
	} {
		if err := newServer(tc.server, tc.registry); err == nil || err.Error() != tc.want || !errors.Is(err, server.ErrInvalidOptions) {
			t.Errorf("server %q, registry %q: %v, want %q", tc.server, tc.registry, err, tc.want)
		}
	}
	for _, tc := range []struct{ server, registry string }{
		{"https://auth.example.com/outflow/", "https://auth.example.com/outflow"},
		{"HTTPS://Auth.example.com", "https://auth.example.com"},
		{"", "https://auth.example.com"}, // links on the request's host: nothing to compare
	} {
		if err := newServer(tc.server, tc.registry); err != nil {
			t.Errorf("server %q, registry %q: %v", tc.server, tc.registry, err)
		}
	}
}
