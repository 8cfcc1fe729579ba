package proxy

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound/apps"
)

func TestRetryAfterParsing(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"2", 2 * time.Second, true}, {" 0 ", 0, true}, {"-1", 0, false}, {"", 0, false}, {"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
	} {
		got, ok := retryAfter(c.in, now)
		if got != c.want || ok != c.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// An app whose API base comes from the token response (instance_url) sends the token to the
// connection's own instance only: another instance under the same wildcard is refused.
func TestBaseFromTokenResponse(t *testing.T) {
	t.Parallel()
	f := setup(t, http.HandlerFunc(echo), func(p *apps.AppPatch) {
		p.APIBaseURLs = &[]string{"https://*.my.example.com/services/data"}
		p.APIBaseURLFrom = ptr("instance_url")
	})
	f.provider.extra = map[string]any{"instance_url": "https://acme.my.example.com"}
	f.connect(t, "at-expired", -time.Minute)
	ctx := context.Background()
	s := &session{p: f.proxy, t: aliceAt}
	if err := s.load(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := s.credential(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.bases) != 1 || c.bases[0].String() != "https://acme.my.example.com/services/data" {
		t.Fatalf("bases %v; want the connection's instance under the path prefix", c.bases)
	}
	_, err = f.proxy.Client(aliceAt).Get("https://other.my.example.com/services/data/v60.0/sobjects")
	if !errors.Is(err, ErrHostNotAllowed) {
		t.Errorf("a request to another instance: %v; want ErrHostNotAllowed", err)
	}
}
