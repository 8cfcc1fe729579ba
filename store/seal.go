package store

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// sealVersion starts every sealed value; it names the format (AES-256-GCM, 12-byte nonce).
const sealVersion = "of1"

const nonceSize = 12

// Errors from Open. Neither ever carries plaintext or key material.
var (
	// ErrUnknownKey means the value was sealed with a key id not in the keyring (a key was
	// removed too early, or the ring is the wrong one).
	ErrUnknownKey = errors.New("store: sealed with a key not in the keyring")
	// ErrSealBroken means the value is not a sealed value, was tampered with, or belongs to
	// another record (wrong associated data).
	ErrSealBroken = errors.New("store: sealed value is malformed, tampered with or bound to another record")
)

// Seal encrypts plaintext with the active key and returns "of1.<keyID>.<base64url(nonce|ciphertext)>".
// aad (associated data) binds the ciphertext to its owner, e.g. the record key and field: Open
// fails unless given the same aad, so a sealed value copied onto another record is useless.
func (k *Keyring) Seal(plaintext, aad []byte) (string, error) {
	return k.sealWith(k.active, plaintext, aad)
}

// sealWith is Seal with the key id names, which must be in the ring.
func (k *Keyring) sealWith(id string, plaintext, aad []byte) (string, error) {
	aead := k.aeads[id]
	buf := make([]byte, nonceSize, nonceSize+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("store: seal: nonce: %w", err)
	}
	header := sealVersion + "." + id + "."
	out := aead.Seal(buf, buf[:nonceSize], plaintext, sealAAD(header, aad))
	return header + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal with any key of the ring. It fails with ErrUnknownKey or
// ErrSealBroken.
func (k *Keyring) Open(sealed string, aad []byte) ([]byte, error) {
	id, body, err := splitSealed(sealed)
	if err != nil {
		return nil, err
	}
	aead, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("%w (key id %q; the ring has %s)", ErrUnknownKey, id, strings.Join(k.ids, ","))
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < nonceSize+aead.Overhead() {
		return nil, ErrSealBroken
	}
	header := sealVersion + "." + id + "."
	plain, err := aead.Open(nil, raw[:nonceSize], raw[nonceSize:], sealAAD(header, aad))
	if err != nil {
		return nil, ErrSealBroken
	}
	return plain, nil
}

// KeyIDOf returns the id of the key that sealed a value, without decrypting it.
func (k *Keyring) KeyIDOf(sealed string) (string, error) {
	id, _, err := splitSealed(sealed)
	return id, err
}

// NeedsReseal reports whether sealed is not under the active key (sealed by an older key, or not
// a sealed value at all), i.e. whether a rotation should open and seal it again.
func (k *Keyring) NeedsReseal(sealed string) bool {
	id, err := k.KeyIDOf(sealed)
	return err != nil || id != k.active
}

func splitSealed(sealed string) (id, body string, err error) {
	version, rest, ok1 := strings.Cut(sealed, ".")
	id, body, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || version != sealVersion || !validKeyID(id) || body == "" {
		return "", "", ErrSealBroken
	}
	return id, body, nil
}

// sealAAD binds the header (format and key id) as well as the caller's aad. Key ids never
// contain '.', so header+aad is unambiguous.
func sealAAD(header string, aad []byte) []byte {
	out := make([]byte, 0, len(header)+len(aad))
	out = append(out, header...)
	return append(out, aad...)
}
