package store

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
)

// ErrKeyringMismatch means a key of the keyring is not the key that sealed what Redis holds
// under its id: the same id with other bytes. Secrets sealed with the original key would not
// open, and writes would replace them with values the original key cannot open.
var ErrKeyringMismatch = errors.New("store: the keyring does not open what Redis holds")

// checkPlaintext is what every check value seals. It is not a secret: the check proves only that
// a key opens what it sealed.
const checkPlaintext = "outflow keyring check v1"

// KeyringError is a key of the keyring that failed the check: KeyID names it (never its bytes),
// Err is why its check value did not open. It matches ErrKeyringMismatch.
type KeyringError struct {
	KeyID string
	Err   error
}

func (e *KeyringError) Error() string {
	return fmt.Sprintf("store: keyring key %q is not the key that sealed the data Redis holds under this id "+
		"(its check value does not open); configure the original key for %q, or give a new key a new id", e.KeyID, e.KeyID)
}

// Unwrap returns ErrKeyringMismatch and the reason.
func (e *KeyringError) Unwrap() []error { return []error{ErrKeyringMismatch, e.Err} }

// CheckKeyring proves that k opens what Redis holds: every key id of the ring that has a check
// value in Redis must open it. The active key's check value is written the first time that id
// is used (sealed with it, bound to its own Redis key), so a key with a known id and other
// bytes is caught before it seals anything. An id with no check value and not active (a key
// that sealed nothing since checks began) is not checked; an id whose check value is in Redis
// but which left the ring is fine. Every failing id is reported, as *KeyringError values
// matching ErrKeyringMismatch; other errors are Redis's (ErrUnavailable, ...).
func (s *Store) CheckKeyring(ctx context.Context, k *Keyring) error {
	var errs []error
	for _, id := range k.ids {
		if err := s.checkKey(ctx, k, id); err != nil {
			var ke *KeyringError
			if !errors.As(err, &ke) {
				return err
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// checkKey checks one key id of k, writing its check value first when it is the active one and
// has none.
func (s *Store) checkKey(ctx context.Context, k *Keyring, id string) error {
	key := s.keys.KeyCheck(id)
	aad := []byte("outflow:keycheck:" + key)
	v, err := s.GetValue(ctx, key)
	if errors.Is(err, ErrNotFound) {
		if id != k.active {
			return nil
		}
		sealed, serr := k.sealWith(id, []byte(checkPlaintext), aad)
		if serr != nil {
			return serr
		}
		err = s.PutOnce(ctx, key, []byte(sealed), 0)
		if err == nil {
			return nil
		}
		if errors.Is(err, ErrConflict) { // another instance wrote it first: check theirs
			v, err = s.GetValue(ctx, key)
		}
	}
	if err != nil {
		return fmt.Errorf("store: check keyring key %q: %w", id, err)
	}
	return openCheck(k, id, string(v), aad)
}

// openCheck opens a check value with key id of k.
func openCheck(k *Keyring, id, sealed string, aad []byte) error {
	if got, err := k.KeyIDOf(sealed); err != nil || got != id {
		return &KeyringError{KeyID: id, Err: ErrSealBroken}
	}
	plain, err := k.Open(sealed, aad)
	if err != nil {
		return &KeyringError{KeyID: id, Err: err}
	}
	if subtle.ConstantTimeCompare(plain, []byte(checkPlaintext)) != 1 {
		return &KeyringError{KeyID: id, Err: ErrSealBroken}
	}
	return nil
}
