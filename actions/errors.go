package actions

import (
	"errors"
	"fmt"
	"strings"

	"github.com/outflowhq/outflow/internal/expression"
	"github.com/outflowhq/outflow/outbound"
)

// Error codes the engine itself uses.
const (
	// CodeTimeout is raised when a step runs past its timeout.
	CodeTimeout = "timeout"
	// CodeInternal is the code of an error that is not an *Error.
	CodeInternal = "internal"
	// CodeExpression is raised when a setting's expression fails at run time (a missing key, a
	// conversion), and CodeLimit when it goes past its evaluation budget (a value too large).
	CodeExpression = "expression"
	CodeLimit      = "limit"
	// CodeOutput is raised when what an action returned cannot be kept: an output that does not
	// match the kind's declared outputs, or a value JSON cannot hold (a number that is not finite, a
	// channel, a function, a cycle).
	CodeOutput = "output"
)

// Error is a failure of an action that a flow can route with `catch:` by its Code.
type Error struct {
	// Code is stable and machine-readable, e.g. "missing_scopes".
	Code string
	// Message is safe to show to end users and in events: it never holds a secret.
	Message string
	// Retryable marks failures a step's retry policy may try again (timeouts, provider outages).
	Retryable bool
	// Err is the cause, for logs; it is never shown to clients.
	Err error
}

// Errorf returns a non-retryable error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Temporary returns a retryable error wrapping cause.
func Temporary(code, message string, cause error) *Error {
	return &Error{Code: code, Message: message, Retryable: true, Err: cause}
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// AsError returns err as an *Error. An expression that failed at run time becomes CodeExpression,
// or CodeLimit when it went past its budget, with the line and column of the expression in the flow
// file (and, for a limit, which one); anything else is CodeInternal with a generic message. Neither
// repeats the expression's own error text, which may quote the values it read.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var xe *expression.Error
	if errors.As(err, &xe) {
		var be *expression.BudgetError
		if errors.As(err, &be) {
			return &Error{Code: CodeLimit, Message: fmt.Sprintf("The expression at line %d, column %d went past its limit (%s).", xe.Line, xe.Col, be), Err: err}
		}
		if errors.Is(err, expression.ErrNotFinite) {
			return &Error{Code: CodeExpression, Message: fmt.Sprintf("The expression at line %d, column %d gave a value that is not a finite number (a division by zero?).", xe.Line, xe.Col), Err: err}
		}
		return &Error{Code: CodeExpression, Message: fmt.Sprintf("The expression at line %d, column %d could not be evaluated.", xe.Line, xe.Col), Err: err}
	}
	return &Error{Code: CodeInternal, Message: "the step failed", Retryable: true, Err: err}
}

// FieldError reports a problem with one field of an action's configuration. A config's Validate
// returns one (or several joined with errors.Join) so the flow loader can point at the line and
// column of that field. Field is the path of the field in `with:`, e.g. "scopes" or
// "fields[1].name". It is the library's one field error, outbound.FieldError.
type FieldError = outbound.FieldError

// FieldErrorf returns a *FieldError with a formatted message.
func FieldErrorf(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Errors collects field errors; its Err method returns nil when empty.
type Errors []error

// Add appends a field error.
func (es *Errors) Add(field, format string, args ...any) {
	*es = append(*es, FieldErrorf(field, format, args...))
}

// Err returns the collected errors joined, or nil.
func (es Errors) Err() error { return errors.Join(es...) }

// ValidName reports whether s is a valid identifier for steps, fields, buttons and outcomes:
// a letter followed by letters, digits and underscores.
func ValidName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '_'):
		default:
			return false
		}
	}
	return true
}

// validKindName reports whether s is a valid action kind: dot-separated lowercase names.
func validKindName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" {
			return false
		}
		for i, r := range part {
			switch {
			case r >= 'a' && r <= 'z':
			case i > 0 && (r >= '0' && r <= '9' || r == '_'):
			default:
				return false
			}
		}
	}
	return true
}
