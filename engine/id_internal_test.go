package engine

import "testing"

// Execution ids are typed on command lines (outflow explain ID): none begins with "-", which
// one in 64 would in plain URL-safe base64. Each is still 22 characters of URL-safe base64.
func TestExecutionIDsNeverLookLikeAFlag(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		id := newID()
		if id[0] == '-' || len(id) != 22 || seen[id] {
			t.Fatalf("id %q (seen before: %v)", id, seen[id])
		}
		seen[id] = true
	}
}
