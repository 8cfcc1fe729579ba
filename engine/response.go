package engine

import (
	"time"

	"github.com/outflowhq/outflow/actions"
)

// Status is where an execution stands.
type Status string

// Statuses.
const (
	StatusWaiting   Status = "waiting"
	StatusCompleted Status = "completed"
	StatusFailed    Status = "failed"
	StatusExpired   Status = "expired"
)

// Client actions: what the client does next.
const (
	ActionScreen   = "screen"
	ActionRedirect = "redirect"
	ActionDone     = "done"
	ActionError    = "error"
)

// Response is the one shape Start, Next and Get answer with: what the client shows or does next.
type Response struct {
	ExecutionID string          `json:"executionId"`
	FlowID      string          `json:"flowId"`
	FlowVersion string          `json:"flowVersion,omitempty"`
	StepID      string          `json:"stepId,omitempty"`
	Status      Status          `json:"status"`
	Action      string          `json:"action"`
	Screen      *actions.Screen `json:"screen,omitempty"`
	Redirect    *Redirect       `json:"redirect,omitempty"`
	// Wait says what an execution paused at a wait step waits for (Action ActionWait).
	Wait   *WaitInfo      `json:"wait,omitempty"`
	Output map[string]any `json:"output,omitempty"`
	Error  *ErrorInfo     `json:"error,omitempty"`
	// Nonce must accompany the next call to Next; it is single use.
	Nonce     string          `json:"nonce,omitempty"`
	Subject   actions.Subject `json:"subject"`
	ExpiresAt time.Time       `json:"expiresAt"`
	// Pending is true while a deferred execution waits for its browser (see StartRequest.Deferred).
	Pending bool `json:"pending,omitempty"`
	// Locale is the flow's `locale` input, when it has one: the language its pages are shown in
	// (else the browser's).
	Locale string `json:"locale,omitempty"`
}

// Redirect tells the client to send the browser to URL.
type Redirect struct {
	URL string `json:"url"`
}

// ErrorInfo is a failure shown to clients: a stable code and a message without secrets.
type ErrorInfo struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// StartRequest starts an execution.
type StartRequest struct {
	Input   map[string]any
	Subject actions.Subject
	// Binding binds the execution to a browser at once (see Engine.Bind); "" leaves it unbound.
	Binding string
	// Deferred creates the execution without running any step: it waits for its browser, and the
	// first steps run when Engine.Bind binds it. Use it when a backend starts a flow that a browser
	// will open later, so that everything the flow does in the browser (an OAuth consent first of
	// all) is bound to that browser.
	Deferred bool
}

// NextRequest advances a paused execution.
type NextRequest struct {
	// StepID is the step the client is answering; a different current step means the request is stale.
	StepID string
	// Interaction is the pressed button's id, or actions.InteractionCallback after a redirect.
	Interaction string
	Input       map[string]any
	Nonce       string
	// Binding is the browser the request comes from; it must match the execution's binding when
	// it has one.
	Binding string
}

// CallbackRequest is what a redirect's callback reports to the execution paused at it
// (Engine.ResumeCallback): the pause it answers, taken from the redirect's single-use state, the
// browser the callback came from, and the result.
type CallbackRequest struct {
	// ExecutionID, StepID and Nonce name the pause: the execution, the step that redirected, and
	// the nonce of that pause.
	ExecutionID string
	StepID      string
	Nonce       string
	// Binding is the browser the callback came from; it must match the execution's binding when
	// it has one.
	Binding string
	// Input is the result the callback reported, as the step reads it.
	Input map[string]any
}
