package actions_test

import (
	"math"
	"testing"

	"github.com/outflowhq/outflow/actions"
)

// seatsScreen has one number field.
var seatsScreen = actions.Screen{ID: "team", Fields: []actions.Field{{Name: "seats", Type: actions.FieldNumber, Label: "Seats"}}}

// readOne reads one field's value and returns the value and the field's message.
func readOne(t *testing.T, s actions.Screen, name string, raw any) (any, string) {
	t.Helper()
	values, problems := s.ReadInput(map[string]any{name: raw})
	for _, p := range problems {
		if p.Field == name {
			return nil, p.Text
		}
	}
	return values[name], ""
}

func TestANumberFieldRefusesWhatIsNotAFiniteNumber(t *testing.T) {
	t.Parallel()
	for _, raw := range []any{"NaN", "nan", "Inf", "+Inf", "-Infinity", "infinity", "1e400", math.NaN(), math.Inf(-1), "twelve"} {
		if v, msg := readOne(t, seatsScreen, "seats", raw); msg != "Seats must be a number." {
			t.Errorf("%v: value %v, message %q; want the message Seats must be a number.", raw, v, msg)
		}
	}
	for raw, want := range map[any]float64{"12": 12, " 2.5 ": 2.5, float64(-3): -3, "1e3": 1000} {
		if v, msg := readOne(t, seatsScreen, "seats", raw); msg != "" || v != want {
			t.Errorf("%v: value %v, message %q; want %v", raw, v, msg, want)
		}
	}
}
