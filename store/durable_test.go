package store_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/outflowhq/outflow/internal/redistest"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// openURL opens a store on url, closed when the test ends.
func openURL(t *testing.T, url string, opts store.Options) *store.Store {
	t.Helper()
	opts.URL, opts.Logger = url, slog.New(slog.DiscardHandler)
	s, err := store.Open(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// waits records the WAIT commands a store sends.
type waits struct {
	mu sync.Mutex
	n  int
}

func countWaits(s *store.Store) *waits {
	w := &waits{}
	s.Client().AddHook(w)
	return w
}

func (w *waits) count() int { w.mu.Lock(); defer w.mu.Unlock(); return w.n }

func (w *waits) see(cmds ...redis.Cmder) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range cmds {
		if strings.EqualFold(c.Name(), "wait") {
			w.n++
		}
	}
}

func (w *waits) DialHook(next redis.DialHook) redis.DialHook { return next }
func (w *waits) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { w.see(cmd); return next(ctx, cmd) }
}
func (w *waits) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { w.see(cmds...); return next(ctx, cmds) }
}

// writeAll makes one write of each kind that waits for a replica, and returns the first error.
func writeAll(ctx context.Context, s *store.Store, prefix string) error {
	if _, err := s.Create(ctx, prefix+"rec", []byte("v"), 0); err != nil {
		return err
	}
	if err := s.CreateExecution(ctx, store.ExecutionCreate{ID: prefix + "x1", Data: []byte("{}"), Nonce: "n1", TTL: time.Minute, Events: [][]byte{[]byte("e")}, MaxEvents: 10}); err != nil {
		return err
	}
	return s.SetValue(ctx, prefix+"val", []byte("v"), 0)
}

