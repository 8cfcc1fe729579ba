package webhooks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestCheckURL(t *testing.T) {
	t.Parallel()
	dev := Egress{AllowHTTPLoopback: true}
	for _, c := range []struct {
		url      string
		eg       Egress
		problems bool
	}{
		{"https://hooks.example.com/in", Egress{}, false},
		{"http://hooks.example.com/in", Egress{}, true},
		{"http://127.0.0.1:9000/in", Egress{}, true},
		{"http://127.0.0.1:9000/in", dev, false},
		{"http://localhost:9000/in", dev, false},
		{"http://hooks.example.com/in", dev, true},
		{"https://user:pw@hooks.example.com/in", Egress{}, true},
		{"/relative", Egress{}, true},
		{"ftp://hooks.example.com", Egress{}, true},
	} {
		if got := c.eg.CheckURL(c.url) != ""; got != c.problems {
			t.Errorf("CheckURL(%q) with %+v: problem %v, want %v", c.url, c.eg, got, c.problems)
		}
	}
}

func TestAllowedAddresses(t *testing.T) {
	t.Parallel()
	internal := Egress{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}}
	for _, c := range []struct {
		addr string
		eg   Egress
		ok   bool
	}{
		{"93.184.216.34", Egress{}, true},
		{"2606:2800:220:1::1", Egress{}, true},
		{"127.0.0.1", Egress{}, false},
		{"::1", Egress{}, false},
		{"10.0.0.5", Egress{}, false},
		{"192.168.1.1", Egress{}, false},
		{"169.254.169.254", Egress{}, false},
		{"100.64.1.1", Egress{}, false},
		{"0.0.0.0", Egress{}, false},
		{"::ffff:127.0.0.1", Egress{}, false},
		{"fd00::1", Egress{}, false},
		{"10.1.2.3", internal, true},
		{"10.2.2.3", internal, false},
		{"127.0.0.1", Egress{AllowHTTPLoopback: true}, true},
	} {
		if got := c.eg.allowed(netip.MustParseAddr(c.addr)); got != c.ok {
			t.Errorf("allowed(%s) with %+v = %v, want %v", c.addr, c.eg, got, c.ok)
		}
	}
}

// The check runs when the socket connects: a URL whose host is (or resolves to) a loopback
// address is refused without the development flag, whatever name it used.
func TestTheAddressIsCheckedWhenDialling(t *testing.T) {
	t.Parallel()
	hit := false
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit = true }))
	defer srv.Close()
	for _, u := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
		req, _ := http.NewRequestWithContext(context.Background(), "POST", u, nil)
		_, err := Egress{}.client().Do(req)
		if !errors.Is(err, ErrEgressDenied) {
			t.Errorf("POST %s: %v, want ErrEgressDenied", u, err)
		}
	}
	if hit {
		t.Error("a refused address was reached")
	}
}

// A redirect is answered, not followed.
func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	followed := false
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed = true }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL, nil)
	resp, err := Egress{AllowHTTPLoopback: true}.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || followed {
		t.Errorf("status %d, followed %v: want the 307 itself", resp.StatusCode, followed)
	}
}
