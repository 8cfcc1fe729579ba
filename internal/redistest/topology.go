package redistest

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server starts a lone redis-server.
func Server(t testing.TB) *Proc {
	t.Helper()
	return start(t, "", false)
}

// Replica starts a replica of master and waits until it is in sync.
func Replica(t testing.TB, master *Proc) *Proc {
	t.Helper()
	r := start(t, fmt.Sprintf("replicaof 127.0.0.1 %d\n", master.Port), false)
	c := r.Client()
	err := Eventually(20*time.Second, func() error {
		info, err := c.Info(context.Background(), "replication").Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "master_link_status:up") {
			return fmt.Errorf("replica on %d not in sync with %d", r.Port, master.Port)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	master.confirmed(t)
	return r
}

// SentinelGroup is a master, its replica and Sentinels watching them as MasterName.
type SentinelGroup struct {
	Master, Replica *Proc
	Sentinels       []*Proc
}

// MasterName is the name the Sentinels know the master by.
const MasterName = "mymaster"

// Sentinels starts a master, a replica and n Sentinels (quorum 2), which see a master down after
// a second, and waits until every Sentinel knows the replica and the other Sentinels.
func Sentinels(t testing.TB, n int) *SentinelGroup {
	t.Helper()
	g := &SentinelGroup{Master: Server(t)}
	g.Replica = Replica(t, g.Master)
	conf := fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 2\nsentinel down-after-milliseconds %s 1000\nsentinel failover-timeout %s 10000\n",
		MasterName, g.Master.Port, MasterName, MasterName)
	for range n {
		g.Sentinels = append(g.Sentinels, start(t, conf, false, "--sentinel"))
	}
	for _, s := range g.Sentinels {
		c := s.Client()
		err := Eventually(30*time.Second, func() error {
			m, err := c.Do(context.Background(), "sentinel", "master", MasterName).Result()
			if err != nil {
				return err
			}
			fields := flat(m)
			if fields["num-slaves"] != "1" || fields["num-other-sentinels"] != strconv.Itoa(n-1) {
				return fmt.Errorf("sentinel on %d: %d replicas, %s other sentinels", s.Port, 0, fields["num-other-sentinels"])
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// URL is the redis+sentinel:// URL of the group, with the query query (may be "").
func (g *SentinelGroup) URL(query string) string {
	hosts := make([]string, len(g.Sentinels))
	for i, s := range g.Sentinels {
		hosts[i] = s.Addr()
	}
	u := "redis+sentinel://" + strings.Join(hosts, ",") + "/" + MasterName
	if query != "" {
		u += "?" + query
	}
	return u
}

// flat reads a RESP2 field/value list or a RESP3 map into strings.
func flat(v any) map[string]string {
	out := map[string]string{}
	switch m := v.(type) {
	case []any:
		for i := 0; i+1 < len(m); i += 2 {
			out[fmt.Sprint(m[i])] = fmt.Sprint(m[i+1])
		}
	case map[any]any:
		for k, v := range m {
			out[fmt.Sprint(k)] = fmt.Sprint(v)
		}
	}
	return out
}

// Cluster is a Redis Cluster of masters, each with one replica.
type Cluster struct {
	Masters, Replicas []*Proc
}

// NewCluster starts a Cluster of n masters, each with a replica, whose nodes see a node down after
// a second, and waits until every slot is served and every replica is in sync. It needs redis-cli.
func NewCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		binary(t)
		t.Fatal("redistest: redis-cli is needed to create a cluster (apt-get install redis-tools)")
	}
	conf := "cluster-enabled yes\ncluster-config-file nodes.conf\ncluster-node-timeout 1000\ncluster-replica-validity-factor 0\n"
	var procs []*Proc
	var addrs []string
	for range 2 * n {
		p := start(t, conf, true)
		procs = append(procs, p)
		addrs = append(addrs, p.Addr())
	}
	out, err := exec.Command(cli, append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "1", "--cluster-yes")...).CombinedOutput()
	if err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	c := &Cluster{}
	err = Eventually(30*time.Second, func() error {
		c.Masters, c.Replicas = nil, nil
		for _, p := range procs {
			cl := p.Client()
			info, err := cl.ClusterInfo(context.Background()).Result()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "cluster_state:ok") {
				return fmt.Errorf("node %d: cluster not ok", p.Port)
			}
			repl, err := cl.Info(context.Background(), "replication").Result()
			if err != nil {
				return err
			}
			switch {
			case strings.Contains(repl, "role:master") && strings.Contains(repl, "connected_slaves:1"):
				c.Masters = append(c.Masters, p)
			case strings.Contains(repl, "role:slave") && strings.Contains(repl, "master_link_status:up"):
				c.Replicas = append(c.Replicas, p)
			default:
				return fmt.Errorf("node %d not settled", p.Port)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range c.Masters {
		m.confirmed(t)
	}
	return c
}

// confirmed waits until a write on p, a master, is confirmed by a replica: a replica that has
// just synced may take a while to confirm its first write.
func (p *Proc) confirmed(t testing.TB) {
	t.Helper()
	key := p.KeyHere(t)
	c := p.Client()
	err := Eventually(20*time.Second, func() error {
		var wait *redis.Cmd
		_, err := c.Pipelined(context.Background(), func(pipe redis.Pipeliner) error {
			pipe.Set(context.Background(), key, "", time.Minute)
			wait = pipe.Do(context.Background(), "wait", 1, 1000)
			return nil
		})
		if n, _ := wait.Int64(); err != nil || n < 1 {
			return fmt.Errorf("no replica of %d confirms a write (%v)", p.Port, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ReplicaOf returns the replica of master.
func (c *Cluster) ReplicaOf(t testing.TB, master *Proc) *Proc {
	t.Helper()
	for _, r := range c.Replicas {
		info, err := r.Client().Info(context.Background(), "replication").Result()
		if err == nil && strings.Contains(info, "master_port:"+strconv.Itoa(master.Port)+"\r\n") {
			return r
		}
	}
	t.Fatalf("redistest: no replica of %d", master.Port)
	return nil
}

// URL is the redis+cluster:// URL of the cluster, with the query query (may be "").
func (c *Cluster) URL(query string) string {
	var hosts []string
	for _, p := range c.Masters {
		hosts = append(hosts, p.Addr())
	}
	u := "redis+cluster://" + strings.Join(hosts, ",")
	if query != "" {
		u += "?" + query
	}
	return u
}

// KeyHere returns a key the process serves itself: any key on a lone node, one of its own slots
// on a Cluster master.
func (p *Proc) KeyHere(t testing.TB) string {
	t.Helper()
	c := p.Client()
	for i := range 10000 {
		key := "redistest-" + strconv.Itoa(i)
		err := c.Set(context.Background(), key, "", time.Minute).Err()
		if err == nil {
			return key
		}
		if !strings.HasPrefix(err.Error(), "MOVED") {
			t.Fatal(err)
		}
	}
	t.Fatal("redistest: no key found for this node")
	return ""
}
