package engine

import (
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/outflowhq/outflow/outbound"
)

var (
	// ErrFlowNotFound: no flow has that id.
	ErrFlowNotFound = errors.New("engine: flow not found")
	// ErrExecutionNotFound: no execution has that id (or it expired long ago).
	ErrExecutionNotFound = errors.New("engine: execution not found")
	// ErrConflict: the nonce is stale or used, the step is not the current one, the execution is no
	// longer waiting, or another request advanced it first. Nothing was changed.
	ErrConflict = errors.New("engine: execution changed")
	// ErrExpired: the execution is past its time to live. The error is an *ExpiredError.
	ErrExpired = errors.New("engine: execution expired")
	// ErrBadInput: the request's input is invalid. The error is an *outbound.InvalidError of this
	// kind, one message per field.
	ErrBadInput = errors.New("engine: invalid input")
	// ErrWrongBrowser: the execution is bound to another browser (the one that opened its link).
	// Nothing was changed.
	ErrWrongBrowser = errors.New("engine: execution is bound to another browser")
)

// ConflictError explains an ErrConflict.
type ConflictError struct{ Reason string }

func (e *ConflictError) Error() string { return "engine: execution changed: " + e.Reason }

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

func conflict(reason string) error { return &ConflictError{Reason: reason} }

// ExpiredError carries what a client needs to start again.
type ExpiredError struct {
	ExecutionID string
	FlowID      string
	ExpiredAt   time.Time
	// Input is the input the execution was started with, to start a new one with.
	Input map[string]any
}

func (e *ExpiredError) Error() string {
	return "engine: execution " + e.ExecutionID + " of flow " + e.FlowID + " expired at " + e.ExpiredAt.UTC().Format(time.RFC3339)
}

// Is makes errors.Is(err, ErrExpired) true.
func (e *ExpiredError) Is(target error) bool { return target == ErrExpired }

// badInput is an *outbound.InvalidError of kind ErrBadInput, listing one message per field in
// the order of the field names.
func badInput(fields map[string]string) error {
	list := make([]outbound.FieldError, 0, len(fields))
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		list = append(list, outbound.FieldError{Field: k, Message: fields[k]})
	}
	return outbound.Invalid(ErrBadInput, list...)
}
