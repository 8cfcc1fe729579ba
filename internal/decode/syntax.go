package decode

import (
	"fmt"
	"strings"
)

// parserProblems are the problems go.yaml.in/yaml/v3 reports from its parser rather than its
// scanner. The decoder counts the line of a parser error from 0 ("yaml: line 4: did not find
// expected ',' or ']'" for a flow sequence left open on line 5) and that of a scanner error from
// 1, so only the former need one added.
var parserProblems = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"did not find expected node content",
	"did not find expected key",
	"did not find expected '-' indicator",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found incompatible YAML document",
	"found duplicate %YAML directive",
	"found duplicate %TAG directive",
	"found undefined tag handle",
}

// SyntaxLine splits the message of a YAML syntax error ("yaml: line 3: ...") into the line it
// concerns, counted from 1, and the message without the prefix. An error without a line (the
// first line, or none) is put on line 1.
func SyntaxLine(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n != 1 {
		return 1, msg
	}
	_, rest, _ := strings.Cut(msg, ":")
	rest = strings.TrimSpace(rest)
	for _, p := range parserProblems {
		if strings.HasPrefix(rest, p) {
			line++
			break
		}
	}
	return line, rest
}
