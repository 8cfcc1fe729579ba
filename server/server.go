// Package server serves Outflow over HTTP: the REST API under /v1, the OAuth callback, hosted
// screens, health and metrics. It maps errors to status codes and JSON in one place (errors.go).
package server

import (
	"log/slog"
	"net/http"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
)

// Options configure the HTTP handler.
type Options struct {
	Engine  *engine.Engine
	Store   *store.Store
	Apps    *outbound.Apps
	Vault   *outbound.Vault
	APIKeys *outbound.APIKeys
	Logger  *slog.Logger
	// ManagementKeys protect management and credential routes (Authorization: Bearer <key>).
	ManagementKeys []string
	// PublicURL is the externally visible base URL of the server.
	PublicURL string
	// MaxBodyBytes limits request bodies (default 1 MiB).
	MaxBodyBytes int64
}

// Server is the HTTP handler.
type Server struct {
	opts Options
	log  *slog.Logger
	mux  *http.ServeMux
}

// New returns the handler.
func New(opts Options) *Server {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Server{opts: opts, log: log, mux: http.NewServeMux()}
	s.routes()
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.HandleFunc("GET /v1/flows", s.listFlows)
	s.mux.HandleFunc("GET /v1/flows/{flowId}", s.getFlow)
	s.mux.HandleFunc("POST /v1/flows/{flowId}/start", s.startFlow)
	s.mux.HandleFunc("POST /v1/executions/{executionId}/next", s.next)
	s.mux.HandleFunc("GET /v1/executions/{executionId}", s.getExecution)
	s.mux.HandleFunc("GET /v1/executions/{executionId}/events", s.events)
	s.appRoutes()
	s.connectionRoutes()
	s.apikeyRoutes()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errNotFound("no such route: "+r.Method+" "+r.URL.Path))
	})
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("handler panicked", "method", r.Method, "path", r.URL.Path, "panic", v)
			writeJSON(w, http.StatusInternalServerError, errorBody{Error: apiError{Code: "internal", Message: "internal error"}})
		}
	}()
	s.mux.ServeHTTP(w, r)
}
