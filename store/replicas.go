package store

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// replicaCheckEvery is how long a master's replica count is trusted before it is asked again. A
// replica that attaches is waited for within this long; one that goes away is noticed at once by a
// write that times out waiting for it.
const replicaCheckEvery = time.Second

// replicaWatch caches how many replicas each master has (INFO replication's connected_slaves),
// so that a write on a master without replicas never waits and costs nothing more.
type replicaWatch struct {
	log *slog.Logger
	now func() time.Time

	mu     sync.Mutex
	nodes  map[string]*replicaCount
	warned bool // by master address; "" for a single client, or Sentinel's current master
}

type replicaCount struct {
	n        int
	at       time.Time
	known    bool
	checking bool
}

func newReplicaWatch(log *slog.Logger) *replicaWatch {
	return &replicaWatch{log: log, now: time.Now, nodes: map[string]*replicaCount{}}
}

// count returns how many replicas the master behind c has. A fresh count comes from the cache;
// a stale one is refreshed by one caller while the others use it; without any, the caller asks.
func (w *replicaWatch) count(ctx context.Context, addr string, c *redis.Client) (int, error) {
	w.mu.Lock()
	rc := w.nodes[addr]
	if rc == nil {
		rc = &replicaCount{}
		w.nodes[addr] = rc
	}
	if rc.known && (rc.checking || w.now().Sub(rc.at) < replicaCheckEvery) {
		n := rc.n
		w.mu.Unlock()
		return n, nil
	}
	rc.checking = true
	w.mu.Unlock()

	n, err := w.ask(ctx, c)

	w.mu.Lock()
	defer w.mu.Unlock()
	rc.checking = false
	if err != nil {
		return 0, err
	}
	rc.n, rc.at, rc.known = n, w.now(), true
	return n, nil
}

// forget makes the next write to addr ask again: its replicas may have gone.
func (w *replicaWatch) forget(addr string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if rc := w.nodes[addr]; rc != nil {
		rc.at = time.Time{}
	}
}

// ask reads connected_slaves from the master. A server that answers INFO with an error (a Redis
// look-alike, a user without the right to INFO) is taken to have no replicas, and said so once.
func (w *replicaWatch) ask(ctx context.Context, c *redis.Client) (int, error) {
	info, err := c.Info(ctx, "replication").Result()
	if err != nil {
		if unavailable(ctx, err) || ctx.Err() != nil {
			return 0, wrapErr(ctx, err, "count replicas")
		}
		w.mu.Lock()
		warn := !w.warned
		w.warned = true
		w.mu.Unlock()
		if warn {
			w.log.Warn("store: cannot count the master's replicas (INFO replication), so writes do not wait for one", slog.Any("error", err))
		}
		return 0, nil
	}
	return connectedReplicas(info), nil
}

// connectedReplicas reads connected_slaves from an INFO replication answer (0 when absent).
func connectedReplicas(info string) int {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "connected_slaves:"); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}
