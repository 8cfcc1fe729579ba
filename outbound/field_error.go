package outbound

// FieldError is one problem with one field. Field is a path such as "scopes[2].name" or
// "apiKey.probe.path"; Message says what is wrong and how to fix it, and never quotes a secret.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }
