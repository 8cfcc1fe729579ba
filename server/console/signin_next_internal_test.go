package console

import "testing"

// After signing in, the console goes only to its own pages: never to another site, never to a
// path outside its base however the path is spelled, never back to the sign-in pages.
func TestSafeNextStaysUnderTheBase(t *testing.T) {
	for next, want := range map[string]string{
		"/console/flows":                           "/console/flows",
		"/console/connections?app=crm":             "/console/connections?app=crm",
		"/console":                                 "/console",
		"":                                         "/console/apps",
		"https://evil.example/console/apps":        "/console/apps",
		"//evil.example/console/apps":              "/console/apps",
		`/console\..\evil`:                         "/console/apps",
		"/console/..//evil.example":                "/console/apps",
		"/console/../../x":                         "/console/apps",
		"/console/../flows/try/demo-tour":          "/console/apps",
		"/console/%2e%2e/sandbox/oauth2/auth?x=1":  "/console/apps",
		"/console/%2E%2E/x":                        "/console/apps",
		"/console/./apps":                          "/console/apps",
		"/console/sign-in":                         "/console/apps",
		"/consoleevil":                             "/console/apps",
		"/console/apps/..%2f..%2fx":                "/console/apps",
		"/console/apps/crm?next=https://evil.test": "/console/apps/crm?next=https://evil.test",
	} {
		if got := safeNext("/console", next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}