// Where no replica exists, writes are acknowledged at once and no WAIT is ever sent: on a lone
// redis-server, on the embedded Redis, and on a Redis look-alike that cannot tell its replicas.
func TestWritesWithoutReplicasNeverWait(t *testing.T) {
	t.Parallel()
	lone := redistest.Server(t)
	mini := miniredis.RunT(t)
	embedded, err := store.Open(t.Context(), store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { embedded.Close() })
	byClient, err := store.NewFromClient(redis.NewClient(&redis.Options{Addr: mini.Addr()}), store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*store.Store{
		"a lone redis-server": openURL(t, "redis://"+lone.Addr()+"/0", store.Options{}),
		"the embedded Redis":  embedded,
		"miniredis by client": byClient,
	} {
		w := countWaits(s)
		for i := range 3 {
			if err := writeAll(t.Context(), s, name+string(rune('a'+i))); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if w.count() != 0 {
			t.Errorf("%s: %d WAITs, want none where no replica exists", name, w.count())
		}
	}
}

// With a replica, a write returns only once the replica has it; one the replica cannot confirm in
// time is an error that matches ErrNotReplicated and ErrUnavailable (a 503), never a success.
func TestAWriteIsAcknowledgedOnlyOnceAReplicaHasIt(t *testing.T) {
	t.Parallel()
	master := redistest.Server(t)
	replica := redistest.Replica(t, master)
	s := openURL(t, "redis://"+master.Addr()+"/0?replica_timeout=300ms", store.Options{})
	w := countWaits(s)
	rc := replica.Client()
	for i := range 20 {
		key := s.Keys().Execution("ack" + string(rune('a'+i)))
		if err := s.CreateExecution(t.Context(), store.ExecutionCreate{ID: "ack" + string(rune('a'+i)), Data: []byte("{}"), Nonce: "n", TTL: time.Minute}); err != nil {
			t.Fatal(err)
		}
		if n, err := rc.Exists(t.Context(), key).Result(); err != nil || n != 1 {
			t.Fatalf("the replica lacks %s right after the write was acknowledged (%v)", key, err)
		}
	}
	if w.count() != 20 {
		t.Errorf("%d WAITs for 20 writes", w.count())
	}

	replica.Stop()
	defer replica.Cont()
	err := writeAll(t.Context(), s, "stalled")
	if !errors.Is(err, store.ErrNotReplicated) || !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("write with the replica stalled: %v, want ErrNotReplicated and ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), "no replica confirmed the write within 300ms") {
		t.Errorf("message %q does not say what happened", err)
	}
	replica.Cont()
	attempt := 0
	if err := redistest.Eventually(10*time.Second, func() error { attempt++; return writeAll(t.Context(), s, "resumed"+strconv.Itoa(attempt)) }); err != nil {
		t.Fatalf("writes after the replica resumed: %v", err)
	}

	// A replica that is gone is noticed: after at most a second of answers that say so, writes
	// no longer wait for one.
	replica.Kill()
	if err := redistest.Eventually(10*time.Second, func() error { attempt++; return writeAll(t.Context(), s, "gone"+strconv.Itoa(attempt)) }); err != nil {
		t.Fatalf("writes once the replica is gone: %v", err)
	}
	before := w.count()
	for i := range 3 {
		if err := writeAll(t.Context(), s, "alone"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	if w.count() != before {
		t.Errorf("%d WAITs once the master has no replica", w.count()-before)
	}
}

// With durability=tokens only the writes made under store.Durable wait: an execution is
// acknowledged by the master alone, a token is not.
func TestTokensOnlyDurabilityStillWaitsForTokens(t *testing.T) {
	t.Parallel()
	master := redistest.Server(t)
	replica := redistest.Replica(t, master)
	s := openURL(t, "redis://"+master.Addr()+"/0?durability=tokens&replica_timeout=200ms", store.Options{})
	replica.Stop()
	defer replica.Cont()
	if err := s.CreateExecution(t.Context(), store.ExecutionCreate{ID: "tok1", Data: []byte("{}"), Nonce: "n", TTL: time.Minute}); err != nil {
		t.Fatalf("an execution with durability=tokens: %v", err)
	}
	_, err := s.Put(store.Durable(t.Context()), s.Keys().Connection("tok1"), 0, []byte("sealed"), 0)
	if !errors.Is(err, store.ErrNotReplicated) {
		t.Fatalf("a token write with the replica stalled: %v, want ErrNotReplicated", err)
	}
}

func TestDurabilityOptionsAreChecked(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		opts store.Options
		want string
	}{
		"unknown mode in the URL":   {store.Options{URL: "redis://127.0.0.1:1/0?durability=some"}, "durability=some: use all or tokens"},
		"unknown mode in Options":   {store.Options{URL: "redis://127.0.0.1:1/0", Durability: "most"}, `unknown durability "most"`},
		"bad timeout":               {store.Options{URL: "redis://:pw@127.0.0.1:1/0?replica_timeout=soon"}, "replica_timeout=soon: want a positive duration"},
		"timeout past the command":  {store.Options{URL: "redis://127.0.0.1:1/0?replica_timeout=3s"}, "replica timeout 3s must be shorter than the command timeout 3s"},
		"negative timeout":          {store.Options{ReplicaTimeout: -time.Second}, "negative replica timeout"},
		"a bad mode for a sentinel": {store.Options{URL: "redis+sentinel://127.0.0.1:1/m?durability=x"}, "durability=x"},
	} {
		_, err := store.Open(t.Context(), c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "pw") {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

// On a Cluster whose masters have replicas, a write waits for the replica of the master that took
// it; the round-trip counter and the write refusal of storetest still see every write, which goes
// straight to that master's client.
func TestClusterWritesWaitOnTheirOwnMaster(t *testing.T) {
	t.Parallel()
	c := redistest.NewCluster(t, 3)
	s := openURL(t, c.URL("replica_timeout=300ms"), store.Options{})
	n := storetest.CountRoundTrips(s)
	for i := range 30 {
		id := "cl" + strconv.Itoa(i)
		n.Reset()
		if err := s.CreateExecution(t.Context(), store.ExecutionCreate{ID: id, Data: []byte("{}"), Nonce: "n", TTL: time.Minute}); err != nil {
			t.Fatal(err)
		}
		if n.Count() != 1 {
			t.Fatalf("a write counted as %d round trips, want 1", n.Count())
		}
	}
	r := storetest.RefuseWrites(s, s.Keys().Execution("refused"))
	if err := s.CreateExecution(t.Context(), store.ExecutionCreate{ID: "refused", Data: []byte("{}"), Nonce: "n", TTL: time.Minute}); !errors.Is(err, store.ErrUnavailable) || r.Refused() != 1 {
		t.Fatalf("a refused write: %v, %d refused", err, r.Refused())
	}
	master := c.Masters[0]
	replica := c.ReplicaOf(t, master)
	key := "{" + master.KeyHere(t) + "}:rec"
	replica.Stop()
	defer replica.Cont()
	_, err := s.Put(t.Context(), key, 0, []byte("v"), 0)
	if !errors.Is(err, store.ErrNotReplicated) {
		t.Fatalf("a write on the master whose replica is stalled: %v, want ErrNotReplicated", err)
	}
	other := "{" + c.Masters[1].KeyHere(t) + "}:rec"
	if _, err := s.Put(t.Context(), other, 0, []byte("v"), 0); err != nil {
		t.Fatalf("a write on another master: %v", err)
	}
}

// When a Cluster master dies and its replica takes over, nothing answers MOVED for its slots, and
// the client would go on dialling the dead address until its slot map grows old (a minute). A
// call that cannot reach its node makes the store reload the map, so the slots answer again
// within seconds of the promotion.
func TestClusterReadsFollowAPromotedReplica(t *testing.T) {
	t.Parallel()
	c := redistest.NewCluster(t, 3)
	s := openURL(t, c.URL(""), store.Options{})
	master := c.Masters[0]
	replica := c.ReplicaOf(t, master)
	key := "{" + master.KeyHere(t) + "}:promoted"
	if _, err := s.Put(t.Context(), key, 0, []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	master.Kill()
	if err := redistest.Eventually(30*time.Second, func() error {
		info, err := replica.Client().Info(t.Context(), "replication").Result()
		if err != nil || !strings.Contains(info, "role:master") {
			return fmt.Errorf("the replica is not promoted yet (%v)", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	promoted := time.Now()
	if err := redistest.Eventually(15*time.Second, func() error {
		rec, err := s.Get(t.Context(), key)
		if err == nil && string(rec.Data) != "v" {
			return fmt.Errorf("read %q", rec.Data)
		}
		return err
	}); err != nil {
		t.Fatalf("the promoted replica's slots still fail 15 s after the promotion: %v", err)
	}
	t.Logf("read again %s after the promotion", time.Since(promoted).Round(time.Millisecond))
}
