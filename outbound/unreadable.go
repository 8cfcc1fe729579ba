package outbound

import (
	"errors"
	"fmt"

	"github.com/outflowhq/outflow/store"
)

// ErrSecretUnreadable matches a *SecretUnreadableError.
var ErrSecretUnreadable = errors.New("outbound: a stored secret does not open with the keyring")

// SecretUnreadableError is a write that was refused because it would overwrite or remove a
// stored secret that does not open with the keyring: sealed with a key id the keyring no longer
// has, or by a key with the same id and other bytes (or altered in Redis). Nothing was written,
// so the secret opens again once the key that sealed it is back in the keyring. It names the
// secret and the key id, never the secret or the key.
type SecretUnreadableError struct {
	// What names the secret, e.g. `API key of app "openai" version 2`.
	What string
	// KeyID is the id of the key that sealed it ("" when it is not a sealed value at all).
	KeyID string
	// Err is store.ErrUnknownKey or store.ErrSealBroken.
	Err error
}

func (e *SecretUnreadableError) Error() string {
	return fmt.Sprintf("outbound: the stored %s does not open with this keyring (sealed with key id %q), so it was left as it is: "+
		"configure the key that sealed it, then try again", e.What, e.KeyID)
}

// Is makes errors.Is(err, ErrSecretUnreadable) true.
func (e *SecretUnreadableError) Is(target error) bool { return target == ErrSecretUnreadable }

// Unwrap returns why the secret does not open.
func (e *SecretUnreadableError) Unwrap() error { return e.Err }

// Unreadable turns the error of opening sealed into a *SecretUnreadableError when the value
// does not open (rather than, say, Redis failing); other errors and nil come back as they are.
func Unreadable(kr *store.Keyring, what, sealed string, err error) error {
	if !errors.Is(err, store.ErrUnknownKey) && !errors.Is(err, store.ErrSealBroken) {
		return err
	}
	id, _ := kr.KeyIDOf(sealed)
	cause := store.ErrSealBroken
	if errors.Is(err, store.ErrUnknownKey) {
		cause = store.ErrUnknownKey
	}
	return &SecretUnreadableError{What: what, KeyID: id, Err: cause}
}
