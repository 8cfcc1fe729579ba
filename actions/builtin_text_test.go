package actions_test

import (
	"slices"
	"testing"

	"github.com/outflowhq/outflow/actions"
)

// A built-in text's key and arguments survive the round trip, whatever the arguments hold; other
// texts are not read as one.
func TestBuiltinTextRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key  string
		args []string
	}{
		{"apikey.save", nil},
		{"consent.title", []string{"app", "Acme & Co = 100% ?"}},
		{"apikey.key_prefix", []string{"label", "t:apikey.label", "prefix", "sk-"}},
	} {
		s := actions.BuiltinText(tc.key, tc.args...)
		key, args, ok := actions.ParseBuiltinText(s)
		if !ok || key != tc.key || !slices.Equal(args, tc.args) {
			t.Errorf("%q: got %q %q %v", s, key, args, ok)
		}
	}
	for _, s := range []string{"Save", "t:", "t:has space", "t:k?a=%zz", "not t:key"} {
		if key, _, ok := actions.ParseBuiltinText(s); ok {
			t.Errorf("%q read as the built-in text %q", s, key)
		}
	}
}
