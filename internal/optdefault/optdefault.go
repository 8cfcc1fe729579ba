// Package optdefault fills the option fields a caller left at zero with their defaults and refuses
// negative ones, in one wording for every package: "is -1s; use a positive duration, or 0 for the
// default (30s)". Each package puts its own name and field in front.
package optdefault

import (
	"fmt"
	"time"
)

// Number is what an option with a default can be.
type Number interface{ time.Duration | int | int64 }

// Fill sets *v to def when it is 0, and returns "". A negative *v is left as it is, and Fill
// returns what is wrong with it, to follow the field's name.
func Fill[T Number](v *T, def T) (problem string) {
	switch {
	case *v < 0:
		what := "number"
		if _, ok := any(*v).(time.Duration); ok {
			what = "duration"
		}
		return fmt.Sprintf("is %v; use a positive %s, or 0 for the default (%v)", *v, what, def)
	case *v == 0:
		*v = def
	}
	return ""
}
