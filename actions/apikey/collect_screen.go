package apikey

import (
	"fmt"
	"strings"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// screen describes the collect screen: the key as a masked field with the app's format hint,
// the app's extra fields (pre-filled with what was typed; never the key), Save and Cancel.
func (r *collector) screen(a apps.App, msgs []actions.Message, typed map[string]string) (actions.Screen, error) {
	k := a.APIKey
	s := actions.Screen{
		ID:       r.call.StepID,
		App:      &actions.AppBadge{ID: a.ID, Name: a.Name, Logo: a.Logo},
		Messages: msgs,
	}
	var err error
	if s.Title, err = r.cfg.Title.Get(r.call); err != nil {
		return s, err
	}
	if s.Title == "" {
		s.Title = "Connect " + a.Name
	}
	if s.Text, err = r.cfg.Text.Get(r.call); err != nil {
		return s, err
	}
	if s.Text == "" {
		s.Text = defaultText(a)
	}
	s.Fields = append(s.Fields, actions.Field{
		Name: KeyField, Type: actions.FieldText, Label: label(k), Required: true, Secret: true,
		Placeholder: k.FormatHint.Example, Hint: formatHint(k.FormatHint),
	})
	for _, f := range k.Fields {
		field := actions.Field{
			Name: f.Name, Type: actions.FieldText, Label: f.Label, Required: f.Required,
			Pattern: f.Pattern, Placeholder: f.Placeholder,
		}
		if f.Pattern != "" {
			field.PatternMessage = fmt.Sprintf("%s does not have the expected format.", f.Label)
			if f.Placeholder != "" {
				field.PatternMessage = fmt.Sprintf("%s does not have the expected format, for example %s.", f.Label, f.Placeholder)
			}
		}
		if len(f.Options) > 0 {
			field.Type = actions.FieldSelect
			for _, o := range f.Options {
				field.Options = append(field.Options, actions.Option{Value: o, Label: o})
			}
		}
		if v, ok := typed[f.Name]; ok {
			field.Value = v
		}
		s.Fields = append(s.Fields, field)
	}
	s.Buttons = []actions.Button{
		{ID: ButtonSave, Label: "Save", Kind: actions.ButtonPrimary},
		{ID: ButtonCancel, Label: "Cancel", Kind: actions.ButtonSecondary, NoValidate: true},
	}
	return s, nil
}

func label(k *apps.APIKeyConfig) string {
	if k.Label == "" {
		return "API key"
	}
	return k.Label
}

func defaultText(a apps.App) string {
	text := fmt.Sprintf("Paste your %s. It is stored encrypted and never shown again.", label(a.APIKey))
	if a.APIKey.Probe != nil {
		text = fmt.Sprintf("Paste your %s. We check it with %s, store it encrypted and never show it again.", label(a.APIKey), a.Name)
	}
	return text
}

// formatHint tells what a key looks like, from the app's format hint.
func formatHint(h apps.FormatHint) string {
	if h.Prefix != "" {
		return fmt.Sprintf("It starts with %s.", h.Prefix)
	}
	return ""
}

// screenField maps a field path of an *outbound.InvalidError (apikeys.ErrInvalidKeyRequest) to the screen field it belongs to; ""
// puts the message above the fields.
func screenField(path string) string {
	if path == "apiKey" {
		return KeyField
	}
	if name, ok := strings.CutPrefix(path, "fields."); ok {
		return name
	}
	return ""
}

// fieldSentence makes a field problem read as a sentence on the screen, naming the field by its
// label.
func fieldSentence(f outbound.FieldError, labels map[string]string) string {
	msg := strings.TrimSpace(f.Message)
	if rest, ok := strings.CutPrefix(msg, "required: "); ok {
		msg = rest
	} else if l, ok := labels[screenField(f.Field)]; ok && msg != "" && !strings.HasPrefix(msg, l) {
		msg = l + " " + msg
	}
	if msg == "" {
		return msg
	}
	msg = strings.ToUpper(msg[:1]) + msg[1:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}
