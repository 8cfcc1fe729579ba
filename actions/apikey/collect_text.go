package apikey

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
)

// The collect screen's own texts are message references (actions.BuiltinText) the host shows in
// the reader's language. Its refusals are decided by apikeys.Put; this file only names the
// reason Put gave, so the screen can say it in any language.

// text is a shorthand for actions.BuiltinText with the collect screen's keys.
func text(key string, args ...string) string { return actions.BuiltinText("apikey."+key, args...) }

// keyLabel is what the screen calls the key: the app's label, else "API key".
func keyLabel(k *apps.APIKeyConfig) string {
	if k.Label == "" {
		return text("label")
	}
	return k.Label
}

// keyMessage says why key does not have the app's format, in the order CheckKey checks; ok is
// false when the key looks right (Put refused it for another reason).
func keyMessage(k *apps.APIKeyConfig, key string) (string, bool) {
	label := keyLabel(k)
	switch {
	case strings.TrimSpace(key) == "":
		return text("key_empty", "label", label), true
	case strings.TrimSpace(key) != key:
		return text("key_spaces", "label", label), true
	case outbound.HasControl(key):
		return text("key_control", "label", label), true
	case k.FormatHint.Prefix != "" && !strings.HasPrefix(key, k.FormatHint.Prefix):
		return text("key_prefix", "label", label, "prefix", k.FormatHint.Prefix), true
	case k.CheckKey(key) == nil:
		return "", false
	case k.FormatHint.Example != "":
		return text("key_example", "label", label, "example", k.FormatHint.Example), true
	}
	return text("key_format", "label", label), true
}

// fieldMessage says why the value v of the extra field f was refused, in the order CheckFields
// checks; ok is false for a reason the screen has no text for.
func fieldMessage(f apps.ConnectionField, v string) (string, bool) {
	label := f.Label
	if label == "" {
		label = f.Name
	}
	switch {
	case v == "":
		return text("field_required", "label", label), true
	case outbound.HasControl(v):
		return text("field_control", "label", label), true
	case len(f.Options) > 0 && !slices.Contains(f.Options, v):
		return text("field_options", "label", label, "options", strings.Join(f.Options, ", ")), true
	case f.Pattern != "":
		return patternMessage(f), true
	}
	return "", false
}

// patternMessage is what the screen says when an extra field does not match its pattern.
func patternMessage(f apps.ConnectionField) string {
	if f.Placeholder != "" {
		return text("field_format_example", "label", f.Label, "example", f.Placeholder)
	}
	return text("field_format", "label", f.Label)
}

// probeMessage says why the app's probe did not accept the key.
func probeMessage(pe *apikeys.ProbeError) string {
	name := pe.AppName
	if name == "" {
		name = pe.AppID
	}
	switch {
	case errors.Is(pe, apikeys.ErrKeyRejected):
		return text("probe_rejected", "app", name, "status", strconv.Itoa(pe.Status))
	case pe.Status != 0:
		return text("probe_status", "app", name, "status", strconv.Itoa(pe.Status))
	case pe.Timeout > 0:
		return text("probe_timeout", "app", name, "timeout", pe.Timeout.String())
	}
	return text("probe_unreachable", "app", name)
}

// attemptsLeft warns that only n tries remain.
func attemptsLeft(n int) string {
	if n == 1 {
		return text("attempts_one")
	}
	return text("attempts", "n", strconv.Itoa(n))
}
