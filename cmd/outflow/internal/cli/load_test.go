package cli

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// outflow load drives concurrent users through the example two-screen flow of an in-process
// serve and prints what it measured: flows completed, requests, p50/p99 per kind of request.
func TestLoadDrivesUsersThroughTheFlow(t *testing.T) {
	const key = "load-test-management-key-0123456789abcdef"
	_, url := serveLog(t, "--addr", "127.0.0.1:0", "--management-keys", key, "--worker=false")
	var out, errOut bytes.Buffer
	code := Main(context.Background(), []string{"load", "--url", url, "--key", key, "--users", "3", "--duration", "1s"},
		Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, &out, &errOut)
	}
	text := out.String()
	t.Log("\n" + text)
	m := regexp.MustCompile(`flows completed  (\d+) \(`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no flow count in:\n%s", text)
	}
	if n, _ := strconv.Atoi(m[1]); n < 1 {
		t.Errorf("no flow completed:\n%s", text)
	}
	for _, want := range []string{"requests ", "  start  p50 ", "  next   p50 ", "  all    p50 ", " p99 ", "failed flows     0"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

// A wrong key, a bad URL or no key stop load with a clear message.
func TestLoadRefusesBadSettings(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{"--url", "ftp://x"}, "--url \"ftp://x\"", 2},
		{[]string{"--url", "http://127.0.0.1:1", "--key", ""}, "no management key", 2},
		{[]string{"--key", "k", "--users", "0"}, "--users 0", 2},
	} {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), append([]string{"load"}, c.args...), Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
		if code != c.code || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %d and %q", c.args, code, errOut.String(), c.code, c.want)
		}
	}
	const key = "load-test-management-key-0123456789abcdef"
	_, url := serveLog(t, "--addr", "127.0.0.1:0", "--management-keys", key, "--worker=false")
	var out, errOut bytes.Buffer
	code := Main(context.Background(), []string{"load", "--url", url, "--key", "wrong-key-wrong-key-wrong-key-wrong", "--users", "1", "--duration", "300ms"},
		Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
	if code != 1 || !strings.Contains(errOut.String(), "401") {
		t.Errorf("a wrong key: exit %d, stderr %q", code, errOut.String())
	}
}
