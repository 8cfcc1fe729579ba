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

// Drain tells load balancers that this server is stopping: from then on /readyz answers 503,
// while every other route goes on serving as before. A host calls it when it is told to stop
// (SIGTERM), goes on serving until its load balancers have taken the instance out of rotation
// (a few seconds behind Kubernetes), and only then shuts its http.Server down, so no request is
// sent to a listener that has closed. It cannot be undone.
func (s *Server) Drain() { s.draining.Store(true) }

// readyz answers 503 once the server drains, and whenever Redis does not answer the ping in time,
// however it fails: a refused connection, an error, or a Redis that hangs (which ends the ping at
// its deadline). A server without a Store has no Redis to wait for, and is ready.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		// Not logged as a failed request: load balancers probe a draining server on every
		// deploy, and that is no error.
		retryLater(w, errDraining.body)
		writeJSON(w, errDraining.status, errorBody{Error: errDraining.body})
		return
	}
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
