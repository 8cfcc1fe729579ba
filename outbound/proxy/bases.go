package proxy

import (
	"net/url"
	"strings"

	"github.com/outflowhq/outflow/outbound/apps"
)

// anyContains reports whether one of bs contains u.
func anyContains(bs []apps.APIBase, u *url.URL) bool {
	for _, b := range bs {
		if b.Contains(u) {
			return true
		}
	}
	return false
}

// pick returns the base of bs named by want ("" picks the first), matching with or without a
// trailing slash.
func pick(bs []apps.APIBase, want string) (apps.APIBase, bool) {
	if want == "" {
		if len(bs) == 0 {
			return apps.APIBase{}, false
		}
		return bs[0], true
	}
	w, ok := apps.ParseAPIBase(strings.TrimRight(want, "/"))
	if !ok {
		return apps.APIBase{}, false
	}
	for _, b := range bs {
		if b == w {
			return b, true
		}
	}
	return apps.APIBase{}, false
}

// concrete are the bases of patterns without a wildcard.
func concrete(patterns []apps.APIBase) []apps.APIBase {
	var out []apps.APIBase
	for _, b := range patterns {
		if !b.Wildcard() {
			out = append(out, b)
		}
	}
	return out
}
