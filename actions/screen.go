package actions

import "slices"

// Screen is what a paused step shows the end user: the same typed description drives the JSON API and
// the hosted HTML pages. It never carries a secret value.
type Screen struct {
	// ID names the screen; hosts that render their own UI key templates on it.
	ID       string    `json:"id"`
	Title    string    `json:"title,omitempty"`
	Text     string    `json:"text,omitempty"`
	App      *AppBadge `json:"app,omitempty"`
	Fields   []Field   `json:"fields,omitempty"`
	Buttons  []Button  `json:"buttons,omitempty"`
	Messages []Message `json:"messages,omitempty"`
	// Tone is how a finished flow's page reads: "" or ToneSuccess shows a success mark,
	// ToneNeutral a neutral one (the user declined, nothing was done). Only an end sets it.
	Tone string `json:"tone,omitempty"`
}

// Tones of a finished flow's page.
const (
	ToneSuccess = "success"
	ToneNeutral = "neutral"
)

// AppBadge brands a screen or a button with an outbound app ("Connect to …").
type AppBadge struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Logo string `json:"logo,omitempty"`
}

// Field types.
const (
	FieldText        = "text"
	FieldEmail       = "email"
	FieldNumber      = "number"
	FieldCheckbox    = "checkbox"
	FieldSelect      = "select"
	FieldMultiSelect = "multiselect"
	FieldTextarea    = "textarea"
)

// fieldTypes lists the field types a screen supports.
var fieldTypes = [...]string{FieldText, FieldEmail, FieldNumber, FieldCheckbox, FieldSelect, FieldMultiSelect, FieldTextarea}

// FieldTypes returns the field types a screen supports, in a new slice the caller may change.
func FieldTypes() []string { return slices.Clone(fieldTypes[:]) }

// IsFieldType reports whether a screen supports fields of type typ.
func IsFieldType(typ string) bool { return slices.Contains(fieldTypes[:], typ) }

// Field is one input on a screen.
type Field struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Label string `json:"label"`
	// Required fields must be non-empty (a checked box for checkboxes, one choice for multiselect).
	Required bool `json:"required,omitempty"`
	// Secret fields are masked when typed, never sent back to the client, never persisted with the
	// execution and redacted from events; their value is visible to expressions only while the request
	// that submitted them runs.
	Secret bool `json:"secret,omitempty"`
	// Min and Max bound the value of a number field.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// MinLength and MaxLength bound the length, in characters, of a text, email or textarea value
	// (0: no bound).
	MinLength int `json:"minLength,omitempty"`
	MaxLength int `json:"maxLength,omitempty"`
	// Pattern is a regular expression (Go syntax, whole-value match) the value must match.
	Pattern string `json:"pattern,omitempty"`
	// PatternMessage is shown when Pattern does not match.
	PatternMessage string   `json:"patternMessage,omitempty"`
	Placeholder    string   `json:"placeholder,omitempty"`
	Hint           string   `json:"hint,omitempty"`
	Options        []Option `json:"options,omitempty"`
	// Value pre-fills the field (never set for secret fields): a string, number, bool or list of strings.
	Value any `json:"value,omitempty"`
}

// ValueType returns the type of the field's submitted value.
func (f Field) ValueType() Type {
	switch f.Type {
	case FieldNumber:
		return Number()
	case FieldCheckbox:
		return Bool()
	case FieldMultiSelect:
		return List(String())
	default:
		return String()
	}
}

// Option is one choice of a select or multiselect field.
type Option struct {
	Value       string `json:"value"`
	Label       string `json:"label"`
	Description string `json:"description,omitempty"`
}

// Button kinds.
const (
	ButtonPrimary   = "primary"
	ButtonSecondary = "secondary"
)

// Button is an interaction: its ID is the interaction id the client sends back, and the outcome the
// step completes with.
type Button struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Kind  string `json:"kind,omitempty"`
	// NoValidate skips field validation (for "Not now", "Cancel").
	NoValidate bool      `json:"noValidate,omitempty"`
	App        *AppBadge `json:"app,omitempty"`
}

// Message levels.
const (
	LevelInfo    = "info"
	LevelSuccess = "success"
	LevelWarning = "warning"
	LevelError   = "error"
)

// Message is a note on a screen; with Field set it belongs to that field.
type Message struct {
	Level string `json:"level"`
	Text  string `json:"text"`
	Field string `json:"field,omitempty"`
}

// Button returns the button with the given id.
func (s *Screen) Button(id string) (Button, bool) {
	for _, b := range s.Buttons {
		if b.ID == id {
			return b, true
		}
	}
	return Button{}, false
}

// Field returns the field with the given name.
func (s *Screen) Field(name string) (Field, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Redacted returns a copy of s with no value in any secret field.
func (s Screen) Redacted() Screen {
	if len(s.Fields) == 0 {
		return s
	}
	fields := make([]Field, len(s.Fields))
	copy(fields, s.Fields)
	for i := range fields {
		if fields[i].Secret {
			fields[i].Value = nil
		}
	}
	s.Fields = fields
	return s
}

// SecretNames returns the names of the secret fields.
func (s *Screen) SecretNames() []string {
	var names []string
	for _, f := range s.Fields {
		if f.Secret {
			names = append(names, f.Name)
		}
	}
	return names
}
