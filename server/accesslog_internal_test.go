package server

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A handler that panics with http.ErrAbortHandler aborts the response: the panic reaches
// net/http (which drops the connection quietly) instead of becoming a 500 page. Any other panic
// is a 500.
func TestAnAbortedHandlerStaysAborted(t *testing.T) {
	t.Parallel()
	s := mustNew(t, Options{Logger: slog.New(slog.DiscardHandler)})
	serve := func(v any) (w *httptest.ResponseRecorder, panicked any) {
		w = httptest.NewRecorder()
		defer func() { panicked = recover() }()
		s.observe(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(v) })).ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
		return w, nil
	}
	if w, p := serve(http.ErrAbortHandler); p != http.ErrAbortHandler || w.Body.Len() != 0 {
		t.Errorf("an aborted handler: panic %v, body %q; want the panic passed on and no body", p, w.Body.String())
	}
	if w, p := serve(errors.New("boom")); p != nil || w.Code != http.StatusInternalServerError {
		t.Errorf("a handler that panicked: panic %v, status %d; want a 500", p, w.Code)
	}
}
