package actions_test

import (
	"math"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/screentext"
)

// seatsScreen has one number field.
var seatsScreen = actions.Screen{ID: "team", Fields: []actions.Field{{Name: "seats", Type: actions.FieldNumber, Label: "Seats"}}}

// readOne reads one field's value and returns the value and the field's message, in English.
func readOne(t *testing.T, s actions.Screen, name string, raw any) (any, string) {
	t.Helper()
	values, problems := s.ReadInput(map[string]any{name: raw})
	for _, p := range problems {
		if p.Field == name {
			return nil, screentext.Text("en", p.Text, nil)
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

func TestUnknownInputNamesTheFieldsAScreenDoesNotHave(t *testing.T) {
	t.Parallel()
	s := actions.Screen{ID: "pick", Fields: []actions.Field{{Name: "plan"}, {Name: "email"}}}
	got := s.UnknownInput(map[string]any{"plan": "pro", "emial": "ada@example.com", "colour": "red"})
	want := map[string]string{
		"input.emial":  `is not a field of screen "pick" (did you mean "email"?)`,
		"input.colour": `is not a field of screen "pick"; its fields are plan, email`,
	}
	if len(got) != len(want) || got["input.emial"] != want["input.emial"] || got["input.colour"] != want["input.colour"] {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if got := s.UnknownInput(map[string]any{"plan": "pro", "email": "ada@example.com"}); got != nil {
		t.Errorf("known fields: %q", got)
	}
	bare := actions.Screen{ID: "hello"}
	if got := bare.UnknownInput(map[string]any{"x": 1}); got["input.x"] != `is not a field of screen "hello", which has none` {
		t.Errorf("a screen without fields: %q", got)
	}
}

func TestFieldRulesRefuseValuesOutOfBounds(t *testing.T) {
	t.Parallel()
	two, five, ten := 2.0, 5.0, 10.0
	tests := []struct {
		field actions.Field
		raw   any
		want  string // the message; "" when the value is accepted
	}{
		{actions.Field{Name: "seats", Type: actions.FieldNumber, Label: "Seats", Min: &two, Max: &ten}, "1", "Seats must be between 2 and 10."},
		{actions.Field{Name: "seats", Type: actions.FieldNumber, Label: "Seats", Min: &two, Max: &ten}, "10.5", "Seats must be between 2 and 10."},
		{actions.Field{Name: "seats", Type: actions.FieldNumber, Label: "Seats", Min: &two, Max: &ten}, "2", ""},
		{actions.Field{Name: "seats", Type: actions.FieldNumber, Label: "Seats", Min: &two}, "1.5", "Seats must be at least 2."},
		{actions.Field{Name: "seats", Type: actions.FieldNumber, Label: "Seats", Max: &ten}, "11", "Seats must be at most 10."},
		{actions.Field{Name: "seats", Type: actions.FieldNumber, Label: "Seats", Min: &two}, "", ""},
		{actions.Field{Name: "code", Label: "Code", MinLength: 5, MaxLength: 5}, "1234", "Code must be exactly 5 characters long."},
		{actions.Field{Name: "code", Label: "Code", MinLength: 5, MaxLength: 5}, " 12345 ", ""},
		{actions.Field{Name: "name", Label: "Name", MinLength: 2, MaxLength: 5}, "Ada Lovelace", "Name must be between 2 and 5 characters long."},
		{actions.Field{Name: "name", Label: "Name", MinLength: 2}, "A", "Name must be at least 2 characters long."},
		{actions.Field{Name: "name", Label: "Name", MaxLength: 1}, "Åd", "Name must be at most 1 character long."},
		{actions.Field{Name: "name", Label: "Name", MaxLength: 3}, "Åda", ""},
		{actions.Field{Name: "bio", Type: actions.FieldTextarea, Label: "Bio", MaxLength: 5}, "a longer text", "Bio must be at most 5 characters long."},
		{actions.Field{Name: "pw", Label: "Password", Secret: true, MinLength: 8}, "short", "Password must be at least 8 characters long."},
		{actions.Field{Name: "n", Type: actions.FieldNumber, Label: "N", Min: &five, Max: &five}, "4", "N must be 5."},
	}
	for _, tt := range tests {
		s := actions.Screen{ID: "s", Fields: []actions.Field{tt.field}}
		if _, msg := readOne(t, s, tt.field.Name, tt.raw); msg != tt.want {
			t.Errorf("%s = %q: message %q, want %q", tt.field.Name, tt.raw, msg, tt.want)
		}
	}
}
