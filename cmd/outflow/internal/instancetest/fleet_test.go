package instancetest

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/outflowhq/outflow/cmd/outflow/internal/sandbox"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
)

// hopFlow asks two screens, then connects the app: each step may be answered by another
// instance.
const hopFlow = `id: hop
steps:
  name:
    screen:
      title: Your name
      fields:
        - {name: name, label: Name, required: true}
      buttons:
        - {id: continue, label: Continue}
    next: plan
  plan:
    screen:
      title: Your plan
      fields:
        - {name: plan, label: Plan, required: true}
      buttons:
        - {id: continue, label: Continue}
    next: connect
  connect:
    action: outbound.connect
    with: {app: crm}
    on: {connected: done, denied: done, error: done}
  done:
    end:
      output:
        name: ${{ steps.name.output.name }}
        plan: ${{ steps.plan.output.plan }}
        connected: ${{ steps.connect.output.connected }}
`

// fleet is a Redis prefix, an OAuth app at the sandbox provider and a load balancer in front of
// the `outflow serve` processes started on them.
type fleet struct {
	t                         *testing.T
	redisURL, prefix, keyring string
	mgmtKey, flowsDir         string
	st                        *store.Store
	provider                  *sandbox.Provider
	providerURL               string
	gate                      *gate
	lb                        *balancer
}

func newFleet(t *testing.T) *fleet {
	t.Helper()
	redisURL := os.Getenv("OUTFLOW_TEST_REDIS_URL")
	if redisURL == "" {
		if os.Getenv("OUTFLOW_REQUIRE_REDIS") == "1" {
			t.Fatal("OUTFLOW_REQUIRE_REDIS=1 but OUTFLOW_TEST_REDIS_URL is not set")
		}
		t.Skip("server processes share a real Redis: set OUTFLOW_TEST_REDIS_URL")
	}
	f := &fleet{t: t, redisURL: redisURL, prefix: "it" + strings.ToLower(rand.Text()[:10]), mgmtKey: rand.Text() + rand.Text()}
	var err error
	if f.keyring, err = store.GenerateKey("k1"); err != nil {
		t.Fatal(err)
	}
	ring, err := store.ParseKeyring(f.keyring)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	if f.st, err = store.Open(context.Background(), store.Options{URL: redisURL, Prefix: f.prefix, Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		_ = f.st.Scan(ctx, f.st.Keys().Pattern(), func(k string) error { return f.st.Delete(ctx, k) })
		_ = f.st.Close()
	})
	if err := f.st.CheckKeyring(context.Background(), ring); err != nil {
		t.Fatal(err)
	}
	f.flowsDir = t.TempDir()
	if err := os.WriteFile(filepath.Join(f.flowsDir, "hop.yaml"), []byte(hopFlow), 0o600); err != nil {
		t.Fatal(err)
	}
	f.lb = newBalancer(t)

	// The provider, with a gate in front of a path of its API that holds requests as long as a
	// test wants.
	f.gate = newGate()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.providerURL = srv.URL
	if f.provider, err = sandbox.New(sandbox.Config{Issuer: srv.URL, Decision: sandbox.DecisionApprove, Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.gate.release) // before srv.Close, which waits for the requests it holds
	mux.Handle("/gate/", f.gate)
	mux.Handle("/", f.provider.Handler())

	registry, err := apps.NewApps(apps.Options{Store: f.st, Keyring: ring, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	str := func(s string) *string { return &s }
	kind := apps.KindOAuth2
	secret := rand.Text()
	app, err := registry.Create(context.Background(), apps.AppPatch{
		ID: str("crm"), Kind: &kind, Name: str("CRM"), ClientID: str("crm-client"),
		ClientSecret:     &[]outbound.Secret{outbound.NewSecret(secret)}[0],
		AuthorizationURL: str(f.provider.AuthURL()), TokenURL: str(f.provider.TokenURL()), RevocationURL: str(f.provider.RevocationURL()),
		DefaultScopes: &[]string{"openid", "offline", "contacts.read"},
		APIBaseURLs:   &[]string{srv.URL + "/gate"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.provider.AddClient(sandbox.Client{ID: "crm-client", Secret: secret,
		RedirectURIs: []string{app.CallbackURL(f.lb.URL)}}); err != nil {
		t.Fatal(err)
	}
	return f
}

// instance is one `outflow serve` process.
type instance struct {
	name, addr string
	cmd        *exec.Cmd
	logPath    string
	exited     chan struct{}
	err        error // the process's exit, once exited is closed
}

// start runs `outflow serve` on the fleet's Redis behind its load balancer, with extra flags,
// and waits until it answers.
func (f *fleet) start(name string, extra ...string) *instance {
	t := f.t
	t.Helper()
	in := &instance{name: name, addr: freeAddr(t), exited: make(chan struct{}), logPath: filepath.Join(t.TempDir(), name+".log")}
	args := append([]string{"serve", "--redis", f.redisURL, "--prefix", f.prefix, "--addr", in.addr,
		"--public-url", f.lb.URL, "--flows", f.flowsDir, "--console=false", "--log-format", "json"}, extra...)
	in.cmd = exec.Command(os.Args[0])
	in.cmd.Env = append(os.Environ(), childEnv+"=1", childArgsEnv+"="+strings.Join(args, "\x1f"),
		"OUTFLOW_KEYS="+f.keyring, "OUTFLOW_MANAGEMENT_KEYS="+f.mgmtKey)
	logf, err := os.Create(in.logPath)
	if err != nil {
		t.Fatal(err)
	}
	in.cmd.Stdout, in.cmd.Stderr = logf, logf
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { in.err = in.cmd.Wait(); _ = logf.Close(); close(in.exited) }()
	t.Cleanup(func() {
		_ = in.cmd.Process.Kill()
		<-in.exited
		if t.Failed() {
			b, _ := os.ReadFile(in.logPath)
			t.Logf("log of instance %s:\n%s", name, b)
		}
	})
	eventually(t, 60*time.Second, "instance "+name+" answers /healthz", func() bool {
		select {
		case <-in.exited:
			b, _ := os.ReadFile(in.logPath)
			t.Fatalf("instance %s exited at start: %v\n%s", name, in.err, b)
		default:
		}
		r, err := http.Get("http://" + in.addr + "/healthz")
		if err != nil {
			return false
		}
		_ = r.Body.Close()
		return r.StatusCode == http.StatusOK
	})
	return in
}

func (in *instance) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := in.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %s to %s: %v", sig, in.name, err)
	}
}

// wait waits up to d for the process to exit and returns its exit code.
func (in *instance) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-in.exited:
	case <-time.After(d):
		t.Fatalf("instance %s still runs %s later", in.name, d)
	}
	return in.cmd.ProcessState.ExitCode()
}

func (in *instance) log() string {
	b, _ := os.ReadFile(in.logPath)
	return string(b)
}

// freeAddr is a loopback address nothing listens on now.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}
