package decode

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The line of a YAML syntax error is the line the problem is on (or, for a construct left open,
// the line it opens on), whichever part of the YAML library found it.
func TestSyntaxLineIsTheLineOfTheProblem(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
		msg       string
	}{
		{"a flow sequence left open", "a: 1\nb: 2\nc: 3\nd: 4\ne: [1, 2\n", 5, "did not find expected ',' or ']'"},
		{"a flow mapping left open", "a: 1\nb: 2\nc: 3\nd: 4\ne: {t: x\n", 5, "did not find expected ',' or '}'"},
		{"a key indented out of its mapping", "a:\n  b: 1\n c: 2\n", 3, "did not find expected key"},
		{"a tab", "a: 1\nb:\n\tc: 2\n", 3, "found character that cannot start any token"},
		{"a string left open", "a: 1\nb: 2\nc: \"x\n", 3, "found unexpected end of stream"},
		{"a key without its colon", "a: 1\nb: 2\nc\nd: 4\n", 3, "could not find expected ':'"},
		{"an undefined tag handle", "a: 1\nb: !x!y 2\n", 2, "found undefined tag handle"},
		{"left open on the first line, found at the end", "[1, 2\n", 2, "did not find expected ',' or ']'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n yaml.Node
			err := yaml.Unmarshal([]byte(tc.src), &n)
			if err == nil {
				t.Fatal("no error")
			}
			line, msg := SyntaxLine(err)
			if line != tc.line || !strings.HasPrefix(msg, tc.msg) {
				t.Errorf("SyntaxLine(%q) = %d, %q; want line %d, %q", err, line, msg, tc.line, tc.msg)
			}
		})
	}
}
