// Package browsertest drives headless Chromium through the demo that `outflow serve --demo`
// serves: a backend starts a flow through the REST API, the browser opens the one-time link,
// picks scopes, consents on the sandbox provider's page, enters a wrong and then a right API key
// and reaches the finished page; then the backend fetches the token and the key.
//
// The tests build only with the browser build tag (go test -tags browser), which keeps chromedp
// out of a plain `go test ./...`; without it, setting either variable below fails the package's
// one untagged test. They run when OUTFLOW_TEST_CHROMIUM names a Chromium binary
// (/usr/bin/chromium from Debian's chromium package) and skip otherwise, unless
// OUTFLOW_REQUIRE_CHROMIUM=1, which makes them fail. With OUTFLOW_TEST_REDIS_URL set the server
// runs on that Redis instead of the embedded one. Every page state they reach is audited with axe-core (OUTFLOW_TEST_AXE names
// axe.min.js) in the light and the dark color scheme, and any violation fails the test. When a
// test fails it saves a screenshot of every step under OUTFLOW_SCREENSHOTS
// (default: a new temporary folder, named in the log); OUTFLOW_UPDATE_SCREENSHOTS=1 writes the
// screenshots the documentation shows to docs/screenshots/.
package browsertest
