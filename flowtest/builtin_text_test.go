package flowtest_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/flowtest"
)

// A scenario reads the texts of built-in screens (actions.BuiltinText) in English, as a browser
// without a preference sees them, not as their message references.
func TestScenariosReadBuiltinTextsInEnglish(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"ask.yaml": `
id: ask
steps:
  ask:
    screen:
      title: "t:consent.title?app=Acme"
      text: "t:apikey.attempts?n=2"
      buttons: [{id: go, label: t:consent.connect}]
    next: done
  done:
    end: {}
`,
		"ask.test.yaml": `
flow: ask
scenarios:
  - name: english
    interactions:
      - expect: {step: ask, title: Connect to Acme, text: 2 attempts left.}
        press: go
    expect: {status: completed}
`,
	})
	rep := run(t, flowtest.Options{Paths: []string{filepath.Join(dir, "ask.yaml"), filepath.Join(dir, "ask.test.yaml")}})
	if s := scenario(t, rep, "english"); len(s.Failures) > 0 {
		t.Errorf("failures:\n%s", strings.Join(s.Failures, "\n"))
	}
}
