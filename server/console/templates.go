package console

import (
	"slices"

	"github.com/outflowhq/outflow/outbound/apps"
)

// templateCategories are the categories of a template, for the library's filter.
func templateCategories(t *apps.Template) []string { return t.Categories }

// templateTerms are the words a template is also found by: its categories and keywords.
func templateTerms(t *apps.Template) []string { return slices.Concat(t.Categories, t.Keywords) }
