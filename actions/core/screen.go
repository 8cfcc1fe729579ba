package core

import (
	"context"
	"fmt"

	"github.com/outflowhq/outflow/actions"
)

// ScreenConfig is the `screen:` of a step.
type ScreenConfig struct {
	ID       string                `yaml:"id" doc:"screen id for hosts that render their own UI (default: the step id)"`
	Title    actions.Value[string] `yaml:"title" doc:"heading"`
	Text     actions.Value[string] `yaml:"text" doc:"paragraph under the heading"`
	Fields   []FieldConfig         `yaml:"fields" doc:"inputs, in order"`
	Buttons  []ButtonConfig        `yaml:"buttons" required:"true" doc:"interactions; the pressed button's id is the step's outcome"`
	Messages []MessageConfig       `yaml:"messages" doc:"notes shown above the fields"`
}

// FieldConfig is one input of a screen.
type FieldConfig struct {
	Name           string                          `yaml:"name" required:"true" doc:"the key in form and in the step output"`
	Type           string                          `yaml:"type" doc:"text (default), email, number, checkbox, select, multiselect or textarea"`
	Label          actions.Value[string]           `yaml:"label"`
	Required       bool                            `yaml:"required"`
	Secret         bool                            `yaml:"secret" doc:"masked; never persisted, shown or put in outputs"`
	Min            *float64                        `yaml:"min" doc:"smallest value of a number field"`
	Max            *float64                        `yaml:"max" doc:"largest value of a number field"`
	MinLength      *int                            `yaml:"minLength" doc:"fewest characters of a text, email or textarea value"`
	MaxLength      *int                            `yaml:"maxLength" doc:"most characters of a text, email or textarea value"`
	Pattern        string                          `yaml:"pattern" doc:"regular expression the whole value of a text, email or textarea field must match"`
	PatternMessage string                          `yaml:"patternMessage" doc:"message when pattern does not match"`
	Placeholder    string                          `yaml:"placeholder"`
	Hint           actions.Value[string]           `yaml:"hint"`
	Options        actions.Value[[]actions.Option] `yaml:"options" doc:"choices of select and multiselect: value, label, description"`
	Value          actions.Value[any]              `yaml:"value" doc:"pre-filled value"`
}

// ButtonConfig is one button of a screen.
type ButtonConfig struct {
	ID         string                `yaml:"id" required:"true" doc:"interaction id and outcome"`
	Label      actions.Value[string] `yaml:"label"`
	Kind       string                `yaml:"kind" doc:"primary (default for the first button) or secondary"`
	NoValidate bool                  `yaml:"noValidate" doc:"skip field validation (for Not now, Cancel)"`
}

// MessageConfig is a note on a screen.
type MessageConfig struct {
	Level string                `yaml:"level" doc:"info (default), success, warning or error"`
	Text  actions.Value[string] `yaml:"text" required:"true"`
}

// Validate checks the screen when the flow loads.
func (c *ScreenConfig) Validate() error {
	var errs actions.Errors
	seen := map[string]bool{}
	for i, f := range c.Fields {
		path := fmt.Sprintf("fields[%d]", i)
		switch {
		case !actions.ValidName(f.Name):
			errs.Add(path+".name", "field name %q must be a letter followed by letters, digits or underscores", f.Name)
		case seen[f.Name]:
			errs.Add(path+".name", "duplicate field name %q", f.Name)
		}
		seen[f.Name] = true
		if f.Type != "" && !actions.IsFieldType(f.Type) {
			errs.Add(path+".type", "unknown field type %q; use one of %v", f.Type, actions.FieldTypes())
		}
		f.validateRules(path, &errs)
		if f.Secret && f.Value.IsSet() {
			errs.Add(path+".value", "a secret field cannot be pre-filled")
		}
		if (f.Type == actions.FieldSelect || f.Type == actions.FieldMultiSelect) && !f.Options.IsSet() {
			errs.Add(path+".options", "a %s field needs options", f.Type)
		}
	}
	buttons := map[string]bool{}
	if len(c.Buttons) == 0 {
		errs.Add("buttons", "a screen needs at least one button")
	}
	for i, b := range c.Buttons {
		path := fmt.Sprintf("buttons[%d]", i)
		switch {
		case !actions.ValidName(b.ID):
			errs.Add(path+".id", "button id %q must be a letter followed by letters, digits or underscores", b.ID)
		case buttons[b.ID]:
			errs.Add(path+".id", "duplicate button id %q", b.ID)
		}
		buttons[b.ID] = true
		if b.Kind != "" && b.Kind != actions.ButtonPrimary && b.Kind != actions.ButtonSecondary {
			errs.Add(path+".kind", "button kind must be primary or secondary")
		}
	}
	for i, m := range c.Messages {
		switch m.Level {
		case "", actions.LevelInfo, actions.LevelSuccess, actions.LevelWarning, actions.LevelError:
		default:
			errs.Add(fmt.Sprintf("messages[%d].level", i), "message level must be info, success, warning or error")
		}
	}
	return errs.Err()
}

