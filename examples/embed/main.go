// Command embed is an auth server that embeds Outflow: it builds an action registry with the
// built-in kinds plus its own `risk.score`, loads its flows, and mounts Outflow's HTTP handler under
// /outflow/ beside its own routes, with its public URL ending in /outflow (PUBLIC_URL, default
// http://localhost:8081/outflow). Run it with `go run ./examples/embed`.
package main

import (
	"context"
	"log"
	"log/slog"
	"net/http"
	"os"
	"os/signal"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/builtin"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/examples/embed/risk"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	// State lives in Redis; "" runs the embedded in-memory one.
	st, err := store.Open(ctx, store.Options{URL: os.Getenv("REDIS_URL")})
	if err != nil {
		return err
	}
	defer st.Close()

	eng, reg, err := newEngine(st)
	if err != nil {
		return err
	}
	loaded, err := flows.NewLoader(reg).LoadDir("examples/embed/flows")
	if err != nil {
		return err // every problem in every file, as file:line:col
	}
	for _, f := range loaded {
		if err := eng.AddFlow(ctx, f); err != nil {
			return err
		}
	}

	// Outflow's links, redirects, forms and cookie live under the path of its public URL, where
	// the host mounts it.
	publicURL := os.Getenv("PUBLIC_URL")
	if publicURL == "" {
		publicURL = "http://localhost:8081/outflow"
	}
	mux, err := newMux(eng, st, publicURL, os.Getenv("MANAGEMENT_KEY"))
	if err != nil {
		return err
	}
	slog.Info("listening on :8081; Outflow is mounted under /outflow/", "publicURL", publicURL)
	srv := &http.Server{Addr: ":8081", Handler: mux}
	go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// newMux is the host's router: its own routes, and Outflow's handler under /outflow/ with
// PublicURL saying so (publicURL ends in /outflow). Without a management key, the management
// routes are closed.
func newMux(eng *engine.Engine, st *store.Store, publicURL, managementKey string) (*http.ServeMux, error) {
	var keys []string
	if managementKey != "" {
		keys = []string{managementKey}
	}
	outflow, err := server.New(server.Options{Engine: eng, Store: st, ManagementKeys: keys, PublicURL: publicURL})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("the host's own login page\n"))
	})
	mux.Handle("/outflow/", http.StripPrefix("/outflow", outflow))
	return mux, nil
}

// newEngine wires the registry: built-in kinds with one call, then the host's own.
func newEngine(st *store.Store) (*engine.Engine, *actions.Registry, error) {
	reg := actions.NewRegistry()
	if err := builtin.Register(reg, builtin.Deps{}); err != nil {
		return nil, nil, err
	}
	if err := reg.Add(risk.Kind()); err != nil {
		return nil, nil, err
	}
	eng, err := engine.New(engine.Options{Store: st, Registry: reg})
	return eng, reg, err
}
