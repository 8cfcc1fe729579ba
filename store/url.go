package store

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// newClient builds the client a URL parsed by parseURL describes. Accepted forms:
//
//	redis://[user:pass@]host[:6379][/db][?options]          single node (rediss:// for TLS)
//	redis+sentinel://[user:pass@]h1:26379,h2:26379/master[?db=N&options]
//	redis+cluster://[user:pass@]h1:7001,h2:7002[?options]
//
// rediss+sentinel:// and rediss+cluster:// use TLS. Options are go-redis's URL query options
// (dial_timeout, pool_size, ...), and Outflow's own durability and replica_timeout (see
// Options.Durability). For Sentinel, user:pass authenticates to the master and replicas;
// sentinel_username and sentinel_password query options authenticate to the Sentinels. A password
// containing '/', '?', '#' or '@' must be percent-encoded. Errors never contain the password.
func (cfg clientConfig) newClient() redis.UniversalClient {
	honourContexts(cfg)
	switch {
	case cfg.single != nil:
		return redis.NewClient(cfg.single)
	case cfg.sentinel != nil:
		return redis.NewFailoverClient(cfg.sentinel)
	default:
		return redis.NewClusterClient(cfg.cluster)
	}
}

// clientConfig holds exactly one of the three kinds of options, and the URL's durability options.
type clientConfig struct {
	single     *redis.Options
	sentinel   *redis.FailoverOptions
	cluster    *redis.ClusterOptions
	durability urlDurability
}

// urlDurability holds the URL options durability and replica_timeout.
type urlDurability struct {
	mode    Durability
	timeout time.Duration
}

func parseURL(raw string) (clientConfig, error) {
	u, err := splitURL(raw)
	if err != nil {
		return clientConfig{}, err
	}
	d, err := u.durability()
	if err != nil {
		return clientConfig{}, err
	}
	cfg, err := u.clientConfig()
	cfg.durability = d
	return cfg, err
}

// durability takes the options durability and replica_timeout out of the query, which go-redis
// would refuse.
func (u *redisURL) durability() (urlDurability, error) {
	var d urlDurability
	if v := u.query.Get("durability"); v != "" {
		mode, err := parseDurability(Durability(v))
		if err != nil {
			return d, u.errorf("durability=%s: use %s or %s", v, DurableAll, DurableTokens)
		}
		d.mode = mode
	}
	if v := u.query.Get("replica_timeout"); v != "" {
		t, err := time.ParseDuration(v)
		if err != nil || t <= 0 {
			return d, u.errorf("replica_timeout=%s: want a positive duration such as 500ms", v)
		}
		d.timeout = t
	}
	u.query.Del("durability")
	u.query.Del("replica_timeout")
	return d, nil
}

func (u *redisURL) clientConfig() (clientConfig, error) {
	switch u.scheme {
	case "redis", "rediss":
		if len(u.hosts) > 1 {
			return clientConfig{}, u.errorf("a single-node URL has one host; use redis+sentinel:// or redis+cluster:// for several")
		}
		o, err := redis.ParseURL(u.rebuild(u.scheme))
		if err != nil {
			return clientConfig{}, u.errorf("%v", err)
		}
		if u.hasUser {
			o.Username, o.Password = u.user, u.pass
		}
		return clientConfig{single: o}, nil
	case "redis+sentinel", "rediss+sentinel":
		o, err := u.sentinel()
		return clientConfig{sentinel: o}, err
	case "redis+cluster", "rediss+cluster":
		if strings.Trim(u.path, "/") != "" {
			return clientConfig{}, u.errorf("a cluster URL has no path (got %q); Redis Cluster has only database 0", u.path)
		}
		o, err := redis.ParseClusterURL(u.rebuild(strings.TrimSuffix(u.scheme, "+cluster")))
		if err != nil {
			return clientConfig{}, u.errorf("%v", err)
		}
		if u.hasUser {
			o.Username, o.Password = u.user, u.pass
		}
		return clientConfig{cluster: o}, nil
	}
	return clientConfig{}, u.errorf("unsupported scheme %q (use redis, rediss, redis+sentinel or redis+cluster)", u.scheme)
}

