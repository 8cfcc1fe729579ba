package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// refusals are error replies of a Redis that is up and cannot serve for now: out of memory, a
// replica during a failover, loading, a cluster or a master down, a slot moving, a disk it
// cannot write, a transaction aborted because Redis refused one of its commands.
var refusals = []string{
	"OOM command not allowed when used memory > 'maxmemory'.",
	"READONLY You can't write against a read only replica.",
	"EXECABORT Transaction discarded because of previous errors.",
	"LOADING Redis is loading the dataset in memory",
	"MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
	"CLUSTERDOWN The cluster is down",
	"TRYAGAIN Multiple keys request during rehashing of slot",
	"MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
	"NOREPLICAS Not enough good replicas to write.",
	"ERR Error running script (call to f_0123): @user_script:1: @user_script: 1: -OOM command not allowed when used memory > 'maxmemory'.",
}

// Every call Redis refuses that way fails with ErrUnavailable, whatever its kind: a command, a
// script, a transaction.
func TestRefusalsOfARedisThatCannotServeAreUnavailability(t *testing.T) {
	t.Parallel()
	for _, reply := range refusals {
		s, err := store.Open(context.Background(), store.Options{URL: "redis://" + storetest.Refusing(t, reply) + "/0"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		ctx := context.Background()
		k := s.Keys()
		for name, call := range map[string]func() error{
			"command": func() error { return s.SetValue(ctx, k.App("a"), []byte("x"), 0) },
			"script":  func() error { _, err := s.Put(ctx, k.App("a"), 0, []byte("{}"), 0); return err },
			"transaction": func() error {
				_, _, err := s.GetWith(ctx, k.APIKeys("user", "u", "a"), k.APIKeyPrevious("user", "u", "a"))
				return err
			},
		} {
			if err := call(); !errors.Is(err, store.ErrUnavailable) {
				t.Errorf("%s refused with %q: %v, want ErrUnavailable", name, reply, err)
			}
		}
	}
}
