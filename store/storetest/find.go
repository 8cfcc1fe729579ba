package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/store"
)

// Find scans every key of s (its prefix only) and every value in them — strings, hashes, lists,
// sets, sorted sets and streams — and returns the keys whose name or content contains needle. Tests
// use it to prove that no secret reaches Redis in plain text, so it is strict: a key of a type it
// cannot read fails the test rather than pass unread.
func Find(t testing.TB, s *store.Store, needle string) []string {
	t.Helper()
	ctx := context.Background()
	c := s.Client()
	var hits []string
	err := s.Scan(ctx, s.Keys().Pattern(), func(key string) error {
		var values []string
		typ, err := c.Type(ctx, key).Result()
		if err != nil {
			return err
		}
		switch typ {
		case "string":
			v, err := c.Get(ctx, key).Result()
			if err != nil {
				return err
			}
			values = append(values, v)
		case "hash":
			m, err := c.HGetAll(ctx, key).Result()
			if err != nil {
				return err
			}
			for k, v := range m {
				values = append(values, k, v)
			}
		case "list":
			l, err := c.LRange(ctx, key, 0, -1).Result()
			if err != nil {
				return err
			}
			values = append(values, l...)
		case "set":
			m, err := c.SMembers(ctx, key).Result()
			if err != nil {
				return err
			}
			values = append(values, m...)
		case "zset":
			m, err := c.ZRange(ctx, key, 0, -1).Result()
			if err != nil {
				return err
			}
			values = append(values, m...)
		case "stream":
			entries, err := c.XRange(ctx, key, "-", "+").Result()
			if err != nil {
				return err
			}
			for _, e := range entries {
				for k, v := range e.Values {
					values = append(values, k)
					if sv, ok := v.(string); ok {
						values = append(values, sv)
					}
				}
			}
		case "none":
			return nil // gone since the scan listed it
		default:
			return fmt.Errorf("key %s has type %s, which Find cannot read", key, typ)
		}
		if strings.Contains(key, needle) {
			hits = append(hits, key)
			return nil
		}
		for _, v := range values {
			if strings.Contains(v, needle) {
				hits = append(hits, key)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("scan Redis: %v", err)
	}
	return hits
}
