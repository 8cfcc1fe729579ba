package engine

import (
	"encoding/json"
	"time"

	"github.com/outflowhq/outflow/actions"
)

// record is an execution as stored in Redis: one JSON document, its revision kept by the store.
type record struct {
	ID          string                    `json:"id"`
	FlowID      string                    `json:"flowId"`
	FlowHash    string                    `json:"flowHash"`
	FlowVersion string                    `json:"flowVersion,omitempty"`
	Subject     actions.Subject           `json:"subject"`
	Input       map[string]any            `json:"input"`
	Status      Status                    `json:"status"`
	StepID      string                    `json:"stepId"`
	Results     map[string]map[string]any `json:"results"`
	Form        map[string]any            `json:"form,omitempty"`
	Interaction string                    `json:"interaction,omitempty"`
	Pause       *pause                    `json:"pause,omitempty"`
	Output      map[string]any            `json:"output,omitempty"`
	Finish      *finish                   `json:"finish,omitempty"`
	Error       *ErrorInfo                `json:"error,omitempty"`
	CreatedAt   time.Time                 `json:"createdAt"`
	UpdatedAt   time.Time                 `json:"updatedAt"`
	ExpiresAt   time.Time                 `json:"expiresAt"`
	// Binding is the browser the execution is bound to ("" when none).
	Binding string `json:"binding,omitempty"`
	// Pending marks a deferred execution that has not run any step yet.
	Pending bool `json:"pending,omitempty"`
	// Seq numbers events across the execution's life.
	Seq int `json:"seq"`
	// Pins maps every flow the execution may run as a sub-flow to the version it is pinned to.
	Pins map[string]string `json:"pins,omitempty"`
	// Frames are the flows running the current sub-flow, outermost first; while one runs, Input,
	// Results, Form, Interaction and StepID are the sub-flow's.
	Frames []frame `json:"frames,omitempty"`

	rev   int64
	nonce string
	// link is the one-time browser link the store keeps with the execution ("" when none): it
	// is deleted when the execution finishes.
	link string
}

// finished reports whether the execution completed or failed.
func (r *record) finished() bool { return r.Status == StatusCompleted || r.Status == StatusFailed }

// pause is what a waiting execution waits on.
type pause struct {
	Screen      *actions.Screen `json:"screen,omitempty"`
	RedirectURL string          `json:"redirectUrl,omitempty"`
	State       json.RawMessage `json:"state,omitempty"`
	Wait        *actions.Wait   `json:"wait,omitempty"`
}

// finish is the finished page and redirect of a completed execution.
type finish struct {
	Screen      *actions.Screen `json:"screen,omitempty"`
	RedirectURL string          `json:"redirectUrl,omitempty"`
}

// response renders the record for clients.
func (r *record) response(withNonce bool) *Response {
	resp := &Response{
		ExecutionID: r.ID, FlowID: r.FlowID, FlowVersion: r.FlowVersion, StepID: r.stepPath(),
		Status: r.Status, Subject: r.Subject, ExpiresAt: r.ExpiresAt,
	}
	if l, ok := r.rootInput()["locale"].(string); ok {
		resp.Locale = l
	}
	switch r.Status {
	case StatusWaiting:
		resp.Pending = r.Pending
		if r.Pending {
			// The host sends the browser to the execution's link; no step has run yet.
			resp.Action = ActionRedirect
			break
		}
		if r.Pause != nil && r.Pause.Screen != nil {
			resp.Action = ActionScreen
			s := r.Pause.Screen.Redacted()
			resp.Screen = &s
		} else if r.Pause != nil && r.Pause.Wait != nil {
			resp.Action = ActionWait
			resp.Wait = &WaitInfo{For: r.Pause.Wait.For}
			if u := r.Pause.Wait.Until; !u.IsZero() {
				resp.Wait.Until = &u
			}
		} else if r.Pause != nil {
			resp.Action = ActionRedirect
			resp.Redirect = &Redirect{URL: r.Pause.RedirectURL}
		}
		// A redirect's nonce travels only inside the redirect's own single-use state (e.g. the OAuth
		// state), never to the client: only the callback may resume it.
		if withNonce && resp.Action == ActionScreen {
			resp.Nonce = r.nonce
		}
	case StatusCompleted:
		resp.Action = ActionDone
		resp.Output = r.Output
		if r.Finish != nil {
			resp.Screen = r.Finish.Screen
			if r.Finish.RedirectURL != "" {
				resp.Redirect = &Redirect{URL: r.Finish.RedirectURL}
			}
		}
	case StatusFailed, StatusExpired:
		resp.Action = ActionError
		resp.Error = r.Error
	}
	return resp
}
