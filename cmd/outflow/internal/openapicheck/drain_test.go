package openapicheck

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/outflowhq/outflow/server"
)

// A draining server (Server.Drain, which `serve --drain-delay` calls when told to stop) answers
// /readyz with a 503 the document declares, and every other route as before.
func TestDrainingAnswersMatchTheOpenAPIDocument(t *testing.T) {
	c := newContract(t)
	srv, err := server.New(server.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	srv.Drain()
	ready := send(t, "GET", ts.URL+"/readyz", "", nil)
	if ready.status != http.StatusServiceUnavailable {
		t.Fatalf("/readyz of a draining server: %d %s, want 503", ready.status, ready.body)
	}
	c.check(t, operation{"GET", "/readyz"}, ready)
	health := send(t, "GET", ts.URL+"/healthz", "", nil)
	if health.status != http.StatusOK {
		t.Fatalf("/healthz of a draining server: %d %s, want 200", health.status, health.body)
	}
	c.check(t, operation{"GET", "/healthz"}, health)
}
