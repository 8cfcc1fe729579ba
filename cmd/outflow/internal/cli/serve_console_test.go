package cli

import (
	"net/http"
	"strings"
	"testing"
)

// status GETs url without following redirects.
func status(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// serve mounts the console under the public URL's path and says where it is; --console=false
// leaves it out.
func TestServeMountsTheConsoleUnlessTurnedOff(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	logs, base := serveLog(t, "--addr", addr, "--public-url", "http://"+addr+"/outflow/", "--management-keys", testManagementKey)
	if code, loc := status(t, base+"/console/apps"); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/outflow/console/sign-in") {
		t.Errorf("the console: %d %q", code, loc)
	}
	if !strings.Contains(logs.String(), base+"/console/") {
		t.Errorf("the log does not say where the console is: %s", logs.String())
	}

	off := freeAddr(t)
	_, base = serveLog(t, "--addr", off, "--console=false", "--management-keys", testManagementKey)
	if code, _ := status(t, base+"/console/sign-in"); code != http.StatusNotFound {
		t.Errorf("--console=false still serves it: %d", code)
	}
}
