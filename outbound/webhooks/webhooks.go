package webhooks

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/internal/optdefault"
	"github.com/outflowhq/outflow/store"
)

// Options configure Webhooks.
type Options struct {
	// Store is the Redis every instance shares. Required.
	Store *store.Store
	// Keyring seals the signing secrets. Required.
	Keyring *store.Keyring
	Egress  Egress
	// RetrySchedule are the waits between attempts (empty means DefaultRetrySchedule(): about
	// 24 hours in all); each wait must be positive and gets up to ±20% jitter. After the last, a
	// delivery is dead. New keeps a copy, so changing the slice later has no effect.
	RetrySchedule []time.Duration
	// Retention is how long delivery records are kept (0 means the default, 7 days; it must not
	// be negative).
	Retention time.Duration
	// Client, when set, replaces the egress-checking HTTP client (tests of the library only).
	Client *http.Client
	Logger *slog.Logger
	Clock  clock.Clock
}

// DefaultRetrySchedule returns the waits used when Options.RetrySchedule is empty: 5s, 5m, 30m,
// 2h, 5h, 10h, 6h — eight attempts over about 24 hours. Each call returns a new slice.
func DefaultRetrySchedule() []time.Duration {
	return []time.Duration{
		5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 6 * time.Hour,
	}
}

// defaultRetention is Options.Retention when it is 0.
const defaultRetention = 7 * 24 * time.Hour

// Webhooks manages endpoints and delivers to them. It is safe for concurrent use.
type Webhooks struct {
	opts   Options
	st     *store.Store
	keys   store.Keys
	log    *slog.Logger
	clock  clock.Clock
	client *http.Client
	retry  *store.Schedule
	cache  endpointCache
}

// ErrInvalidOptions is wrapped by New's error.
var ErrInvalidOptions = errors.New("webhooks: invalid options")

// New returns the webhooks of opts, or an error wrapping ErrInvalidOptions that names the first
// option it cannot use.
func New(opts Options) (*Webhooks, error) {
	if opts.Store == nil || opts.Keyring == nil {
		return nil, errors.Join(ErrInvalidOptions, errors.New("webhooks: Store and Keyring are required"))
	}
	if len(opts.RetrySchedule) == 0 {
		opts.RetrySchedule = DefaultRetrySchedule()
	} else {
		for i, d := range opts.RetrySchedule {
			if d <= 0 {
				return nil, errors.Join(ErrInvalidOptions, fmt.Errorf("webhooks: Options.RetrySchedule[%d] is %s; each wait must be a positive duration", i, d))
			}
		}
		opts.RetrySchedule = slices.Clone(opts.RetrySchedule)
	}
	if problem := optdefault.Fill(&opts.Retention, defaultRetention); problem != "" {
		return nil, errors.Join(ErrInvalidOptions, fmt.Errorf("webhooks: Options.Retention %s", problem))
	}
	w := &Webhooks{opts: opts, st: opts.Store, keys: opts.Store.Keys(), log: opts.Logger, clock: clock.Or(opts.Clock),
		client: opts.Client, retry: opts.Store.Schedule("whretry")}
	if w.log == nil {
		w.log = slog.Default()
	}
	if w.client == nil {
		w.client = opts.Egress.client()
	}
	return w, nil
}

// Egress returns the egress rules in force.
func (w *Webhooks) Egress() Egress { return w.opts.Egress }

func (w *Webhooks) now() time.Time { return w.clock.Now().UTC() }
