package store_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/store"
)

func mustKeyring(t testing.TB, spec string) *store.Keyring {
	t.Helper()
	k, err := store.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealRoundTrip(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, "k1:"+keyStd)
	aad := []byte("of:{sub:user:u1}:tok:google")
	for _, plain := range [][]byte{[]byte("ya29.access-token"), {}, bytes.Repeat([]byte{0}, 4096)} {
		sealed, err := k.Seal(plain, aad)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(sealed, "of1.k1.") {
			t.Fatalf("sealed = %q, want of1.k1. prefix", sealed)
		}
		if len(plain) > 4 && strings.Contains(sealed, string(plain)) {
			t.Fatal("plaintext visible in the sealed value")
		}
		got, err := k.Open(sealed, aad)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("Open = %q, %v; want %q", got, err, plain)
		}
	}
	a, _ := k.Seal([]byte("same"), aad)
	b, _ := k.Seal([]byte("same"), aad)
	if a == b {
		t.Fatal("sealing twice gave the same ciphertext; nonces are not random")
	}
}

func TestSealBoundToItsRecord(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, "k1:"+keyStd)
	sealed, _ := k.Seal([]byte("refresh-token-of-ann"), []byte("of:{sub:user:ann}:tok:google"))
	// Copied onto Bob's record, Ann's token does not open.
	_, err := k.Open(sealed, []byte("of:{sub:user:bob}:tok:google"))
	if !errors.Is(err, store.ErrSealBroken) {
		t.Fatalf("Open with another record's aad: err = %v, want ErrSealBroken", err)
	}
	if _, err := k.Open(sealed, nil); !errors.Is(err, store.ErrSealBroken) {
		t.Fatalf("Open with no aad: err = %v, want ErrSealBroken", err)
	}
}

func TestSealTampering(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, "k1:"+keyStd+",k2:"+keyURL)
	aad := []byte("rec")
	sealed, _ := k.Seal([]byte("secret-value"), aad)
	body := sealed[len("of1.k1."):]
	raw, _ := base64.RawURLEncoding.DecodeString(body)

	flip := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 1
		return "of1.k1." + base64.RawURLEncoding.EncodeToString(b)
	}
	cases := map[string]string{
		"nonce bit":      flip(0),
		"ciphertext bit": flip(13),
		"tag bit":        flip(len(raw) - 1),
		"truncated":      "of1.k1." + base64.RawURLEncoding.EncodeToString(raw[:len(raw)-1]),
		"too short":      "of1.k1." + base64.RawURLEncoding.EncodeToString(raw[:20]),
		"other key id":   "of1.k2." + body, // k2 holds the same key material: the id is bound too
		"bad version":    "of2.k1." + body,
		"padded base64":  "of1.k1." + base64.URLEncoding.EncodeToString(raw) + "=",
		"not sealed":     "plain text",
		"empty":          "",
		"no body":        "of1.k1.",
		"bad key id":     "of1.k!1." + body,
	}
	for name, s := range cases {
		_, err := k.Open(s, aad)
		if !errors.Is(err, store.ErrSealBroken) {
			t.Errorf("%s: err = %v, want ErrSealBroken", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret-value") {
			t.Errorf("%s: error leaks the plaintext", name)
		}
	}
}

func TestSealUnknownKey(t *testing.T) {
	t.Parallel()
	old := mustKeyring(t, "old:"+keyStd)
	sealed, _ := old.Seal([]byte("secret"), nil)
	other := mustKeyring(t, "new:"+keyURL)
	_, err := other.Open(sealed, nil)
	if !errors.Is(err, store.ErrUnknownKey) {
		t.Fatalf("err = %v, want ErrUnknownKey", err)
	}
	if !strings.Contains(err.Error(), `"old"`) {
		t.Errorf("error %q does not name the missing key id", err)
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	newKey := base64.StdEncoding.EncodeToString([]byte("ZYXWVUTSRQPONMLKJIHGFEDCBA987654"))
	before := mustKeyring(t, "old:"+keyStd)
	oldSealed, _ := before.Seal([]byte("token"), []byte("rec"))

	after := mustKeyring(t, "new:"+newKey+",old:"+keyStd)
	if after.ActiveID() != "new" {
		t.Fatalf("active = %q, want new", after.ActiveID())
	}
	got, err := after.Open(oldSealed, []byte("rec"))
	if err != nil || string(got) != "token" {
		t.Fatalf("rotated ring cannot open an old value: %q, %v", got, err)
	}
	if !after.NeedsReseal(oldSealed) {
		t.Error("NeedsReseal(old value) = false")
	}
	if id, err := after.KeyIDOf(oldSealed); err != nil || id != "old" {
		t.Errorf("KeyIDOf = %q, %v", id, err)
	}
	resealed, _ := after.Seal(got, []byte("rec"))
	if after.NeedsReseal(resealed) {
		t.Error("NeedsReseal(resealed value) = true")
	}
	if !after.NeedsReseal("garbage") {
		t.Error("NeedsReseal(garbage) = false")
	}
	if _, err := after.KeyIDOf("garbage"); !errors.Is(err, store.ErrSealBroken) {
		t.Errorf("KeyIDOf(garbage): err = %v", err)
	}
	// Once every value is resealed the old key can go.
	final := mustKeyring(t, "new:"+newKey)
	if _, err := final.Open(resealed, []byte("rec")); err != nil {
		t.Fatal(err)
	}
}

func TestEphemeralKeyring(t *testing.T) {
	t.Parallel()
	a, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := store.EphemeralKeyring()
	sealed, _ := a.Seal([]byte("x"), nil)
	if _, err := a.Open(sealed, nil); err != nil {
		t.Fatal(err)
	}
	if a.ActiveID() == b.ActiveID() {
		t.Skip("two ephemeral ids collided (1 in 65536); nothing else to check")
	}
	if _, err := b.Open(sealed, nil); !errors.Is(err, store.ErrUnknownKey) {
		t.Fatalf("another ephemeral ring opened the value: %v", err)
	}
}

func FuzzOpen(f *testing.F) {
	k := mustKeyring(f, "k1:"+keyStd+",k2:"+keyURL)
	good, _ := k.Seal([]byte("hello"), []byte("aad"))
	for _, seed := range []string{good, "", "of1", "of1..", "of1.k1.", "of1.k2.AAAA", "of1.zz." + good[7:], good + "A", "of1.k1.====", strings.Repeat(".", 50)} {
		f.Add(seed, []byte("aad"))
	}
	f.Fuzz(func(t *testing.T, sealed string, aad []byte) {
		plain, err := k.Open(sealed, aad)
		if err != nil {
			if !errors.Is(err, store.ErrSealBroken) && !errors.Is(err, store.ErrUnknownKey) {
				t.Fatalf("Open(%q) = unexpected error %v", sealed, err)
			}
			return
		}
		// Anything that opens must be exactly what was sealed.
		if sealed == good && string(aad) == "aad" && string(plain) != "hello" {
			t.Fatalf("Open(good) = %q", plain)
		}
		k.NeedsReseal(sealed)
	})
}
