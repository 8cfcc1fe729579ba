package proxy

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// A transport error whose text shows a secret is replaced by one of the package's own, which
// still says the API could not be reached and names the package.
func TestUpstreamErrorWithholdsATextShowingASecret(t *testing.T) {
	t.Parallel()
	cause := &url.Error{Op: "Get", URL: "https://api.example.com/?key=s3cr3t", Err: errors.New("dial tcp: token s3cr3t refused")}
	err := upstreamError(context.Background(), "crm", cause, "s3cr3t")
	if !errors.Is(err, ErrUpstreamUnreachable) {
		t.Fatalf("err = %v, want ErrUpstreamUnreachable", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "s3cr3t") || !strings.HasSuffix(msg, ": proxy: request failed") || !strings.HasPrefix(msg, "proxy: ") {
		t.Errorf("err = %q, want the cause withheld as proxy: request failed", msg)
	}
}
