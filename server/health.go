package server

import (
	"context"
	"net/http"
	"time"
)

// readyTimeout bounds the readiness check's ping.
const readyTimeout = 2 * time.Second

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 503 whenever Redis does not answer the ping in time, however it fails: a
// refused connection, an error, or a Redis that hangs (which ends the ping at its deadline). A
// server without a Store has no Redis to wait for, and is ready.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.opts.Store == nil {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.opts.Store.Ping(ctx); err != nil {
		s.log.WarnContext(r.Context(), "not ready: Redis did not answer", "error", err)
		s.fail(w, r, errNotReady)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
