package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/outflowhq/outflow/outbound"
)

// management wraps a handler so it requires a management key: `Authorization: Bearer <key>`,
// compared in constant time against every configured key. Without keys configured, management
// routes are closed.
func (s *Server) management(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.validManagementKey(r) {
			s.fail(w, r, errUnauthorized)
			return
		}
		ctx := outbound.WithActor(context.WithValue(r.Context(), managedKey{}, true), apiActor(r))
		h(w, r.WithContext(ctx))
	}
}

// apiActor names the management key of r in the event stream: "api:" and the first 8 hex
// digits of its SHA-256, which tell keys apart without revealing them.
func apiActor(r *http.Request) string {
	_, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	h := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return "api:" + hex.EncodeToString(h[:4])
}

// managedKey marks the context of a request a management route authorized.
type managedKey struct{}

// managed reports whether r came through a management route, with a valid key: only then may an
// answer carry what only the backend should see (the input of an expired execution).
func managed(r *http.Request) bool {
	ok, _ := r.Context().Value(managedKey{}).(bool)
	return ok
}

func (s *Server) validManagementKey(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	match := 0
	for _, k := range s.opts.ManagementKeys {
		if k == "" {
			continue
		}
		want := sha256.Sum256([]byte(k))
		match |= subtle.ConstantTimeCompare(got[:], want[:])
	}
	return match == 1
}
