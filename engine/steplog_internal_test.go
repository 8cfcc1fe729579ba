package engine

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"
)

// A step's logger names the execution, flow and step on every record, also through With and
// WithGroup, and logs nothing below the base handler's level.
func TestStepLoggerNamesTheStep(t *testing.T) {
	var buf bytes.Buffer
	e := &Engine{log: slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	l := e.stepLogger("x1", "signup", "ask")
	l.Debug("hidden")
	l.Info("one", "k", 1)
	l.With("extra", true).WithGroup("g").Warn("two", "k", 2)
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("got %d records, want 2:\n%s", len(lines), buf.String())
	}
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		if m["execution"] != "x1" || m["flow"] != "signup" || m["step"] != "ask" {
			t.Errorf("record %d lacks the step's attributes: %s", i, line)
		}
	}
	if !bytes.Contains(lines[1], []byte(`"extra":true,"g":{"k":2}`)) {
		t.Errorf("With and WithGroup lost: %s", lines[1])
	}
}
