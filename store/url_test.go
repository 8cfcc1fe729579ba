package store

import (
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	t.Run("single", func(t *testing.T) {
		cfg, err := parseURL("redis://ann:s3cret@10.0.0.1:6380/2?dial_timeout=3s")
		if err != nil {
			t.Fatal(err)
		}
		o := cfg.single
		if o == nil || o.Addr != "10.0.0.1:6380" || o.DB != 2 || o.Username != "ann" || o.Password != "s3cret" || o.DialTimeout != 3*time.Second || o.TLSConfig != nil {
			t.Fatalf("options = %+v", o)
		}
	})
	t.Run("single tls default port", func(t *testing.T) {
		cfg, err := parseURL("rediss://:p%2Fw@redis.example.com")
		if err != nil {
			t.Fatal(err)
		}
		o := cfg.single
		if o.Addr != "redis.example.com:6379" || o.Password != "p/w" || o.TLSConfig == nil {
			t.Fatalf("options = %+v", o)
		}
	})
	t.Run("sentinel", func(t *testing.T) {
		cfg, err := parseURL("redis+sentinel://ann:s3cret@s1:26379,s2,s3:26380/mymaster?db=3&sentinel_password=spw")
		if err != nil {
			t.Fatal(err)
		}
		o := cfg.sentinel
		if o == nil {
			t.Fatalf("config = %+v", cfg)
		}
		if got := strings.Join(o.SentinelAddrs, ","); got != "s1:26379,s2:26379,s3:26380" {
			t.Errorf("sentinels = %s", got)
		}
		if o.MasterName != "mymaster" || o.DB != 3 || o.Username != "ann" || o.Password != "s3cret" || o.SentinelPassword != "spw" {
			t.Errorf("options = %+v", o)
		}
	})
	t.Run("cluster", func(t *testing.T) {
		cfg, err := parseURL("redis+cluster://ann:s3cret@n1:7001,n2:7002,n3")
		if err != nil {
			t.Fatal(err)
		}
		o := cfg.cluster
		if o == nil {
			t.Fatalf("config = %+v", cfg)
		}
		if got := strings.Join(o.Addrs, ","); got != "n1:7001,n2:7002,n3:6379" {
			t.Errorf("addrs = %s", got)
		}
		if o.Username != "ann" || o.Password != "s3cret" {
			t.Errorf("options = %+v", o)
		}
	})
	t.Run("ipv6", func(t *testing.T) {
		cfg, err := parseURL("redis://[::1]:6379/0")
		if err != nil || cfg.single.Addr != "[::1]:6379" {
			t.Fatalf("cfg = %+v, err = %v", cfg.single, err)
		}
	})
}

func TestParseURLErrors(t *testing.T) {
	t.Parallel()
	const secret = "Sup3rS/ecret"
	tests := []struct {
		url, want string
	}{
		{"localhost:6379", "want scheme://host"},
		{"http://u:" + secret + "@h:1", "unsupported scheme"},
		{"redis://u:" + secret + "@", "no host"},
		{"redis://u:" + secret + "@h1,h2", "single-node URL has one host"},
		{"redis://u:" + secret + "@h:notaport", "bad host"},
		{"redis://u:" + secret + "@h:6379/x", "invalid database"},
		{"redis://u:" + secret + "@h:6379?bogus=1", "bogus"},
		{"redis+sentinel://u:" + secret + "@h", "master name"},
		{"redis+cluster://u:" + secret + "@h/1", "no path"},
		{"redis://u:%zz" + secret + "@h", "percent-encoding"},
		{"redis://u:" + secret + "@h,", "empty host"},
		{"redis://u:" + secret + "@h?a=%zz", "query"},
		// An unescaped '/' in the password: the URL is misread, but the password never leaks.
		{"redis://u:" + secret + "@h:6379", ""},
	}
	for _, tt := range tests {
		_, err := parseURL(tt.url)
		if tt.want == "" {
			if err != nil && (strings.Contains(err.Error(), "Sup3r") || strings.Contains(err.Error(), "ecret")) {
				t.Errorf("parseURL(%q): error leaks the password: %v", tt.url, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("parseURL(%q): want an error containing %q", tt.url, tt.want)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.want) {
			t.Errorf("parseURL(%q) = %q, want it to contain %q", tt.url, msg, tt.want)
		}
		if strings.Contains(msg, "Sup3r") || strings.Contains(msg, "ecret") {
			t.Errorf("parseURL(%q): error leaks the password: %q", tt.url, msg)
		}
	}
}
