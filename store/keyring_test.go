package store_test

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/store"
)

// A fixed key for tests: 32 bytes, here in four encodings.
var (
	rawKey    = []byte("0123456789abcdef0123456789ABCDEF")
	keyStd    = base64.StdEncoding.EncodeToString(rawKey)
	keyRawStd = base64.RawStdEncoding.EncodeToString(rawKey)
	keyURL    = base64.URLEncoding.EncodeToString(rawKey)
	keyRawURL = base64.RawURLEncoding.EncodeToString(rawKey)
)

func TestParseKeyring(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{
		"k1:" + keyStd,
		"k1:" + keyRawStd,
		"k1:" + keyURL,
		"k1:" + keyRawURL,
		" k1:" + keyStd + " , old_2-x:" + keyRawURL + " ",
	} {
		k, err := store.ParseKeyring(spec)
		if err != nil {
			t.Errorf("ParseKeyring(%q): %v", spec, err)
			continue
		}
		if k.ActiveID() != "k1" {
			t.Errorf("ParseKeyring(%q): active = %q, want k1", spec, k.ActiveID())
		}
	}
	k, _ := store.ParseKeyring("new:" + keyStd + ",old:" + keyURL)
	if ids := k.IDs(); !slices.Equal(ids, []string{"new", "old"}) {
		t.Errorf("IDs = %q", ids)
	}
}

func TestParseKeyringErrors(t *testing.T) {
	t.Parallel()
	short := base64.StdEncoding.EncodeToString([]byte("sixteen byte key"))
	tests := []struct {
		spec, want string
	}{
		{"", "empty"},
		{"   ", "empty"},
		{keyStd, "entry 1: want ID:BASE64"},
		{"k1:" + keyStd + ",", "entry 2: want ID:BASE64"},
		{"k1:" + keyStd + ",bad id!:" + keyStd, "entry 2: invalid key id"},
		{":" + keyStd, "entry 1: invalid key id"},
		{strings.Repeat("x", 33) + ":" + keyStd, "entry 1: invalid key id"},
		{"k1:" + keyStd + ",k1:" + keyURL, `entry 2 ("k1"): duplicate`},
		{"k1:" + short, `entry 1 ("k1"): key is 16 bytes, want 32`},
		{"k1:not*base64*" + keyStd, `entry 1 ("k1"): key is not valid base64`},
		{"k1:", `entry 1 ("k1"): key is empty`},
	}
	for _, tt := range tests {
		_, err := store.ParseKeyring(tt.spec)
		if err == nil {
			t.Errorf("ParseKeyring(%q): want an error containing %q", tt.spec, tt.want)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.want) {
			t.Errorf("ParseKeyring(%q) = %q, want it to contain %q", tt.spec, msg, tt.want)
		}
		for _, secret := range []string{keyStd[:16], keyURL[:16], short[:10], "0123456789abcdef"} {
			if strings.Contains(msg, secret) {
				t.Errorf("ParseKeyring(%q): error %q contains key material", tt.spec, msg)
			}
		}
	}
}

func TestGenerateKey(t *testing.T) {
	t.Parallel()
	entry, err := store.GenerateKey("")
	if err != nil {
		t.Fatal(err)
	}
	id, _, _ := strings.Cut(entry, ":")
	if !regexp.MustCompile(`^k\d{8}[0-9a-f]{4}$`).MatchString(id) {
		t.Errorf("generated id %q, want like k20261129a1b2", id)
	}
	k, err := store.ParseKeyring(entry)
	if err != nil || k.ActiveID() != id {
		t.Fatalf("generated entry does not parse: %v", err)
	}
	other, _ := store.GenerateKey("")
	if other == entry {
		t.Error("two generated keys are equal")
	}
	named, err := store.GenerateKey("prod-2026")
	if err != nil || !strings.HasPrefix(named, "prod-2026:") {
		t.Fatalf("GenerateKey(prod-2026) = %q, %v", named, err)
	}
	if _, err := store.GenerateKey("no.dots"); err == nil {
		t.Error("GenerateKey accepted an invalid id")
	}
}

func TestKeyringPrintsNoKeyMaterial(t *testing.T) {
	t.Parallel()
	k, err := store.ParseKeyring("k1:" + keyStd)
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("ring", "keyring", k)
	printed := fmt.Sprintf("%v %+v %#v %s", k, k, k, logged.String())
	if !strings.Contains(printed, "k1") {
		t.Errorf("key id missing from %q", printed)
	}
	for _, secret := range []string{"0123456789abcdef", keyStd[:12], fmt.Sprintf("%x", rawKey[:8])} {
		if strings.Contains(printed, secret) {
			t.Fatalf("key material printed: %q", printed)
		}
	}
}
