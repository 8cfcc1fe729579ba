package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/core"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/internal/redistest"
	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/store"
)

// failoverDurability is the store's durability in the failover tests: "all" (the default), or
// "tokens" to measure what is lost when executions do not wait for a replica (the test then
// reports the losses instead of failing on them).
func failoverDurability() string {
	if d := os.Getenv("OUTFLOW_FAILOVER_DURABILITY"); d != "" {
		return d
	}
	return string(store.DurableAll)
}

// Sentinel failover under load: 8 clients start flows over HTTP while the replica is stalled for
// half a second (SIGSTOP, the stall that made acknowledged executions get lost), woken, and the
// master is killed (SIGKILL). Every answer is 200 or 503 with Retry-After, and every execution
// acknowledged is intact on the promoted replica.
func TestSentinelFailoverKeepsEveryAcknowledgedExecution(t *testing.T) {
	t.Parallel()
	g := redistest.Sentinels(t, 3)
	d := newFailoverDrill(t, g.URL("durability="+failoverDurability()))
	d.run(g.Replica, g.Master, func() error {
		addr, err := g.Sentinels[0].Client().Do(context.Background(), "sentinel", "get-master-addr-by-name", redistest.MasterName).StringSlice()
		if err != nil {
			return err
		}
		if len(addr) != 2 || addr[1] != fmt.Sprint(g.Replica.Port) {
			return fmt.Errorf("the Sentinels still name %v the master", addr)
		}
		return nil
	})
}

// Cluster failover under load: the same drill on a Cluster of three masters, each with a replica;
// one master's replica is stalled, then the master killed.
func TestClusterFailoverKeepsEveryAcknowledgedExecution(t *testing.T) {
	t.Parallel()
	c := redistest.NewCluster(t, 3)
	d := newFailoverDrill(t, c.URL("durability="+failoverDurability()))
	master := c.Masters[0]
	replica := c.ReplicaOf(t, master)
	d.run(replica, master, func() error {
		info, err := replica.Client().Info(context.Background(), "replication").Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "role:master") {
			return fmt.Errorf("the replica is not promoted yet")
		}
		return nil
	})
}

// failoverDrill is a server on a store at a Redis URL, and what its clients saw.
type failoverDrill struct {
	t     *testing.T
	url   string
	store *store.Store

	mu        sync.Mutex
	acked     map[string]string // execution id → nonce, of every start answered 200
	ackedPre  int               // of them, answered before the master was killed
	killed    bool
	refused   int // 503 with Retry-After
	wrong     []string
	afterKill int // 200s once the failover completed
}

