package core

import (
	"slices"

	"github.com/outflowhq/outflow/actions"
)

// textTypes are the field types whose value is typed text: they take minLength, maxLength and
// pattern.
var textTypes = []string{actions.FieldText, actions.FieldEmail, actions.FieldTextarea}

// validateRules checks a field's rules when the flow loads: each on a type it applies to, bounds in
// order, a pattern that compiles.
func (f FieldConfig) validateRules(path string, errs *actions.Errors) {
	typ := fieldType(f.Type)
	isNumber, isText := typ == actions.FieldNumber, slices.Contains(textTypes, typ)
	for _, r := range []struct {
		key      string
		set, fit bool
		applies  string
	}{
		{"min", f.Min != nil, isNumber, "number fields"},
		{"max", f.Max != nil, isNumber, "number fields"},
		{"minLength", f.MinLength != nil, isText, "text, email and textarea fields"},
		{"maxLength", f.MaxLength != nil, isText, "text, email and textarea fields"},
		{"pattern", f.Pattern != "", isText, "text, email and textarea fields"},
	} {
		if r.set && !r.fit {
			errs.Add(path+"."+r.key, "%s applies to %s, not to a %s field", r.key, r.applies, typ)
		}
	}
	if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
		errs.Add(path+".min", "min %v is larger than max %v", *f.Min, *f.Max)
	}
	if f.MinLength != nil && *f.MinLength < 0 {
		errs.Add(path+".minLength", "minLength must be 0 or more")
	}
	if f.MaxLength != nil && *f.MaxLength < 1 {
		errs.Add(path+".maxLength", "maxLength must be 1 or more")
	}
	if f.MinLength != nil && f.MaxLength != nil && *f.MinLength > *f.MaxLength && *f.MaxLength > 0 {
		errs.Add(path+".minLength", "minLength %d is larger than maxLength %d", *f.MinLength, *f.MaxLength)
	}
	if f.Pattern != "" {
		if err := actions.CheckPattern(f.Pattern); err != nil {
			errs.Add(path+".pattern", "pattern does not compile: %v", err)
		}
	}
	if f.PatternMessage != "" && f.Pattern == "" {
		errs.Add(path+".patternMessage", "patternMessage needs a pattern to explain")
	}
}

// orZero is *n, or 0 when n is nil.
func orZero(n *int) int {
	if n == nil {
		return 0
	}
	return *n
}
