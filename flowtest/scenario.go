package flowtest

import (
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/flows"
)

// scenario is one parsed scenario of a scenario file.
type scenario struct {
	file string
	line int
	// flowID names the flow; flow is set once the suite resolved it.
	flowID string
	flow   *flows.Flow

	name         string
	input        map[string]any
	subject      actions.Subject
	mocks        map[string][]mockResult
	interactions []interaction
	expect       *expectation
}

// interaction is one entry of `interactions:`: checks, then an answer to the current pause or a
// move of the clock.
type interaction struct {
	line    int
	expect  *expectation
	press   string
	with    map[string]any
	advance time.Duration
	// signal answers a wait step with this payload (nil: no signal).
	signal map[string]any
}

// mockResult is what a mocked step returns on one run.
type mockResult struct {
	Outcome string         `yaml:"outcome" doc:"the outcome the step completes with (default success)"`
	Output  map[string]any `yaml:"output" doc:"the step's output"`
	Error   *mockError     `yaml:"error" doc:"the error the step raises instead of completing"`
}

type mockError struct {
	Code      string `yaml:"code" required:"true"`
	Message   string `yaml:"message"`
	Retryable bool   `yaml:"retryable" doc:"whether the step's retry policy may run it again"`
}

// expectation is an `expect:` block. Empty fields are not checked.
type expectation struct {
	Step     string         `yaml:"step" doc:"the step the execution is at (or ended at)"`
	Status   string         `yaml:"status" doc:"waiting, completed, failed or expired"`
	Screen   string         `yaml:"screen" doc:"the id of the screen shown"`
	Title    string         `yaml:"title" doc:"the title of the screen shown"`
	Text     string         `yaml:"text" doc:"the text of the screen shown"`
	Messages []string       `yaml:"messages" doc:"texts that must be among the screen's messages"`
	Path     []string       `yaml:"path" doc:"the steps entered so far, in order"`
	Output   map[string]any `yaml:"output" doc:"values the flow's output must hold"`
	Error    *errorExpect   `yaml:"error" doc:"the error the execution failed with"`

	line int
}

type errorExpect struct {
	Code    string `yaml:"code"`
	Message string `yaml:"message"`
}

// statuses an expectation may name.
var statuses = []string{"waiting", "completed", "failed", "expired"}

// interactionDoc is the decoded form of an interaction.
type interactionDoc struct {
	Expect  *expectation   `yaml:"expect"`
	Press   string         `yaml:"press" doc:"the button to press (callback after a redirect)"`
	With    map[string]any `yaml:"with" doc:"the values submitted with it"`
	Advance time.Duration  `yaml:"advance" doc:"move the clock forward, e.g. 31m"`
	Signal  map[string]any `yaml:"signal" doc:"answer the wait step the execution is paused at with this payload, as an outside system would"`
}
