package outbound

import "strings"

// FieldError is one problem with one field. Field is a path such as "scopes[2].name" or
// "apiKey.probe.path"; Message says what is wrong and how to fix it, and never quotes a secret.
// It is the field error of the whole library: actions.FieldError is the same type.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// InvalidError is input rejected for its fields: an app (apps.ErrInvalidApp), a vault request
// (oauth.ErrInvalidRequest), an API-key request (apikeys.ErrInvalidKeyRequest), the input of a
// flow (engine.ErrBadInput). Kind says which: errors.Is(err, Kind) is true. Fields lists at most
// one problem per field, in a stable order.
type InvalidError struct {
	Kind   error        `json:"-"`
	Fields []FieldError `json:"fields"`
}

// Invalid returns an *InvalidError of kind listing fields.
func Invalid(kind error, fields ...FieldError) *InvalidError {
	return &InvalidError{Kind: kind, Fields: fields}
}

func (e *InvalidError) Error() string {
	if e.Kind == nil {
		return e.List()
	}
	return e.Kind.Error() + ": " + e.List()
}

// Is reports whether target is the error's Kind.
func (e *InvalidError) Is(target error) bool { return e.Kind != nil && target == e.Kind }

// List is the problems as one line: "field: message; field: message".
func (e *InvalidError) List() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return strings.Join(parts, "; ")
}

// Field returns the message for one field path, if that field has a problem.
func (e *InvalidError) Field(path string) (string, bool) {
	for _, f := range e.Fields {
		if f.Field == path {
			return f.Message, true
		}
	}
	return "", false
}

// Messages maps each named field to its message; a problem with no field is left out.
func (e *InvalidError) Messages() map[string]string {
	out := make(map[string]string, len(e.Fields))
	for _, f := range e.Fields {
		if f.Field != "" {
			out[f.Field] = f.Message
		}
	}
	return out
}