// redisURL is a Redis URL split by hand, so that no error ever quotes the user info.
type redisURL struct {
	scheme     string
	user, pass string
	hasUser    bool
	hosts      []string
	path       string
	query      url.Values
}

func splitURL(raw string) (*redisURL, error) {
	u := &redisURL{}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return nil, errors.New("store: invalid Redis URL: want scheme://host, e.g. redis://127.0.0.1:6379/0")
	}
	u.scheme = strings.ToLower(scheme)
	rest, _, _ = strings.Cut(rest, "#")
	rest, rawQuery, _ := strings.Cut(rest, "?")
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		userinfo := rest[:at]
		rest = rest[at+1:]
		u.hasUser = true
		user, pass, _ := strings.Cut(userinfo, ":")
		var err1, err2 error
		u.user, err1 = url.PathUnescape(user)
		u.pass, err2 = url.PathUnescape(pass)
		if err1 != nil || err2 != nil {
			return nil, u.errorf("bad percent-encoding in the user name or password")
		}
	}
	hostList, path, _ := strings.Cut(rest, "/")
	if path != "" {
		u.path = "/" + path
	}
	if hostList == "" {
		return nil, u.errorf("no host")
	}
	for _, h := range strings.Split(hostList, ",") {
		if h == "" {
			return nil, u.errorf("empty host in host list")
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(strings.Trim(h, "[]"), u.defaultPort())
		}
		_, port, err := net.SplitHostPort(h)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n <= 0 || n > 65535 {
			return nil, u.errorf("bad host %q (want host or host:port)", h)
		}
		u.hosts = append(u.hosts, h)
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, u.errorf("bad query string")
	}
	u.query = q
	return u, nil
}

func (u *redisURL) defaultPort() string {
	if strings.HasSuffix(u.scheme, "+sentinel") {
		return "26379"
	}
	return "6379"
}

// rebuild writes the URL in the single-host + addr= form go-redis parses, with the given scheme and
// without the user info, so that go-redis's errors cannot quote the password.
func (u *redisURL) rebuild(scheme string) string {
	q := url.Values{}
	for k, v := range u.query {
		q[k] = v
	}
	for _, h := range u.hosts[1:] {
		q.Add("addr", h)
	}
	out := url.URL{Scheme: scheme, Host: u.hosts[0], Path: u.path, RawQuery: q.Encode()}
	return out.String()
}

func (u *redisURL) sentinel() (*redis.FailoverOptions, error) {
	master := strings.Trim(u.path, "/")
	if master == "" || strings.Contains(master, "/") {
		return nil, u.errorf("want the master name as the path: redis+sentinel://host:26379,host2:26379/mymaster")
	}
	sentinelUser := u.query.Get("sentinel_username")
	sentinelPass := u.query.Get("sentinel_password")
	u.query.Del("sentinel_username")
	u.query.Del("sentinel_password")
	u.query.Set("master_name", master)
	path := u.path
	u.path = ""
	raw := u.rebuild(strings.TrimSuffix(u.scheme, "+sentinel"))
	u.path = path
	o, err := redis.ParseFailoverURL(raw)
	if err != nil {
		return nil, u.errorf("%v", err)
	}
	if u.hasUser {
		o.Username, o.Password = u.user, u.pass
	}
	o.SentinelUsername, o.SentinelPassword = sentinelUser, sentinelPass
	return o, nil
}

// redacted is the URL with the password replaced, for messages.
func (u *redisURL) redacted() string {
	var b strings.Builder
	b.WriteString(u.scheme)
	b.WriteString("://")
	if u.hasUser {
		b.WriteString(url.PathEscape(u.user))
		if u.pass != "" {
			b.WriteString(":xxxxx")
		}
		b.WriteByte('@')
	}
	b.WriteString(strings.Join(u.hosts, ","))
	b.WriteString(u.path)
	return b.String()
}

func (u *redisURL) errorf(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if u.pass != "" {
		for _, p := range []string{u.pass, url.PathEscape(u.pass), url.QueryEscape(u.pass)} {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
	}
	if len(u.hosts) == 0 {
		return fmt.Errorf("store: invalid Redis URL (scheme %q): %s", u.scheme, msg)
	}
	return fmt.Errorf("store: invalid Redis URL %q: %s", u.redacted(), msg)
}
