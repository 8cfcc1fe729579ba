package expression

import (
	"errors"
	"math"
)

// ErrNotFinite is the cause of the run-time *Error of an expression whose result is, or holds, a
// number that is not finite (NaN or an infinity, as a division by zero gives). JSON cannot hold such
// a number, so no step may output it.
var ErrNotFinite = errors.New("expression: the result is not a finite number")

// finite reports whether v holds no number that is not finite, looking into the lists and objects
// an expression builds.
func finite(v any) bool {
	switch x := v.(type) {
	case float64:
		return !math.IsNaN(x) && !math.IsInf(x, 0)
	case float32:
		return finite(float64(x))
	case []float64:
		for _, f := range x {
			if !finite(f) {
				return false
			}
		}
	case []any:
		for _, e := range x {
			if !finite(e) {
				return false
			}
		}
	case map[string]any:
		for _, e := range x {
			if !finite(e) {
				return false
			}
		}
	}
	return true
}

// notFinite is the error of an expression whose result is not finite, located at its start.
func (e *Expr) notFinite() *Error {
	return &Error{Line: e.Line, Col: e.Col, Msg: "gives a number that is not finite (a division by zero?)", cause: ErrNotFinite}
}
