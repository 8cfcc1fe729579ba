package actions

import "time"

// FlowCaller is implemented by the configs of kinds that run another flow inside the execution
// (`action: flow`). The flow loader checks the called flow and its input against the flows it
// knows, and types the step's outputs and outcomes from that flow's declared outputs and ends.
type FlowCaller interface {
	// CalledFlow is the id of the flow the step runs.
	CalledFlow() string
	// CalledInput returns the input names the step passes, with the type of each when it is known
	// without running the step (Any otherwise).
	CalledInput() map[string]Type
}

// Enter is a result that runs another flow: the engine pauses the step, runs the flow's steps in
// the same execution, and completes the step when that flow ends, with its output as the step's
// output and the id of its end step as the step's outcome. An error the flow raises and does not
// catch is raised by the step.
type Enter struct {
	// Flow is the id of the flow to run.
	Flow string
	// Input is that flow's input, checked against its declared inputs.
	Input map[string]any
}

// EnterFlow returns a result that runs flow with input inside the execution.
func EnterFlow(flow string, input map[string]any) Result {
	return Result{Enter: &Enter{Flow: flow, Input: input}}
}

// Interactions that resume a step paused at a wait (Result.Wait).
const (
	// InteractionSignal: an outside system signalled the execution; Resume.Input is its payload,
	// checked against Wait.Payload.
	InteractionSignal = "signal"
	// InteractionTimeout: the wait's Until passed before a signal came.
	InteractionTimeout = "timeout"
)

// Wait is a result that pauses the execution until an outside system signals it with the pause's
// single-use token (or Until passes). The step is then run again with Resume.Interaction
// InteractionSignal or InteractionTimeout.
type Wait struct {
	// For says what the execution waits for, for people (its hosted page shows it).
	For string `json:"for"`
	// Until is when the wait times out; zero waits until the execution expires.
	Until time.Time `json:"until,omitzero"`
	// Payload is the type of the signal's payload: an object whose every field is required.
	Payload Type `json:"payload"`
}

// WaitFor returns a result that pauses the step until a signal (or until).
func WaitFor(w Wait) Result { return Result{Wait: &w} }
