package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// keySize is the AES-256 key length in bytes.
const keySize = 32

// Keyring holds the keys that seal secrets before they reach Redis. The first key seals; every key
// opens, so keys rotate without downtime: put the new key first, keep the old ones until
// everything is resealed (see NeedsReseal). A Keyring is immutable and safe for concurrent use.
// It never prints key material: String, GoString and LogValue show only key ids.
type Keyring struct {
	active string
	ids    []string
	aeads  map[string]cipher.AEAD
}

// ParseKeyring reads a keyring spec: comma-separated ID:BASE64 entries, each a 32-byte key in
// standard or URL-safe base64, padded or not. IDs are 1–32 characters of [A-Za-z0-9_-] and unique.
// The first entry is the active (sealing) key. Errors name the entry by position (and ID, when it
// is valid) and never include key material.
func ParseKeyring(spec string) (*Keyring, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, errors.New("store: keyring is empty: want ID:BASE64[,ID:BASE64...] (make a key with GenerateKey)")
	}
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	for i, entry := range strings.Split(spec, ",") {
		pos := i + 1
		entry = strings.TrimSpace(entry)
		id, b64, ok := strings.Cut(entry, ":")
		if !ok {
			return nil, fmt.Errorf("store: keyring entry %d: want ID:BASE64", pos)
		}
		if !validKeyID(id) {
			return nil, fmt.Errorf("store: keyring entry %d: invalid key id (want 1 to 32 of A-Z a-z 0-9 _ -)", pos)
		}
		if _, dup := k.aeads[id]; dup {
			return nil, fmt.Errorf("store: keyring entry %d (%q): duplicate key id", pos, id)
		}
		key, err := decodeKey(b64)
		if err != nil {
			return nil, fmt.Errorf("store: keyring entry %d (%q): %w", pos, id, err)
		}
		aead, err := newAEAD(key)
		if err != nil {
			return nil, fmt.Errorf("store: keyring entry %d (%q): %w", pos, id, err)
		}
		k.aeads[id] = aead
		k.ids = append(k.ids, id)
	}
	k.active = k.ids[0]
	return k, nil
}

// GenerateKey returns a new random keyring entry "ID:BASE64". With id "" it makes one from
// today's date and random hex, like "k20261129a1b2".
func GenerateKey(id string) (string, error) {
	if id == "" {
		var r [2]byte
		if _, err := rand.Read(r[:]); err != nil {
			return "", fmt.Errorf("store: generate key id: %w", err)
		}
		id = "k" + time.Now().UTC().Format("20060102") + hex.EncodeToString(r[:])
	}
	if !validKeyID(id) {
		return "", fmt.Errorf("store: key id %q: want 1 to 32 of A-Z a-z 0-9 _ -", id)
	}
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("store: generate key: %w", err)
	}
	return id + ":" + base64.StdEncoding.EncodeToString(key), nil
}

// EphemeralKeyring returns a keyring with one new random key that exists only in this process:
// secrets sealed with it cannot be opened after a restart. For trials and tests.
func EphemeralKeyring() (*Keyring, error) {
	entry, err := GenerateKey("")
	if err != nil {
		return nil, err
	}
	return ParseKeyring(entry)
}

// ActiveID is the id of the key that seals.
func (k *Keyring) ActiveID() string { return k.active }

// IDs lists the key ids, the active one first.
func (k *Keyring) IDs() []string { return append([]string(nil), k.ids...) }

// String shows the key ids only.
func (k *Keyring) String() string {
	return "Keyring(active=" + k.active + ", ids=[" + strings.Join(k.ids, ",") + "])"
}

// GoString shows the key ids only, so %#v cannot print key material.
func (k *Keyring) GoString() string { return k.String() }

// LogValue shows the key ids only.
func (k *Keyring) LogValue() slog.Value {
	return slog.GroupValue(slog.String("active", k.active), slog.Any("ids", k.IDs()))
}

func validKeyID(id string) bool {
	if len(id) == 0 || len(id) > 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("key is empty")
	}
	var key []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil {
		return nil, errors.New("key is not valid base64")
	}
	if len(key) != keySize {
		return nil, fmt.Errorf("key is %d bytes, want %d (AES-256)", len(key), keySize)
	}
	return key, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, errors.New("bad AES key")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, errors.New("bad AES-GCM key")
	}
	return aead, nil
}
