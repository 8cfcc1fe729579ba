package oauth

import (
	"errors"
	"fmt"
	"time"
)

// VaultOptions tune a Vault. The zero value is ready to use: a zero field takes its default, a
// negative one, or a RefreshLockTTL that does not exceed ProviderTimeout, makes NewVault fail.
type VaultOptions struct {
	// RedirectAllowed admits redirect URLs (where the browser goes after consent) beyond the
	// app's defaultRedirectUrl and allowedRedirectUrls — typically the host's own pages. It is
	// called with an absolute http(s) URL. Nil admits none: without it only the app's own list
	// is allowed, so a connect can never be turned into an open redirect.
	RedirectAllowed func(url string) bool
	// StateTTL is how long a consent may take, from Connect to the callback (default 10m).
	StateTTL time.Duration
	// RefreshLockTTL is the TTL of the grant's lock a refresh holds (default ProviderTimeout+5s;
	// when set, it must exceed ProviderTimeout). The holder extends it every third of its TTL while it
	// works, calls the provider (at most ProviderTimeout, and at most three quarters of the TTL)
	// only once the provider's endpoints are known, ends its work within nine tenths of the TTL,
	// and writes its result only while the lock is still its own.
	RefreshLockTTL time.Duration
	// ProviderTimeout bounds each call to the provider: code exchange, refresh, revocation
	// (default 10s).
	ProviderTimeout time.Duration
	// EventStreamMaxLen caps the Redis event stream (default 10000 entries, approximately).
	EventStreamMaxLen int64
	// Observer is told about consents, fetches and refreshes, for metrics; nil means none.
	Observer Observer
	// WriteRetryInterval is how often a token pair the provider issued but Redis did not take
	// is tried again, in the background, while the process holds it (default 1s).
	WriteRetryInterval time.Duration
}

func (o VaultOptions) withDefaults() VaultOptions {
	if o.StateTTL <= 0 {
		o.StateTTL = 10 * time.Minute
	}
	if o.ProviderTimeout <= 0 {
		o.ProviderTimeout = 10 * time.Second
	}
	if o.RefreshLockTTL == 0 {
		o.RefreshLockTTL = o.ProviderTimeout + 5*time.Second
	}
	if o.EventStreamMaxLen <= 0 {
		o.EventStreamMaxLen = 10000
	}
	if o.WriteRetryInterval <= 0 {
		o.WriteRetryInterval = time.Second
	}
	return o
}

// ErrInvalidVaultOptions matches the error NewVault returns for VaultOptions it cannot use.
var ErrInvalidVaultOptions = errors.New("invalid vault options")

// validate returns an error wrapping ErrInvalidVaultOptions that names the first option at fault
// and the value it was given (options hold no secret).
func (o VaultOptions) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("oauth: %w: "+format, append([]any{ErrInvalidVaultOptions}, args...)...)
	}
	for _, d := range []struct {
		name  string
		value time.Duration
	}{
		{"StateTTL", o.StateTTL}, {"RefreshLockTTL", o.RefreshLockTTL},
		{"ProviderTimeout", o.ProviderTimeout}, {"WriteRetryInterval", o.WriteRetryInterval},
	} {
		if d.value < 0 {
			return bad("%s must not be negative, got %s", d.name, d.value)
		}
	}
	if o.EventStreamMaxLen < 0 {
		return bad("EventStreamMaxLen must not be negative, got %d", o.EventStreamMaxLen)
	}
	if timeout := o.withDefaults().ProviderTimeout; o.RefreshLockTTL != 0 && o.RefreshLockTTL <= timeout {
		return bad("RefreshLockTTL must exceed ProviderTimeout (%s), got %s", timeout, o.RefreshLockTTL)
	}
	return nil
}
