package engine

import (
	"errors"
	"sort"
	"strings"
	"time"
)

var (
	// ErrFlowNotFound: no flow has that id.
	ErrFlowNotFound = errors.New("flow not found")
	// ErrExecutionNotFound: no execution has that id (or it expired long ago).
	ErrExecutionNotFound = errors.New("execution not found")
	// ErrConflict: the nonce is stale or used, the step is not the current one, the execution is no
	// longer waiting, or another request advanced it first. Nothing was changed.
	ErrConflict = errors.New("execution changed")
	// ErrExpired: the execution is past its time to live. The error is an *ExpiredError.
	ErrExpired = errors.New("execution expired")
	// ErrBadInput: the request's input is invalid. The error is an *InputError.
	ErrBadInput = errors.New("invalid input")
	// ErrWrongBrowser: the execution is bound to another browser (the one that opened its link).
	// Nothing was changed.
	ErrWrongBrowser = errors.New("execution is bound to another browser")
)

// ConflictError explains an ErrConflict.
type ConflictError struct{ Reason string }

func (e *ConflictError) Error() string { return "execution changed: " + e.Reason }

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
	return "execution " + e.ExecutionID + " of flow " + e.FlowID + " expired at " + e.ExpiredAt.UTC().Format(time.RFC3339)
}

// Is makes errors.Is(err, ErrExpired) true.
func (e *ExpiredError) Is(target error) bool { return target == ErrExpired }

// InputError lists what is wrong with a request, one message per field.
type InputError struct {
	Fields map[string]string
}

func (e *InputError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + e.Fields[k]
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrBadInput) true.
func (e *InputError) Is(target error) bool { return target == ErrBadInput }
