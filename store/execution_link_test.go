package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// An execution's one-time link is deleted by the write that finishes it, and only by that one; a
// link for a missing execution leaves no record behind.
func TestExecutionLinkGoesWithTheFinishingWrite(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		hash := strings.Repeat("ab", 32)
		linkKey := s.Keys().BrowserLink(hash)
		if err := s.CreateExecution(ctx, store.ExecutionCreate{ID: "x1", Data: []byte(`{}`), Nonce: "n1", TTL: time.Hour}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutExecutionLink(ctx, "x1", hash, []byte(`{"executionId":"x1"}`), time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.PutExecutionLink(ctx, "x1", "not hex", []byte(`{}`), time.Minute); err == nil {
			t.Error("a token hash that is not hex was kept")
		}
		step := func(nonce string, drop bool) {
			t.Helper()
			x, claim, err := s.ClaimExecution(ctx, "x1", nonce, time.Minute)
			if err != nil || claim == "" || x.Link != hash {
				t.Fatalf("claim: %v %q link %q, want %q", err, claim, x.Link, hash)
			}
			u := store.ExecutionUpdate{ID: "x1", Rev: x.Rev, Claim: claim, Data: []byte(`{}`), Nonce: "n2", TTL: time.Hour}
			if drop {
				u.DropLink = x.Link
			}
			if _, err := s.UpdateExecution(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		step("n1", false)
		if n, _ := s.Client().Exists(ctx, linkKey).Result(); n != 1 {
			t.Fatal("a write that does not finish the execution deleted its link")
		}
		step("n2", true)
		if n, _ := s.Client().Exists(ctx, linkKey).Result(); n != 0 {
			t.Error("the finishing write left the link")
		}
		if v, _ := s.Client().HGet(ctx, s.Keys().Execution("x1"), "link").Result(); v != "" {
			t.Error("the finished execution still names its link")
		}

		other := strings.Repeat("cd", 32)
		if err := s.PutExecutionLink(ctx, "missing", other, []byte(`{}`), time.Minute); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.Client().Exists(ctx, s.Keys().Execution("missing")).Result(); n != 0 {
			t.Error("a link made a record for a missing execution")
		}
	})
}
