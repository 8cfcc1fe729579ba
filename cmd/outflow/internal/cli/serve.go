package cli

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/server/console"
)

type serveConfig struct {
	addr, flowsDir, appsFile, logFormat string
	managementKeys, allowedRedirects    string
	demo, console, worker               bool
	shutdownTimeout, drainDelay         time.Duration
	backend                             backendConfig
	brand                               server.Brand
}

func runServe(ctx context.Context, args []string, env Env) int {
	fs := newFlags("serve", "", env)
	var cfg serveConfig
	fs.StringVar(&cfg.addr, "addr", "", "address to listen on (default \""+defaultAddr+"\", every interface; with --demo \""+defaultDemoAddr+"\", this machine only)")
	fs.StringVar(&cfg.flowsDir, "flows", "", "folder of flow files to serve (default: the example flows built into outflow)")
	fs.StringVar(&cfg.backend.redisURL, "redis", "", "Redis URL (env REDIS_URL); empty runs the embedded in-memory Redis")
	fs.StringVar(&cfg.backend.prefix, "prefix", "", "prefix of every Redis key (default \"of\")")
	fs.StringVar(&cfg.backend.keys, "keys", "", "sealing keyring, comma-separated ID:BASE64 keys, first one seals (env OUTFLOW_KEYS)")
	fs.StringVar(&cfg.backend.publicURL, "public-url", "", "externally visible base URL, for links and callback URLs; its path, if any, is where everything is served (env OUTFLOW_PUBLIC_URL)")
	fs.StringVar(&cfg.managementKeys, "management-keys", "", "comma-separated management keys (env OUTFLOW_MANAGEMENT_KEYS)")
	fs.StringVar(&cfg.allowedRedirects, "allowed-redirects", "", "comma-separated origins or URL prefixes a finished flow may send the browser to, besides the public URL's origin (env OUTFLOW_ALLOWED_REDIRECTS)")
	fs.StringVar(&cfg.appsFile, "apps", "", "YAML file of apps to create or update at start")
	fs.StringVar(&cfg.logFormat, "log-format", "text", "log format: text or json")
	fs.BoolVar(&cfg.console, "console", true, "serve the console (configure apps, watch connections and executions in a browser) under /console")
	fs.StringVar(&cfg.brand.ProductName, "brand-name", "", "product name the hosted pages show instead of Outflow")
	fs.StringVar(&cfg.brand.PrimaryColor, "brand-color", "", "colour of the hosted pages' primary buttons, as #rrggbb (its text must contrast 4.5:1)")
	fs.StringVar(&cfg.brand.PrimaryTextColor, "brand-text-color", "", "colour of the text on --brand-color (default #ffffff)")
	fs.StringVar(&cfg.brand.PrimaryColorDark, "brand-color-dark", "", "colour of the primary buttons in the dark colour scheme (default --brand-color)")
	fs.StringVar(&cfg.brand.PrimaryTextColorDark, "brand-text-color-dark", "", "colour of the text on the primary buttons in the dark colour scheme (default --brand-text-color)")
	fs.StringVar(&cfg.brand.Scheme, "brand-scheme", "", "colour scheme of the hosted pages: auto (the browser's), light or dark")
	fs.StringVar(&cfg.brand.LogoURL, "brand-logo", "", "https: or data:image/ URL of the logo the hosted pages show")
	fs.StringVar(&cfg.brand.SupportURL, "brand-support", "", "https: or mailto: help link the hosted pages offer")
	fs.BoolVar(&cfg.demo, "demo", false, "serve the demo: a landing page, example apps and a sandbox OAuth provider, offline")
	fs.BoolVar(&cfg.worker, "worker", true, "run the background worker in this process: webhook deliveries, keep-alive refresh, key re-checks (false: run `outflow worker` apart)")
	durationVar(fs, &cfg.backend.finishedRetention, "finished-retention", 10*time.Minute, "how long (a `duration`) a completed or failed execution stays in Redis after it finishes; a flow's finishedRetention overrides it")
	durationVar(fs, &cfg.shutdownTimeout, "shutdown-timeout", DefaultShutdownTimeout, "on SIGTERM or Ctrl-C, how long (a `duration`) requests in flight may take to finish before they are cut")
	durationVar(fs, &cfg.drainDelay, "drain-delay", 0, "on SIGTERM or Ctrl-C, how long (a `duration`) to go on serving with /readyz answering 503 before the listener closes, so load balancers stop sending requests first (such as 5s behind Kubernetes; default 0: close at once)")
	egress := egressFlags(fs)
	if ok, code := parseNoArgs(fs, args); !ok {
		return code
	}
	if cfg.backend.finishedRetention <= 0 {
		fmt.Fprintln(env.Stderr, "outflow serve: --finished-retention must be a positive duration such as 10m or 1h")
		return 2
	}
	if cfg.shutdownTimeout <= 0 {
		fmt.Fprintln(env.Stderr, "outflow serve: --shutdown-timeout must be positive, such as 15s")
		return 2
	}
	if cfg.drainDelay < 0 {
		fmt.Fprintln(env.Stderr, "outflow serve: --drain-delay must be 0 or a positive duration, such as 5s")
		return 2
	}
	cfg.backend.redisURL = envOr(cfg.backend.redisURL, "REDIS_URL", env)
	cfg.backend.pingTimeout = env.RedisPingTimeout
	cfg.backend.keys = envOr(cfg.backend.keys, "OUTFLOW_KEYS", env)
	cfg.backend.publicURL = envOr(cfg.backend.publicURL, "OUTFLOW_PUBLIC_URL", env)
	cfg.managementKeys = envOr(cfg.managementKeys, "OUTFLOW_MANAGEMENT_KEYS", env)
	cfg.allowedRedirects = envOr(cfg.allowedRedirects, "OUTFLOW_ALLOWED_REDIRECTS", env)
	log, err := newLogger(cfg.logFormat, env)
	if err != nil {
		fmt.Fprintln(env.Stderr, "outflow serve:", err)
		return 2
	}
	warnMisspelledVars(env, log)
	cfg.backend.log = log
	if cfg.backend.egress, err = egress(); err != nil {
		fmt.Fprintln(env.Stderr, "outflow serve:", err)
		return 2
	}
	logRedisNoticesTo(log)
	tp, stopTracing, err := openTracing(ctx, env)
	if err != nil {
		fmt.Fprintln(env.Stderr, "outflow serve:", err)
		return 2
	}
	defer func() { _ = stopTracing(context.WithoutCancel(ctx)) }()
	cfg.backend.tracerProvider = tp
	if err := serve(ctx, cfg, env, log); err != nil {
		logStop(log, cfg.logFormat, env, err)
		return 1
	}
	return 0
}

