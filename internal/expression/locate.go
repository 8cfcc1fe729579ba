package expression

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/expr-lang/expr/file"
)

// Locator maps an offset in an expression's source, counted in characters, to its line and column
// in the flow file.
type Locator func(offset int) (line, col int)

// At returns the Locator of a source that starts at line:col and whose later lines start in
// column 1.
func At(src string, line, col int) Locator {
	return func(offset int) (int, int) {
		l, c := line, col
		for i, r := range []rune(src) {
			if i == offset {
				break
			}
			if r == '\n' {
				l, c = l+1, 1
			} else {
				c++
			}
		}
		return l, c
	}
}

// Error is a compile or run error located in the flow file.
type Error struct {
	Line, Col int
	Msg       string
	// offset is where in the expression's source the error is, in characters.
	offset int
	// cause is the error a function returned, e.g. a *BudgetError.
	cause error
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// Unwrap returns the error a function of the expression failed with, if any.
func (e *Error) Unwrap() error { return e.cause }

// locate maps an expr error onto the flow file. Errors about the whole expression (its result
// type) are at its start.
func locate(err error, at Locator) error {
	var fe *file.Error
	if errors.As(err, &fe) {
		l, c := at(fe.From)
		return &Error{Line: l, Col: c, Msg: fe.Message, offset: fe.From, cause: fe.Prev}
	}
	l, c := at(0)
	return &Error{Line: l, Col: c, Msg: err.Error()}
}

// byteOffset converts a character offset in s into a byte offset.
func byteOffset(s string, chars int) int {
	i := 0
	for n := 0; n < chars && i < len(s); n++ {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	return i
}
