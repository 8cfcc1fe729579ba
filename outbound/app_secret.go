package outbound

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
)

// Redacted is what every printed form of a Secret shows instead of its value.
const Redacted = "REDACTED"

// ErrSecretMarshal is returned when something tries to serialise a Secret. A secret never
// travels inside JSON or YAML written by this package: store Reveal() sealed, separately.
var ErrSecretMarshal = errors.New("outbound: a secret is never marshalled; seal Reveal() and store it separately")

// Secret holds a credential (an OAuth client secret) that must never be shown. Printing it
// with fmt (any verb, including %#v), logging it with slog or asking for String returns
// "REDACTED"; marshalling it to JSON or YAML fails with ErrSecretMarshal. Decoding it from a
// JSON string works, so request bodies can carry it in.
//
// The value sits behind a pointer so that even reflection-based printing of a struct holding a
// Secret in an unexported field shows an address, not the text. The zero Secret is empty.
type Secret struct {
	p *string
}

// NewSecret wraps s. An empty s gives the zero (empty) Secret.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{p: &s}
}

// Reveal returns the secret text. Call it only where the secret is sent to the provider or
// sealed for storage.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.p == nil || *s.p == "" }

// Equal reports whether s and o hold the same text, in constant time.
func (s Secret) Equal(o Secret) bool {
	return subtle.ConstantTimeCompare([]byte(s.Reveal()), []byte(o.Reveal())) == 1
}

// String returns "REDACTED" for a set secret and "" for an empty one.
func (s Secret) String() string {
	if s.IsZero() {
		return ""
	}
	return Redacted
}

// GoString returns the same as String, so %#v never shows the value.
func (s Secret) GoString() string { return s.String() }

// Format prints String for every verb (%v, %+v, %#v, %s, %q, %x, ...).
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s.String())
		return
	}
	io.WriteString(f, s.String())
}

// LogValue makes slog print "REDACTED" (or "" when empty).
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON always fails: a secret is write-only.
func (s Secret) MarshalJSON() ([]byte, error) { return nil, ErrSecretMarshal }

// MarshalYAML always fails: a secret is write-only.
func (s Secret) MarshalYAML() (any, error) { return nil, ErrSecretMarshal }

// UnmarshalJSON reads a JSON string (null gives the empty secret). Any other JSON value gives a
// *json.UnmarshalTypeError, which encoding/json completes with the field's name; the error
// names the kind of value sent, never the value.
func (s *Secret) UnmarshalJSON(b []byte) error {
	var v *string
	if err := json.Unmarshal(b, &v); err != nil {
		return &json.UnmarshalTypeError{Value: jsonValueKind(b), Type: reflect.TypeFor[string]()}
	}
	if v == nil {
		*s = Secret{}
		return nil
	}
	*s = NewSecret(*v)
	return nil
}

// jsonValueKind names the kind of a JSON value by its first byte, as encoding/json does in its
// errors: "number", "bool", "object", "array", "string" or "null".
func jsonValueKind(b []byte) string {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return "value"
	}
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// HasControl reports whether the secret holds a control character: a paste that went wrong.
func (s Secret) HasControl() bool { return HasControl(s.Reveal()) }

var (
	_ fmt.Formatter    = Secret{}
	_ fmt.Stringer     = Secret{}
	_ fmt.GoStringer   = Secret{}
	_ slog.LogValuer   = Secret{}
	_ json.Marshaler   = Secret{}
	_ json.Unmarshaler = (*Secret)(nil)
)

// HasControl reports whether s holds a control character.
func HasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}
