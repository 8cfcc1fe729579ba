package decode

import (
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/internal/expression"
)

type position struct{ line, col int }

// Scalar returns where each character of a scalar's value is in the file: the parser keeps only
// where the scalar starts, while quotes, escapes, block indicators, indentation and folded lines
// move its characters around. file is the whole YAML source; without it, the value is taken to
// start at the node (past its quote, or on the line after a block indicator) and to continue on
// lines that start in column 1.
func Scalar(file []byte, n *yaml.Node) expression.Locator {
	pos := scalarPositions(file, n)
	return func(offset int) (int, int) {
		p := pos[min(max(offset, 0), len(pos)-1)]
		return p.line, p.col
	}
}

// reader walks the YAML source a character at a time, keeping the line and column.
type reader struct {
	src       []byte
	p         int
	line, col int
}

func (r *reader) peek() rune {
	if r.p >= len(r.src) {
		return -1
	}
	c, _ := utf8.DecodeRune(r.src[r.p:])
	return c
}

func (r *reader) next() {
	if r.p >= len(r.src) {
		return
	}
	c, w := utf8.DecodeRune(r.src[r.p:])
	r.p += w
	if c == '\n' {
		r.line, r.col = r.line+1, 1
	} else {
		r.col++
	}
}

func (r *reader) at() position { return position{r.line, r.col} }

func isSpace(c rune) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (r *reader) skipSpace() {
	for isSpace(r.peek()) {
		r.next()
	}
}

// seek moves the reader to line:col, reporting whether the file has it.
func (r *reader) seek(line, col int) bool {
	for r.line < line && r.p < len(r.src) {
		r.next()
	}
	for r.line == line && r.col < col && r.peek() != '\n' && r.p < len(r.src) {
		r.next()
	}
	return r.line == line && r.col == col
}

func scalarPositions(file []byte, n *yaml.Node) []position {
	value := []rune(n.Value)
	out := make([]position, len(value)+1)
	r := &reader{src: file, line: 1, col: 1}
	if file == nil || !r.seek(n.Line, n.Column) {
		r = &reader{src: []byte(n.Value), line: n.Line, col: n.Column}
		switch n.Style {
		case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
			r.col++
		case yaml.LiteralStyle, yaml.FoldedStyle:
			r.line, r.col = r.line+1, 1
		}
	} else {
		r.skipProperties()
		switch n.Style {
		case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
			r.next()
		case yaml.LiteralStyle, yaml.FoldedStyle:
			for c := r.peek(); c != '\n' && c != -1; c = r.peek() {
				r.next()
			}
			r.next()
		}
	}
	double := n.Style == yaml.DoubleQuotedStyle
	for i, c := range value {
		out[i] = r.align(c, double)
	}
	out[len(value)] = r.at()
	return out
}

// skipProperties skips an anchor (&name) or a tag (!!str) before a scalar.
func (r *reader) skipProperties() {
	for c := r.peek(); c == '&' || c == '!'; c = r.peek() {
		for c := r.peek(); c != -1 && !isSpace(c); c = r.peek() {
			r.next()
		}
		r.skipSpace()
	}
}

// align finds the character c of the value in the source and returns its position. White space
// stands for any run of source white space (folded line breaks, indentation); an escape sequence
// of a double-quoted scalar stands for the character it writes.
func (r *reader) align(c rune, double bool) position {
	if isSpace(c) {
		at := r.at()
		if isSpace(r.peek()) {
			r.skipSpace()
		} else if double && r.peek() == '\\' {
			r.escape()
		}
		return at
	}
	for {
		r.skipSpace()
		if !double || r.peek() != '\\' || !r.lineContinues() {
			break
		}
	}
	at := r.at()
	switch {
	case double && r.peek() == '\\':
		r.escape()
	case r.peek() == c:
		r.next()
	default:
		// A character the parser changed: look a few characters ahead on the line for it.
		ahead := *r
		for range 4 {
			ahead.next()
			if ahead.peek() == c {
				*r = ahead
				at = r.at()
				r.next()
				break
			}
			if ahead.peek() == '\n' || ahead.peek() == -1 {
				break
			}
		}
	}
	return at
}

// lineContinues consumes an escaped line break (a backslash ending a line of a double-quoted
// scalar), which writes nothing.
func (r *reader) lineContinues() bool {
	ahead := *r
	ahead.next()
	if ahead.peek() != '\n' && ahead.peek() != '\r' {
		return false
	}
	*r = ahead
	return true
}

// escape consumes one escape sequence of a double-quoted scalar.
func (r *reader) escape() {
	r.next() // the backslash
	n := 1
	switch r.peek() {
	case 'x':
		n = 3
	case 'u':
		n = 5
	case 'U':
		n = 9
	}
	for range n {
		r.next()
	}
}

// Expression returns the source of a whole-value expression scalar `${{ ... }}` and where its
// characters are in the file (see Scalar).
func Expression(file []byte, n *yaml.Node) (string, expression.Locator) {
	raw := n.Value
	start := strings.Index(raw, open) + len(open)
	end := strings.LastIndex(raw, close)
	body := raw[start:end]
	lead := len(body) - len(strings.TrimLeft(body, " \t\r\n"))
	src := strings.TrimSpace(body)
	first := utf8.RuneCountInString(raw[:start+lead])
	at := Scalar(file, n)
	return src, func(offset int) (int, int) { return at(first + offset) }
}
