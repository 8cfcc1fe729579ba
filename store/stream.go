package store

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// StreamEntry is one entry of a Redis stream.
type StreamEntry struct {
	ID     string
	Fields map[string]string
}

// Publish appends an entry to stream and returns its id. With maxLen > 0 the stream is capped
// near maxLen entries (XADD MAXLEN ~: Redis trims in whole nodes, so it may briefly hold a few
// more); 0 means no cap.
func (s *Store) Publish(ctx context.Context, stream string, maxLen int64, fields map[string]string) (string, error) {
	if len(fields) == 0 {
		return "", fmt.Errorf("store: publish to %q: an entry needs at least one field", stream)
	}
	vals := make(map[string]any, len(fields))
	for k, v := range fields {
		vals[k] = v
	}
	args := &redis.XAddArgs{Stream: stream, Values: vals}
	if maxLen > 0 {
		args.MaxLen, args.Approx = maxLen, true
	}
	id, err := s.client.XAdd(ctx, args).Result()
	if err != nil {
		return "", wrapErr(ctx, err, "publish to %q", stream)
	}
	return id, nil
}

// ReadStream returns up to count entries (count <= 0: all) with ids after afterID ("" reads from
// the start), oldest first. It never blocks; a missing stream is empty. Pass the last entry's id as
// afterID to read on.
func (s *Store) ReadStream(ctx context.Context, stream, afterID string, count int64) ([]StreamEntry, error) {
	start := "-"
	if afterID != "" {
		start = "(" + afterID
	}
	var (
		msgs []redis.XMessage
		err  error
	)
	if count > 0 {
		msgs, err = s.client.XRangeN(ctx, stream, start, "+", count).Result()
	} else {
		msgs, err = s.client.XRange(ctx, stream, start, "+").Result()
	}
	if err != nil {
		return nil, wrapErr(ctx, err, "read stream %q after %q", stream, afterID)
	}
	out := make([]StreamEntry, len(msgs))
	for i, m := range msgs {
		f := make(map[string]string, len(m.Values))
		for k, v := range m.Values {
			f[k] = fmt.Sprint(v)
		}
		out[i] = StreamEntry{ID: m.ID, Fields: f}
	}
	return out, nil
}
