package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestExecutionClaims(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.CreateExecution(ctx, store.ExecutionCreate{ID: "x1", Data: []byte(`{"v":1}`), Nonce: "n1", TTL: time.Minute, Events: [][]byte{[]byte("e1")}, MaxEvents: 10}); err != nil {
			t.Fatal(err)
		}
		if _, tok, err := s.ClaimExecution(ctx, "x1", "wrong", time.Minute); err != nil || tok != "" {
			t.Fatalf("claim with a wrong nonce: %q %v", tok, err)
		}
		x, tok, err := s.ClaimExecution(ctx, "x1", "n1", time.Minute)
		if err != nil || tok == "" || x.Rev != 1 || string(x.Data) != `{"v":1}` {
			t.Fatalf("claim: %+v %q %v", x, tok, err)
		}
		if _, again, _ := s.ClaimExecution(ctx, "x1", store.AnyNonce, time.Minute); again != "" {
			t.Fatal("a held claim was claimed again")
		}
		// Only the holder writes or releases.
		if _, err := s.UpdateExecution(ctx, store.ExecutionUpdate{ID: "x1", Rev: 1, Claim: "not-the-token", Data: []byte(`{"v":2}`), Nonce: "n2", TTL: time.Minute, MaxEvents: 10}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("update without the claim: %v", err)
		}
		if err := s.ReleaseExecution(ctx, "x1", "not-the-token"); err != nil {
			t.Fatal(err)
		}
		if _, again, _ := s.ClaimExecution(ctx, "x1", "n1", time.Minute); again != "" {
			t.Fatal("a stranger released the claim")
		}
		rev, err := s.UpdateExecution(ctx, store.ExecutionUpdate{ID: "x1", Rev: 1, Claim: tok, Data: []byte(`{"v":2}`), Nonce: "n2", TTL: time.Minute,
			Events: [][]byte{[]byte("e2")}, MaxEvents: 10})
		if err != nil || rev != 2 {
			t.Fatalf("update with the claim: %d %v", rev, err)
		}
		if log, _ := s.ExecutionEvents(ctx, "x1"); len(log) != 2 {
			t.Fatalf("events: %q", log)
		}
		// An abandoned claim ends by itself, in Redis's own time.
		_, held, _ := s.ClaimExecution(ctx, "x1", "n2", 200*time.Millisecond)
		if held == "" {
			t.Fatal("claim after the update failed")
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, tok, err := s.ClaimExecution(ctx, "x1", "n2", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if tok != "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("an abandoned claim never ended")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := s.UpdateExecution(ctx, store.ExecutionUpdate{ID: "x1", Rev: 2, Claim: held, Data: []byte(`{"v":3}`), TTL: time.Minute, MaxEvents: 10}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("the holder of an expired claim wrote: %v", err)
		}
	})
}
