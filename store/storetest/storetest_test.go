package storetest_test

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// fakeTB records how a helper ends a test instead of ending the real one.
type fakeTB struct {
	testing.TB
	mu       sync.Mutex
	fatal    string
	skip     string
	cleanups []func()
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatal = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.mu.Lock()
	f.skip = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}
func (f *fakeTB) Errorf(format string, args ...any) { f.Fatalf(format, args...) }
func (f *fakeTB) Cleanup(fn func())                 { f.cleanups = append(f.cleanups, fn) }

func (f *fakeTB) cleanup() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

// runReal calls storetest.Real with a fake TB and reports how it ended.
func runReal(t *testing.T) (*fakeTB, *store.Store) {
	f := &fakeTB{TB: t}
	var s *store.Store
	done := make(chan struct{})
	go func() {
		defer close(done)
		s = storetest.Real(f)
	}()
	<-done
	return f, s
}

func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestRealSkipsWithoutURL(t *testing.T) {
	t.Setenv(storetest.EnvRedisURL, "")
	t.Setenv(storetest.EnvRequireRedis, "")
	f, s := runReal(t)
	if s != nil || f.skip == "" || f.fatal != "" {
		t.Fatalf("store=%v skip=%q fatal=%q; want a skip", s, f.skip, f.fatal)
	}
}

func TestRealFailsWhenRequiredAndUnset(t *testing.T) {
	t.Setenv(storetest.EnvRedisURL, "")
	t.Setenv(storetest.EnvRequireRedis, "1")
	f, _ := runReal(t)
	if f.fatal == "" || f.skip != "" {
		t.Fatalf("skip=%q fatal=%q; want a failure", f.skip, f.fatal)
	}
	if !strings.Contains(f.fatal, "OUTFLOW_TEST_REDIS_URL=redis://") {
		t.Errorf("failure %q does not say how to fix it", f.fatal)
	}
}

func TestRealFailsWhenUnreachable(t *testing.T) {
	t.Setenv(storetest.EnvRedisURL, "redis://"+closedAddr(t)+"/0?max_retries=-1")
	t.Setenv(storetest.EnvRequireRedis, "1")
	f, _ := runReal(t)
	if f.fatal == "" || !strings.Contains(f.fatal, "start Redis") {
		t.Fatalf("fatal=%q skip=%q; want a failure saying how to fix it", f.fatal, f.skip)
	}
}

func TestRealUsesItsOwnPrefixAndCleansUp(t *testing.T) {
	mr := miniredis.RunT(t)
	t.Setenv(storetest.EnvRedisURL, "redis://"+mr.Addr()+"/0")
	t.Setenv(storetest.EnvRequireRedis, "1")
	mr.Set("someone:else", "keep me")

	f1, s1 := runReal(t)
	f2, s2 := runReal(t)
	if s1 == nil || s2 == nil {
		t.Fatalf("Real failed: %q %q", f1.fatal, f2.fatal)
	}
	if s1.Keys().Prefix() == s2.Keys().Prefix() || s1.Keys().Prefix() == "of" {
		t.Fatalf("prefixes %q and %q are not unique", s1.Keys().Prefix(), s2.Keys().Prefix())
	}
	ctx := context.Background()
	for i := range 600 {
		if err := s1.SetValue(ctx, s1.Keys().Execution(fmt.Sprint(i)), []byte("x"), 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s2.SetValue(ctx, s2.Keys().Execution("mine"), []byte("x"), 0); err != nil {
		t.Fatal(err)
	}
	f1.cleanup()
	if f1.fatal != "" {
		t.Fatalf("cleanup failed: %s", f1.fatal)
	}
	keys := mr.Keys()
	if len(keys) != 2 || !mr.Exists("someone:else") || !mr.Exists(s2.Keys().Execution("mine")) {
		t.Fatalf("after cleanup of the first store, keys = %q; want only the other store's and the foreign key", keys)
	}
	f2.cleanup()
}

func TestNewIsFreshAndClosed(t *testing.T) {
	t.Parallel()
	var s *store.Store
	t.Run("inner", func(t *testing.T) {
		s = storetest.New(t)
		if !s.Embedded() {
			t.Fatal("New is not embedded")
		}
		if err := s.SetValue(context.Background(), s.Keys().Execution("e"), []byte("x"), 0); err != nil {
			t.Fatal(err)
		}
		if other := storetest.New(t); other.Client() == s.Client() {
			t.Fatal("two New stores share a client")
		}
	})
	if err := s.Ping(context.Background()); err == nil {
		t.Fatal("store still open after its test ended")
	}
}

func TestCountRoundTrips(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	c := storetest.CountRoundTrips(s)
	ctx := context.Background()
	_ = s.SetValue(ctx, "a", []byte("1"), 0)
	_, _ = s.GetValue(ctx, "a")
	if n := c.Count(); n != 2 {
		t.Fatalf("two commands counted as %d", n)
	}
	c.Reset()
	_, err := s.Client().Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Get(ctx, "a")
		p.Get(ctx, "b")
		p.Get(ctx, "c")
		return nil
	})
	if err != nil && err != redis.Nil {
		t.Fatal(err)
	}
	if n := c.Count(); n != 1 {
		t.Fatalf("a pipeline of three counted as %d", n)
	}
}

func TestForEachBackend(t *testing.T) {
	t.Setenv(storetest.EnvRedisURL, "")
	t.Setenv(storetest.EnvRequireRedis, "")
	var ran []string
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ran = append(ran, t.Name())
	})
	if len(ran) != 1 || !strings.HasSuffix(ran[0], "/embedded") {
		t.Fatalf("ran %q; want the embedded subtest only", ran)
	}
}

func TestAnotherSharesTheDataNotTheClient(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		other := storetest.Another(t, s)
		if other.Client() == s.Client() || other.Keys().Prefix() != s.Keys().Prefix() {
			t.Fatalf("Another: client shared %v, prefix %q; want its own client under %q",
				other.Client() == s.Client(), other.Keys().Prefix(), s.Keys().Prefix())
		}
		ctx := context.Background()
		key := s.Keys().Execution("shared")
		if err := s.SetValue(ctx, key, []byte("x"), 0); err != nil {
			t.Fatal(err)
		}
		if got, err := other.GetValue(ctx, key); err != nil || string(got) != "x" {
			t.Fatalf("the second store reads %q, %v; want what the first wrote", got, err)
		}
	})
}

func TestAnotherOfAnUnknownStoreFails(t *testing.T) {
	t.Setenv(storetest.EnvRedisURL, "")
	mr := miniredis.RunT(t)
	s, err := store.NewFromClient(redis.NewClient(&redis.Options{Addr: mr.Addr()}), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() { // Fatalf ends the goroutine, as it ends a test
		defer close(done)
		storetest.Another(f, s)
	}()
	<-done
	f.cleanup()
	if !strings.Contains(f.fatal, "needs a store from New, or from Real") {
		t.Fatalf("Another of a store from elsewhere: %q", f.fatal)
	}
}
