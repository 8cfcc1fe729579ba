package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestStreams(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		stream := s.Keys().EventStream(0)

		if got, err := s.ReadStream(ctx, stream, "", 10); err != nil || len(got) != 0 {
			t.Fatalf("ReadStream on a missing stream = %v, %v; want empty", got, err)
		}
		var ids []string
		for i := range 5 {
			id, err := s.Publish(ctx, stream, 0, map[string]string{"type": "step", "n": fmt.Sprint(i)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		first, err := s.ReadStream(ctx, stream, "", 2)
		if err != nil || len(first) != 2 || first[0].ID != ids[0] || first[1].Fields["n"] != "1" || first[0].Fields["type"] != "step" {
			t.Fatalf("first page = %+v, %v", first, err)
		}
		rest, err := s.ReadStream(ctx, stream, first[1].ID, 0)
		if err != nil || len(rest) != 3 || rest[0].ID != ids[2] || rest[2].ID != ids[4] {
			t.Fatalf("rest = %+v, %v", rest, err)
		}
		if tail, err := s.ReadStream(ctx, stream, ids[4], 10); err != nil || len(tail) != 0 {
			t.Fatalf("after the last id = %+v, %v; want empty", tail, err)
		}
		if _, err := s.Publish(ctx, stream, 0, nil); err == nil {
			t.Fatal("Publish with no fields accepted")
		}
	})
}

func TestStreamCap(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		stream := s.Keys().EventStream(0)
		// Approximate trimming works in whole nodes (100 entries by default), so publish well past
		// the cap and check the stream stays near it rather than growing without bound.
		const maxLen, published = 100, 1000
		for i := range published {
			if _, err := s.Publish(ctx, stream, maxLen, map[string]string{"n": fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
		all, err := s.ReadStream(ctx, stream, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) < maxLen || len(all) > 3*maxLen {
			t.Fatalf("stream holds %d entries after %d publishes capped at ~%d", len(all), published, maxLen)
		}
		if last := all[len(all)-1].Fields["n"]; last != fmt.Sprint(published-1) {
			t.Fatalf("newest entry n=%s, want %d", last, published-1)
		}
	})
}
