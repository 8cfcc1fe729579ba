package server

import (
	"log/slog"
	"net/http/httptest"
	"testing"
)

// Behind a proxy that ends TLS, requests come in over http while browsers are on https: the
// public URL's scheme is the one an Origin must have, for the public host and the request's own.
func TestOwnOriginTakesTheSchemeOfThePublicURL(t *testing.T) {
	t.Parallel()
	s := mustNew(t, Options{PublicURL: "https://auth.example.com", Logger: slog.New(slog.DiscardHandler)})
	for _, host := range []string{"auth.example.com", "10.0.0.7:8080"} {
		r := httptest.NewRequest("POST", "http://"+host+"/flows/link/x", nil)
		for origin, want := range map[string]bool{
			"https://auth.example.com":     true,
			"https://auth.example.com:443": true,
			"http://auth.example.com":      false,
			"https://" + host:              true,
			"http://" + host:               false,
			"https://evil.example":         false,
		} {
			if got := s.ownOrigin(r, origin); got != want {
				t.Errorf("request to %s, Origin %s: %v, want %v", host, origin, got, want)
			}
		}
	}
}
