package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"

	"github.com/outflowhq/outflow/actions"
)

// Payload is the data of one of the engine's own event types. The engine writes each as the Data
// of an Event of its type, and Event.Payload reads it back.
type Payload interface {
	// EventType is the Event.Type the payload is recorded under.
	EventType() string
}

// StartedEvent is the data of EventStarted: the flow version the execution runs and whom for.
type StartedEvent struct {
	FlowVersion string          `json:"flowVersion"`
	FlowHash    string          `json:"flowHash"`
	Subject     actions.Subject `json:"subject"`
	Deferred    bool            `json:"deferred"`
}

// StepEnteredEvent is the data of EventStepEntered: the step's action kind.
type StepEnteredEvent struct {
	Action string `json:"action"`
}

// StepCompletedEvent is the data of EventStepCompleted.
type StepCompletedEvent struct {
	Outcome string         `json:"outcome"`
	Output  map[string]any `json:"output"`
}

// StepPausedEvent is the data of EventStepPaused: Action is ActionScreen or ActionRedirect.
type StepPausedEvent struct {
	Action string `json:"action"`
}

// StepRetriedEvent is the data of EventStepRetried: the attempt that failed, its code and the wait
// before the next one.
type StepRetriedEvent struct {
	Attempt int    `json:"attempt"`
	Code    string `json:"code"`
	DelayMs int64  `json:"delayMs"`
}

// StepFailedEvent is the data of EventStepFailed: the error the step ended with, after its
// retries.
type StepFailedEvent struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// InputRejectedEvent is the data of EventInputRejected: the fields of the refused answer that were
// wrong.
type InputRejectedEvent struct {
	Fields []string `json:"fields"`
}

// CompletedEvent is the data of EventCompleted: the flow's output.
type CompletedEvent struct {
	Output map[string]any `json:"output"`
}

// FailedEvent is the data of EventFailed: the error the execution failed with.
type FailedEvent struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// BoundEvent is the data of EventBound; it has none.
type BoundEvent struct{}

// RedirectRefusedEvent is the data of EventRedirectRefused.
type RedirectRefusedEvent struct {
	Reason string `json:"reason"`
}

// EventType implements Payload.
func (StartedEvent) EventType() string { return EventStarted }

// EventType implements Payload.
func (StepEnteredEvent) EventType() string { return EventStepEntered }

// EventType implements Payload.
func (StepCompletedEvent) EventType() string { return EventStepCompleted }

// EventType implements Payload.
func (StepPausedEvent) EventType() string { return EventStepPaused }

// EventType implements Payload.
func (StepRetriedEvent) EventType() string { return EventStepRetried }

// EventType implements Payload.
func (StepFailedEvent) EventType() string { return EventStepFailed }

// EventType implements Payload.
func (InputRejectedEvent) EventType() string { return EventInputRejected }

// EventType implements Payload: a Decision is the data of EventBranch.
func (Decision) EventType() string { return EventBranch }

// EventType implements Payload.
func (CompletedEvent) EventType() string { return EventCompleted }

// EventType implements Payload.
func (FailedEvent) EventType() string { return EventFailed }

// EventType implements Payload.
func (BoundEvent) EventType() string { return EventBound }

// EventType implements Payload.
func (RedirectRefusedEvent) EventType() string { return EventRedirectRefused }

// EventType implements Payload.
func (SubflowStartedEvent) EventType() string { return EventSubflowStarted }

// EventType implements Payload.
func (SubflowEndedEvent) EventType() string { return EventSubflowEnded }

// SubflowStartedEvent is the data of EventSubflowStarted: the flow a step runs, and its version.
type SubflowStartedEvent struct {
	Flow        string `json:"flow"`
	FlowVersion string `json:"flowVersion,omitempty"`
	FlowHash    string `json:"flowHash"`
}

// SubflowEndedEvent is the data of EventSubflowEnded: the end step the flow reached, or the code of
// the error it raised.
type SubflowEndedEvent struct {
	Flow string `json:"flow"`
	End  string `json:"end,omitempty"`
	Code string `json:"code,omitempty"`
}

// Payload decodes the data of one of the engine's own events into its type (a StepFailedEvent for
// EventStepFailed, a Decision for EventBranch, ...). ok is false for an event an action added and
// for data that does not decode.
func (ev Event) Payload() (p Payload, ok bool) {
	if ev.payload != nil {
		return ev.payload, true
	}
	switch ev.Type {
	case EventStarted:
		return decodePayload[StartedEvent](ev)
	case EventStepEntered:
		return decodePayload[StepEnteredEvent](ev)
	case EventStepCompleted:
		return decodePayload[StepCompletedEvent](ev)
	case EventStepPaused:
		return decodePayload[StepPausedEvent](ev)
	case EventStepRetried:
		return decodePayload[StepRetriedEvent](ev)
	case EventStepFailed:
		return decodePayload[StepFailedEvent](ev)
	case EventInputRejected:
		return decodePayload[InputRejectedEvent](ev)
	case EventBranch:
		return decodePayload[Decision](ev)
	case EventCompleted:
		return decodePayload[CompletedEvent](ev)
	case EventFailed:
		return decodePayload[FailedEvent](ev)
	case EventBound:
		return decodePayload[BoundEvent](ev)
	case EventRedirectRefused:
		return decodePayload[RedirectRefusedEvent](ev)
	case EventSubflowStarted:
		return decodePayload[SubflowStartedEvent](ev)
	case EventSubflowEnded:
		return decodePayload[SubflowEndedEvent](ev)
	}
	return nil, false
}

func decodePayload[P Payload](ev Event) (Payload, bool) {
	var p P
	if ev.Data == nil {
		return p, true
	}
	b, err := json.Marshal(ev.Data)
	if err != nil {
		return nil, false
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, false
	}
	return p, true
}

// storedEvent is an Event as it is written.
type storedEvent struct {
	Seq    int             `json:"seq"`
	At     time.Time       `json:"at"`
	Type   string          `json:"type"`
	StepID string          `json:"stepId,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
}

// errPayload is returned by encodeEvent for a payload JSON cannot hold.
var errPayload = errors.New("engine: event payload cannot be encoded")

// encodeEvent is the one place an event becomes what is stored: the engine's own events carry their
// payload's JSON as data (none when the payload has no fields), an action's its Data.
func encodeEvent(ev Event) ([]byte, error) {
	w := storedEvent{Seq: ev.Seq, At: ev.At, Type: ev.Type, StepID: ev.StepID}
	switch {
	case ev.payload != nil:
		b, err := json.Marshal(ev.payload)
		if err != nil {
			return nil, errors.Join(errPayload, err)
		}
		if !bytes.Equal(b, []byte("{}")) {
			w.Data = b
		}
	case len(ev.Data) > 0:
		b, err := json.Marshal(ev.Data)
		if err != nil {
			return nil, err
		}
		w.Data = b
	}
	return json.Marshal(w)
}

// payloadData turns a payload into the Data of its event: the JSON object it marshals to, read
// back as maps, lists, strings, float64 and bools, so the scrubber reaches every string in it.
func payloadData(p Payload) (map[string]any, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	var data map[string]any
	if err := json.Unmarshal(b, &data); err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, nil
	}
	return data, nil
}
