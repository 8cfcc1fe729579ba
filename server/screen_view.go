package server

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/outflowhq/outflow/actions"
)

// Hidden fields of a hosted form. Field names never start with "_" (see actions.ValidName), so
// they cannot collide.
const (
	formCSRF   = "_csrf"
	formNonce  = "_nonce"
	formStep   = "_step"
	formAction = "_action"
)

// screenView is a hosted form, made from the same actions.Screen the JSON API returns.
type screenView struct {
	Title    string
	Text     string
	App      *appView
	Messages []actions.Message
	Fields   []fieldView
	Buttons  []buttonView
	Action   string
	CSRF     string
	Nonce    string
	StepID   string
}

type fieldView struct {
	ID, Name, Label, Hint, Placeholder, Value string
	// Kind is the control: text, email, number, password, textarea, select, radio, checkbox
	// (one box) or checkboxes (a multiselect).
	Kind     string
	Required bool
	Secret   bool
	// Rules are the field's rules as HTML attributes: min, max, minlength, maxlength, pattern.
	Rules fieldRules
	// HintCode shows a one-word hint (a scope name) as code.
	HintCode  bool
	Checked   bool
	HasValue  bool
	Options   []optionView
	Error     string
	HintID    string
	ErrorID   string
	Autofocus bool
	// DescribedBy ties the hint and the error to the control.
	DescribedBy string
}

type optionView struct {
	Value, Label, Description string
	Selected                  bool
}

type buttonView struct {
	ID, Label, Kind string
	NoValidate      bool
	App             *appView
}

// maxRadios is how many options a select shows as radio buttons; more make a drop-down.
const maxRadios = 6

// newScreenView lays out a screen: field messages next to their fields (aria-describedby,
// aria-invalid), the first invalid field focused, secret fields never filled in.
func newScreenView(sc *actions.Screen, action, csrf, nonce, stepID string) screenView {
	v := screenView{
		Title: sc.Title, Text: strings.TrimSpace(sc.Text), App: newAppView(sc.App, false),
		Action: action, CSRF: csrf, Nonce: nonce, StepID: stepID,
	}
	if v.Title == "" {
		v.Title = "Continue"
	}
	errs := map[string]string{}
	for _, m := range sc.Messages {
		if _, ok := sc.Field(m.Field); ok && m.Field != "" {
			if errs[m.Field] == "" {
				errs[m.Field] = m.Text
			}
			continue
		}
		if m.Level == "" {
			m.Level = actions.LevelInfo
		}
		v.Messages = append(v.Messages, m)
	}
	focused := false
	for i, f := range sc.Fields {
		fv := newFieldView(i, f)
		if e := errs[f.Name]; e != "" {
			fv.Error, fv.ErrorID = e, fv.ID+"-error"
			if !focused {
				fv.Autofocus, focused = true, true
			}
		}
		fv.DescribedBy = strings.TrimSpace(strings.Join(slices.DeleteFunc([]string{hintID(fv), fv.ErrorID}, func(s string) bool { return s == "" }), " "))
		v.Fields = append(v.Fields, fv)
	}
	for _, b := range sc.Buttons {
		kind := b.Kind
		if kind != actions.ButtonSecondary {
			kind = actions.ButtonPrimary
		}
		v.Buttons = append(v.Buttons, buttonView{ID: b.ID, Label: b.Label, Kind: kind, NoValidate: b.NoValidate, App: newAppView(b.App, true)})
	}
	return v
}

func hintID(f fieldView) string {
	if f.Hint == "" {
		return ""
	}
	return f.HintID
}

func newFieldView(i int, f actions.Field) fieldView {
	label := f.Label
	if label == "" {
		label = f.Name
	}
	fv := fieldView{
		ID: fmt.Sprintf("f%d-%s", i, f.Name), Name: f.Name, Label: label, Hint: f.Hint,
		Placeholder: f.Placeholder, Required: f.Required, Secret: f.Secret, Rules: newFieldRules(f),
	}
	fv.HintID = fv.ID + "-hint"
	fv.HintCode = f.Hint != "" && !strings.ContainsAny(f.Hint, " \t")
	selected := map[string]bool{}
	switch x := f.Value.(type) {
	case nil:
	case string:
		fv.Value, selected[x] = x, true
	case bool:
		fv.Checked = x
	case float64:
		fv.Value = strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				selected[s] = true
			}
		}
	case []string:
		for _, s := range x {
			selected[s] = true
		}
	default:
		fv.Value = fmt.Sprint(x)
	}
	if f.Secret {
		fv.Value = ""
	}
	for _, o := range f.Options {
		label := o.Label
		if label == "" {
			label = o.Value
		}
		fv.Options = append(fv.Options, optionView{Value: o.Value, Label: label, Description: o.Description, Selected: selected[o.Value]})
		fv.HasValue = fv.HasValue || selected[o.Value]
	}
	switch f.Type {
	case actions.FieldCheckbox:
		fv.Kind = "checkbox"
	case actions.FieldMultiSelect:
		fv.Kind = "checkboxes"
	case actions.FieldSelect:
		fv.Kind = "select"
		if len(f.Options) <= maxRadios {
			fv.Kind = "radio"
		}
	case actions.FieldTextarea:
		fv.Kind = "textarea"
	case actions.FieldEmail, actions.FieldNumber:
		fv.Kind = f.Type
	default:
		fv.Kind = "text"
	}
	if f.Secret {
		fv.Kind = "password"
	}
	return fv
}

// formInput reads a posted hosted form into the input of engine.Next, by the screen's fields:
// an unticked checkbox is false, a multiselect a list, everything else the text as typed.
func formInput(sc *actions.Screen, form url.Values) map[string]any {
	in := make(map[string]any, len(sc.Fields))
	for _, f := range sc.Fields {
		vals, present := form[f.Name]
		switch f.Type {
		case actions.FieldCheckbox:
			in[f.Name] = present && len(vals) > 0 && vals[len(vals)-1] != "" && vals[len(vals)-1] != "false"
		case actions.FieldMultiSelect:
			list := make([]any, 0, len(vals))
			for _, v := range vals {
				if v != "" {
					list = append(list, v)
				}
			}
			in[f.Name] = list
		default:
			if present && len(vals) > 0 {
				in[f.Name] = vals[0]
			}
		}
	}
	return in
}