// demoManagementKey is the management key of `serve --demo` on the embedded Redis when none is
// configured.
const demoManagementKey = "demo"

// Where serve listens without --addr: every interface, or in demo mode (which has a well-known
// management key) this machine only, with links on localhost as the README shows them.
const (
	defaultAddr     = ":8080"
	defaultDemoAddr = "127.0.0.1:8080"
	demoLinkHost    = "localhost"
)

// listenAddr is the address serve listens on, --addr or its default, and the host its links
// name when no public URL is set ("" for the listener's own).
func listenAddr(addr string, demo bool) (string, string) {
	switch {
	case addr != "":
		return addr, ""
	case demo:
		return defaultDemoAddr, demoLinkHost
	}
	return defaultAddr, ""
}

// serve opens Redis first and listens only once it answers, so that nothing accepts connections
// it cannot serve; then it wires the rest on the public URL, which may come from the listener.
func serve(ctx context.Context, cfg serveConfig, env Env, log *slog.Logger) error {
	mount, err := mountPath(cfg.backend.publicURL)
	if err != nil {
		return err
	}
	addr, linkHost := listenAddr(cfg.addr, cfg.demo)
	b, err := openStore(ctx, cfg.backend)
	if err != nil {
		return offerEmbedded(err)
	}
	defer b.close()
	keys, generated, err := managementKeys(cfg, b.store.Embedded(), log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	cfg.backend.publicURL = strings.TrimRight(cfg.backend.publicURL, "/")
	publicURLSet := cfg.backend.publicURL != ""
	if !publicURLSet {
		cfg.backend.publicURL = localURL(ln.Addr(), linkHost)
	}
	metrics := server.NewMetrics()
	cfg.backend.engineObserver, cfg.backend.vaultObserver, cfg.backend.proxyObserver = metrics, metrics, metrics
	cfg.backend.redirectAllowed = server.RedirectPolicy(cfg.backend.publicURL, splitList(cfg.allowedRedirects))
	if err := b.wire(cfg.backend); err != nil {
		return err
	}
	if !publicURLSet && !b.store.Embedded() {
		log.Warn("no --public-url (OUTFLOW_PUBLIC_URL) set: one-time links and OAuth callback URLs point at " + cfg.backend.publicURL +
			", which only this machine can open; set it to the URL people and providers reach this server at")
	}
	if err := loadFlows(ctx, b, cfg.flowsDir); err != nil {
		return err
	}
	if cfg.appsFile != "" {
		if err := applyAppsFile(ctx, b, cfg.appsFile, env, log); err != nil {
			return err
		}
	}
	opts := server.Options{
		Engine: b.engine, Store: b.store, Apps: b.apps, Vault: b.vault, APIKeys: b.apikeys, Proxy: b.proxy, Webhooks: b.webhooks,
		ManagementKeys: keys, PublicURL: cfg.backend.publicURL, CheckHost: onThisMachine(cfg.backend.publicURL) && (publicURLSet || loopbackListener(ln.Addr())), Logger: log,
		Metrics: metrics, PageSecret: pageSecret(cfg.backend.keys), Brand: cfg.brand, TracerProvider: cfg.backend.tracerProvider,
	}
	if cfg.console {
		opts.Console = &console.Options{Coverage: flowCoverage(ctx, cfg.flowsDir, log)}
	}
	var (
		handler http.Handler
		api     *server.Server
	)
	if cfg.demo {
		if handler, api, err = startDemo(ctx, b, &opts, log); err != nil {
			return err
		}
	} else {
		if api, err = server.New(opts); err != nil {
			return err
		}
		handler = api
	}
	srv := &http.Server{
		Handler:           mountAt(mount, handler),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	stopWorker := func() {}
	if cfg.worker {
		if stopWorker, err = startWorker(ctx, b, log); err != nil {
			return err
		}
	}
	defer stopWorker()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if cfg.console {
		log.Info("the console is at " + cfg.backend.publicURL + "/console/ (sign in with a management key)")
	}
	log.Info("outflow is serving", "url", cfg.backend.publicURL, "flows", len(b.engine.Flows()), "embeddedRedis", b.store.Embedded(), "demo", cfg.demo)
	if cfg.demo {
		printDemoBanner(env, cfg.backend.publicURL, keys[0] == demoManagementKey, cfg.console)
	}
	if generated {
		printGeneratedKey(env, keys[0])
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if err := waitForBalancers(srv, api, cfg.drainDelay, errc, log); err != nil {
		return err
	}
	return drain(srv, stopWorker, cfg.shutdownTimeout, log)
}

// waitForBalancers, when told to stop with a drain delay, makes /readyz answer 503 and goes on
// serving for that long, so that load balancers take this instance out of rotation before its
// listener closes (behind Kubernetes, a pod is removed from its Service's endpoints while it is
// already being stopped). Meanwhile every answer closes its connection, so clients that keep
// connections open reconnect, through the balancer, to another instance. It returns early with
// the server's error if serving fails meanwhile.
func waitForBalancers(srv *http.Server, api *server.Server, delay time.Duration, errc <-chan error, log *slog.Logger) error {
	if delay <= 0 {
		return nil
	}
	api.Drain()
	srv.SetKeepAlivesEnabled(false)
	log.Info("draining: /readyz answers 503 and every request is still served until the listener closes "+
		"(a second Ctrl-C or SIGTERM stops at once)", "drainDelay", delay.String())
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case err := <-errc:
		return err
	case <-t.C:
		return nil
	}
}

// DefaultShutdownTimeout is how long serve lets requests in flight finish after SIGTERM.
const DefaultShutdownTimeout = 15 * time.Second

// drain stops serving: the listener closes at once (new connections are refused), requests in
// flight get up to timeout to finish, idle connections are closed, and meanwhile the worker
// finishes the work in hand and gives back its leases (ctx has ended, which stops it). Requests
// still running at the timeout are cut, and drain says how many; the whole stop takes at most
// timeout, plus the worker's delivery timeout (10s) when a webhook delivery is under way.
func drain(srv *http.Server, stopWorker func(), timeout time.Duration, log *slog.Logger) error {
	log.Info("shutting down: finishing requests in flight", "timeout", timeout.String())
	workerDone := make(chan struct{})
	go func() { defer close(workerDone); stopWorker() }()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if errors.Is(err, context.DeadlineExceeded) {
		_ = srv.Close()
		err = fmt.Errorf("shutdown: requests still in flight after %s were cut (raise --shutdown-timeout to let them finish)", timeout)
	}
	<-workerDone
	if err == nil {
		log.Info("stopped: every request in flight finished")
	}
	return err
}

// managementKeys returns the management keys to serve with: the configured ones; without any,
// on the embedded Redis, "demo" in demo mode or one generated for this process. A real Redis
// outlives the process and may be reachable by others: it needs keys of its own, demo or not.
func managementKeys(cfg serveConfig, embedded bool, log *slog.Logger) (keys []string, generated bool, err error) {
	keys = splitList(cfg.managementKeys)
	switch {
	case len(keys) > 0:
		if err := checkManagementKeys(keys); err != nil {
			return nil, false, err
		}
	case cfg.demo && embedded:
		keys = []string{demoManagementKey}
		log.Warn("DEMO MODE: the management key is \"" + demoManagementKey + "\" because OUTFLOW_MANAGEMENT_KEYS is not set. " +
			"Anyone who can reach this server can manage it: never expose a demo server.")
	case embedded:
		keys, generated = []string{randomKey()}, true
		log.Warn("no OUTFLOW_MANAGEMENT_KEYS set: generated a management key for this process; it is printed once on stderr, never logged")
	case cfg.demo:
		return nil, false, errors.New("no management key: --demo on a real Redis needs one; set OUTFLOW_MANAGEMENT_KEYS (or --management-keys) " +
			"to one or more comma-separated random strings (the demo's public key \"" + demoManagementKey + "\" is only for the embedded Redis)")
	default:
		return nil, false, errors.New("no management key: set OUTFLOW_MANAGEMENT_KEYS (or --management-keys) to one or more comma-separated random strings")
	}
	return keys, generated, nil
}

// checkManagementKeys refuses a configured key shorter than server.MinManagementKeyLen, with
// --demo too (server.New lets a demo server use a short key, as serve does on the embedded
// Redis), and says how to configure keys. The error says which key, by its place in the list,
// never the key itself.
func checkManagementKeys(keys []string) error {
	for i, k := range keys {
		if len(k) < server.MinManagementKeyLen {
			return fmt.Errorf("management key %d of %d is %d characters long: management keys need at least %d characters, "+
				"random ones; set OUTFLOW_MANAGEMENT_KEYS (or --management-keys) to such keys, or leave it unset on the embedded Redis "+
				"for serve to generate one", i+1, len(keys), len(k), server.MinManagementKeyLen)
		}
	}
	return nil
}

// printGeneratedKey tells the person who started serve the management key it generated: once,
// on stderr, as a plain line outside the structured log (which may be shipped elsewhere).
func printGeneratedKey(env Env, key string) {
	fmt.Fprintf(env.Stderr, "\nManagement key of this process (generated: OUTFLOW_MANAGEMENT_KEYS is not set): %s\n"+
		"  Use it as Authorization: Bearer <key>. To choose your own, set OUTFLOW_MANAGEMENT_KEYS (or --management-keys)\n"+
		"  to one or more comma-separated random strings.\n\n", key)
}

// mountPath is the path of the public URL ("/outflow" of https://auth.example.com/outflow), ""
// when it has none: serve mounts everything under it, so the links the server makes resolve when
// a proxy passes paths through unchanged, or when no proxy is in front.
func mountPath(publicURL string) (string, error) {
	if publicURL == "" {
		return "", nil
	}
	u, err := url.Parse(publicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--public-url %q: want an absolute http(s) URL such as https://auth.example.com", publicURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(u.Path, "{}") {
		return "", fmt.Errorf("--public-url %q: want a URL without a query, a fragment or braces", publicURL)
	}
	return strings.TrimRight(u.Path, "/"), nil
}

// mountAt serves h under path, with the path stripped, as a host that embeds the server does.
func mountAt(path string, h http.Handler) http.Handler {
	if path == "" {
		return h
	}
	mux := http.NewServeMux()
	mux.Handle(path+"/", http.StripPrefix(path, h))
	return mux
}

// pageSecret keys the CSRF tokens of hosted pages. It is derived from the sealing keyring, so
// every instance configured with the same keys accepts the others' pages; with a throwaway
// keyring it is random too.
func pageSecret(keyring string) []byte {
	if keyring == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		return b
	}
	h := sha256.Sum256([]byte("outflow page secret\x00" + keyring))
	return h[:]
}

// localURL turns a listener address into a URL a browser on this machine can open: on host when
// it is not empty, else on the listener's address (localhost for every interface).
func localURL(a net.Addr, host string) string {
	addrHost, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String()
	}
	if host == "" {
		host = addrHost
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			host = "localhost"
		}
	}
	return "http://" + net.JoinHostPort(host, port)
}

// loopbackListener reports whether a listener takes connections from this machine only.
func loopbackListener(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// onThisMachine reports whether a public URL names this machine (localhost or a loopback address).
// serve then answers only requests for that host (when the URL was given, or the listener is on
// loopback too), so a web page cannot reach a local server by pointing a name of its own at
// 127.0.0.1 (DNS rebinding). A server listening on every interface with no public URL is
// reached by whatever names its callers use. A server with a public URL elsewhere is
// reached through proxies that may set the Host header their own way, so it takes any.
func onThisMachine(publicURL string) bool {
	u, err := url.Parse(publicURL)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
