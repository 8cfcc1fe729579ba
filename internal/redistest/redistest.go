// Package redistest starts redis-server processes for tests that need more than one Redis: a
// master with replicas, Sentinels, a Cluster. Each listens on a free port of 127.0.0.1 and is
// killed when the test ends. Tests that use it run when a real Redis is asked for
// (OUTFLOW_TEST_REDIS_URL set, or OUTFLOW_REQUIRE_REDIS=1); they skip where redis-server is not
// installed, and fail there instead when OUTFLOW_REQUIRE_REDIS=1.
package redistest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Proc is a running redis-server (a data node or a Sentinel).
type Proc struct {
	t    testing.TB
	cmd  *exec.Cmd
	Port int
	log  *bytes.Buffer

	mu   sync.Mutex
	dead bool
}

// Addr is the process's host:port.
func (p *Proc) Addr() string { return "127.0.0.1:" + strconv.Itoa(p.Port) }

// Stop freezes the process (SIGSTOP): it keeps its connections and answers nothing.
func (p *Proc) Stop() { p.signal(syscall.SIGSTOP) }

// Cont wakes a stopped process (SIGCONT).
func (p *Proc) Cont() { p.signal(syscall.SIGCONT) }

// Kill ends the process at once (SIGKILL), as a crash would.
func (p *Proc) Kill() {
	p.signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
	p.mu.Lock()
	p.dead = true
	p.mu.Unlock()
}

func (p *Proc) signal(s syscall.Signal) {
	p.t.Helper()
	p.mu.Lock()
	dead := p.dead
	p.mu.Unlock()
	if dead {
		return
	}
	if err := p.cmd.Process.Signal(s); err != nil {
		p.t.Fatalf("redistest: signal %v to redis-server on %d: %v", s, p.Port, err)
	}
}

// Client is a client of this process alone, closed when the test ends.
func (p *Proc) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: p.Addr(), MaxRetries: -1})
	p.t.Cleanup(func() { c.Close() })
	return c
}

// binary returns the redis-server path. Like every test against a real Redis, the ones that
// start their own processes run only when one is asked for: OUTFLOW_TEST_REDIS_URL set, or
// OUTFLOW_REQUIRE_REDIS=1. Otherwise they skip, whatever is installed, so the README's test
// command runs on the embedded Redis alone on every machine. Asked for and missing, redis-server
// skips the test, or fails it under OUTFLOW_REQUIRE_REDIS=1.
func binary(t testing.TB) string {
	t.Helper()
	required := os.Getenv("OUTFLOW_REQUIRE_REDIS") == "1"
	if !required && os.Getenv("OUTFLOW_TEST_REDIS_URL") == "" {
		t.Skip("redistest: starts its own redis-server processes; runs when OUTFLOW_TEST_REDIS_URL is set or OUTFLOW_REQUIRE_REDIS=1")
	}
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if required {
			t.Fatalf("redistest: OUTFLOW_REQUIRE_REDIS=1 but redis-server is not installed (apt-get install redis-server)")
		}
		t.Skip("redistest: redis-server is not installed; install it (apt-get install redis-server) to run this test")
	}
	return path
}

// freePort returns a port nothing listens on now, and, for a Cluster node, whose bus port
// (port+10000) is free too.
func freePort(t testing.TB, withBus bool) int {
	t.Helper()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !withBus {
			return port
		}
		if port+10000 > 65535 {
			continue
		}
		bus, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+10000))
		if err != nil {
			continue
		}
		bus.Close()
		return port
	}
	t.Fatal("redistest: no free port")
	return 0
}

// start runs redis-server with a config file holding conf (and port, bind, dir) plus args, and
// waits until it answers PING.
func start(t testing.TB, conf string, withBus bool, args ...string) *Proc {
	t.Helper()
	bin := binary(t)
	var lastErr error
	for range 3 {
		port := freePort(t, withBus)
		dir := t.TempDir()
		file := filepath.Join(dir, "redis.conf")
		full := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsave \"\"\nappendonly no\n%s", port, dir, conf)
		if err := os.WriteFile(file, []byte(full), 0o600); err != nil {
			t.Fatal(err)
		}
		p := &Proc{t: t, Port: port, log: &bytes.Buffer{}}
		p.cmd = exec.Command(bin, append([]string{file}, args...)...)
		p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			p.mu.Lock()
			dead := p.dead
			p.mu.Unlock()
			if !dead {
				_ = p.cmd.Process.Signal(syscall.SIGCONT)
				_ = p.cmd.Process.Kill()
				_ = p.cmd.Wait()
			}
		})
		if lastErr = waitPing(p.Addr(), 10*time.Second); lastErr == nil {
			return p
		}
		p.Kill()
	}
	t.Fatalf("redistest: redis-server did not start: %v", lastErr)
	return nil
}

func waitPing(addr string, d time.Duration) error {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	return Eventually(d, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return c.Ping(ctx).Err()
	})
}

// Eventually calls fn until it returns nil or d has passed, and returns its last error.
func Eventually(d time.Duration, fn func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := fn()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