func newFailoverDrill(t *testing.T, redisURL string) *failoverDrill {
	t.Helper()
	st, err := store.Open(t.Context(), store.Options{URL: redisURL, Prefix: "failover", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	reg := actions.NewRegistry()
	if err := core.Register(reg); err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{Store: st, Registry: reg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	f, err := flows.NewLoader(reg).Load("signup.yaml", []byte(signupFlow))
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.AddFlow(t.Context(), f); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(newServer(t, server.Options{Store: st, Engine: eng, ManagementKeys: []string{hostedKey}, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(ts.Close)
	return &failoverDrill{t: t, url: ts.URL, store: st, acked: map[string]string{}}
}

// run loads the server with 8 clients, stalls replica for half a second, wakes it, kills master,
// waits until promoted says the failover is done and the server answers again, then checks every
// answer and every acknowledged execution.
func (d *failoverDrill) run(replica, master *redistest.Proc, promoted func() error) {
	t := d.t
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				d.start(ctx, fmt.Sprintf("user-%d-%d", i, n))
			}
		}()
	}
	d.waitFor(func() bool { return len(d.acked) >= 200 }, "200 executions before the stall")
	replica.Stop()
	// 8 MB more than the socket buffers between master and replica hold: what the master writes
	// after it, during the stall, stays in the master's own memory and dies with it, unless a
	// write waited for the replica. Without it, whether the kernel had passed a write on is luck.
	if err := master.Client().Set(t.Context(), master.KeyHere(t), strings.Repeat("f", 8<<20), 0).Err(); err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	atStall := len(d.acked)
	d.mu.Unlock()
	time.Sleep(500 * time.Millisecond)
	cl, err := master.Client().ClientList(t.Context()).Result()
	if err != nil || !strings.Contains(cl, "flags=S") || strings.Contains(grepLine(cl, "flags=S"), " omem=0 ") {
		t.Fatalf("the stalled replica's link holds nothing back (%v): the drill would prove nothing\n%s", err, cl)
	}
	d.mu.Lock()
	t.Logf("acknowledged during the stall: %d", len(d.acked)-atStall)
	d.mu.Unlock()
	replica.Cont()
	master.Kill()
	d.mu.Lock()
	d.killed, d.ackedPre = true, len(d.acked)
	d.mu.Unlock()
	if err := redistest.Eventually(60*time.Second, promoted); err != nil {
		stop()
		wg.Wait()
		t.Fatalf("no failover: %v", err)
	}
	d.mu.Lock()
	d.afterKill = 0
	d.mu.Unlock()
	d.waitFor(func() bool { return d.afterKill >= 100 }, "100 executions after the failover")
	stop()
	wg.Wait()

	d.mu.Lock()
	defer d.mu.Unlock()
	for _, w := range d.wrong {
		t.Error(w)
	}
	// A Cluster client can go on sending one master's slots to the dead master for a moment after
	// the promotion: a read that finds Redis unavailable is tried again until that settles, so
	// what counts as lost is what the store answers for once it can answer.
	settled := time.Now().Add(30 * time.Second)
	lost := 0
	for id, nonce := range d.acked {
		x, err := d.store.GetExecution(context.Background(), id)
		for errors.Is(err, store.ErrUnavailable) && time.Now().Before(settled) {
			time.Sleep(50 * time.Millisecond)
			x, err = d.store.GetExecution(context.Background(), id)
		}
		if errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("acknowledged execution %s still unreadable 30 s after the failover: %v", id, err)
		}
		if err != nil || x.Nonce != nonce {
			lost++
			if lost <= 5 {
				t.Logf("acknowledged execution %s: %v, nonce %q want %q", id, err, x.Nonce, nonce)
			}
		}
	}
	t.Logf("durability=%s: %d executions acknowledged (%d before the kill), %d answered 503 with Retry-After, %d acknowledged then lost",
		failoverDurability(), len(d.acked), d.ackedPre, d.refused, lost)
	if lost > 0 && failoverDurability() == string(store.DurableAll) {
		t.Errorf("%d of %d acknowledged executions lost in the failover", lost, len(d.acked))
	}
}

// waitFor polls cond (under the drill's lock) until it holds, failing the test after a minute.
func (d *failoverDrill) waitFor(cond func() bool, what string) {
	d.t.Helper()
	err := redistest.Eventually(time.Minute, func() error {
		d.mu.Lock()
		defer d.mu.Unlock()
		if !cond() {
			return fmt.Errorf("waiting for %s: %d acknowledged, %d refused, %v", what, len(d.acked), d.refused, d.wrong)
		}
		return nil
	})
	if err != nil {
		d.t.Fatal(err)
	}
}

// start starts the signup flow for user and records what the server answered.
func (d *failoverDrill) start(ctx context.Context, user string) {
	req, _ := http.NewRequestWithContext(ctx, "POST", d.url+"/v1/flows/signup/start", strings.NewReader(`{"userId":"`+user+`"}`))
	req.Header.Set("Authorization", "Bearer "+hostedKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			d.note("start %s: %v", user, err)
		}
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var ans struct {
		ExecutionID string `json:"executionId"`
		Nonce       string `json:"nonce"`
		Step        string `json:"stepId"`
	}
	switch {
	case resp.StatusCode == http.StatusOK && json.Unmarshal(body, &ans) == nil && ans.ExecutionID != "" && ans.Nonce != "" && ans.Step == "about":
		d.mu.Lock()
		d.acked[ans.ExecutionID] = ans.Nonce
		if d.killed {
			d.afterKill++
		}
		d.mu.Unlock()
	case resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "":
		d.mu.Lock()
		d.refused++
		d.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	default:
		if ctx.Err() == nil {
			d.note("start %s: %d %s", user, resp.StatusCode, body)
		}
	}
}

func (d *failoverDrill) note(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.wrong) < 20 {
		d.wrong = append(d.wrong, fmt.Sprintf(format, args...))
	}
}

func grepLine(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