// DeclareFields lists the screen's fields: they type the `form` variable.
func (c *ScreenConfig) DeclareFields() []actions.Field {
	out := make([]actions.Field, len(c.Fields))
	for i, f := range c.Fields {
		out[i] = actions.Field{Name: f.Name, Type: fieldType(f.Type), Secret: f.Secret}
	}
	return out
}

// DeclareOutputs: the values of the non-secret fields.
func (c *ScreenConfig) DeclareOutputs() actions.Type {
	fields := map[string]actions.Type{}
	for _, f := range c.DeclareFields() {
		if !f.Secret {
			fields[f.Name] = f.ValueType()
		}
	}
	return actions.Object(fields)
}

// DeclareOutcomes: one per button.
func (c *ScreenConfig) DeclareOutcomes() []string {
	out := make([]string, len(c.Buttons))
	for i, b := range c.Buttons {
		out[i] = b.ID
	}
	return out
}

func fieldType(t string) string {
	if t == "" {
		return actions.FieldText
	}
	return t
}

// Screen is the `screen` kind: it shows a screen and completes with the pressed button's id as its
// outcome and the submitted (non-secret) values as its output.
func Screen() actions.Kind {
	return actions.Define(actions.Kind{
		Name:             "screen",
		Doc:              "Shows a screen and waits. Completes with the pressed button's id as outcome and the non-secret field values as output.",
		Pauses:           true,
		Inline:           true,
		ReadsSecretInput: true,
	}, runScreen)
}

func runScreen(_ context.Context, call *actions.Call, c *ScreenConfig) (actions.Result, error) {
	if call.Resume != nil {
		out := map[string]any{}
		for _, f := range c.Fields {
			if v, ok := call.Resume.Input[f.Name]; ok && !f.Secret {
				out[f.Name] = v
			}
		}
		return actions.Done(call.Resume.Interaction, out), nil
	}
	s, err := c.render(call)
	if err != nil {
		return actions.Result{}, err
	}
	return actions.ShowScreen(s, nil), nil
}

// render evaluates the screen's values for this execution.
func (c *ScreenConfig) render(call *actions.Call) (actions.Screen, error) {
	s := actions.Screen{ID: c.ID}
	if s.ID == "" {
		s.ID = call.StepID
	}
	var err error
	if s.Title, err = c.Title.Get(call); err != nil {
		return s, err
	}
	if s.Text, err = c.Text.Get(call); err != nil {
		return s, err
	}
	for _, f := range c.Fields {
		field := actions.Field{
			Name: f.Name, Type: fieldType(f.Type), Required: f.Required, Secret: f.Secret,
			Min: f.Min, Max: f.Max, MinLength: orZero(f.MinLength), MaxLength: orZero(f.MaxLength),
			Pattern: f.Pattern, PatternMessage: f.PatternMessage, Placeholder: f.Placeholder,
		}
		if field.Label, err = f.Label.Get(call); err != nil {
			return s, err
		}
		if field.Label == "" {
			field.Label = f.Name
		}
		if field.Hint, err = f.Hint.Get(call); err != nil {
			return s, err
		}
		if field.Options, err = f.Options.Get(call); err != nil {
			return s, err
		}
		if field.Value, err = f.Value.Get(call); err != nil {
			return s, err
		}
		s.Fields = append(s.Fields, field)
	}
	for i, b := range c.Buttons {
		btn := actions.Button{ID: b.ID, Kind: b.Kind, NoValidate: b.NoValidate}
		if btn.Kind == "" {
			btn.Kind = actions.ButtonSecondary
			if i == 0 {
				btn.Kind = actions.ButtonPrimary
			}
		}
		if btn.Label, err = b.Label.Get(call); err != nil {
			return s, err
		}
		if btn.Label == "" {
			btn.Label = b.ID
		}
		s.Buttons = append(s.Buttons, btn)
	}
	for _, m := range c.Messages {
		msg := actions.Message{Level: m.Level}
		if msg.Level == "" {
			msg.Level = actions.LevelInfo
		}
		if msg.Text, err = m.Text.Get(call); err != nil {
			return s, err
		}
		s.Messages = append(s.Messages, msg)
	}
	return s, nil
}
