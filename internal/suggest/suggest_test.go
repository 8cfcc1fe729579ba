package suggest

import "testing"

func TestClosest(t *testing.T) {
	t.Parallel()
	cands := []string{"scopes", "app", "redirectUrl", "externalId"}
	for _, tc := range []struct{ word, want string }{
		{"scope", "scopes"},
		{"scpoes", "scopes"},
		{"ap", "app"},
		{"redirectURL", "redirectUrl"},
		{"zzz", ""},
		{"external", "externalId"},
		{"timeout", ""},
	} {
		if got := Closest(tc.word, cands); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}
