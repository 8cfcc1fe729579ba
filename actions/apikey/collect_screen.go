package apikey

import (
	"strings"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// screen describes the collect screen: the key as a masked field with the app's format hint,
// the app's extra fields (pre-filled with what was typed; never the key), Save and Cancel; its
// own texts are message references shown in the reader's language (collect_text.go).
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
		s.Title = text("title", "app", a.Name)
	}
	if s.Text, err = r.cfg.Text.Get(r.call); err != nil {
		return s, err
	}
	if s.Text == "" {
		s.Text = defaultText(a)
	}
	s.Fields = append(s.Fields, actions.Field{
		Name: KeyField, Type: actions.FieldText, Label: keyLabel(k), Required: true, Secret: true,
		Placeholder: k.FormatHint.Example, Hint: formatHint(k.FormatHint),
	})
	for _, f := range k.Fields {
		field := actions.Field{
			Name: f.Name, Type: actions.FieldText, Label: f.Label, Required: f.Required,
			Pattern: f.Pattern, Placeholder: f.Placeholder,
		}
		if f.Pattern != "" {
			field.PatternMessage = patternMessage(f)
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
		{ID: ButtonSave, Label: text("save"), Kind: actions.ButtonPrimary},
		{ID: ButtonCancel, Label: text("cancel"), Kind: actions.ButtonSecondary, NoValidate: true},
	}
	return s, nil
}

func defaultText(a apps.App) string {
	if a.APIKey.Probe != nil {
		return text("text_probe", "label", keyLabel(a.APIKey), "app", a.Name)
	}
	return text("text", "label", keyLabel(a.APIKey))
}

// formatHint tells what a key looks like, from the app's format hint.
func formatHint(h apps.FormatHint) string {
	if h.Prefix != "" {
		return text("hint_prefix", "prefix", h.Prefix)
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
