package proxy

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/outflowhq/outflow/store"
)

// backoffKey is where the connection's back-off is kept, shared by every process.
func (s *session) backoffKey() string {
	o := s.t.owner()
	return s.p.keys.ProxyBackoff(o.Kind(), o.ID(), s.app.ID, s.cred.connID)
}

// recordBackoff keeps, for every process, that the connection waits d from now. A failure to
// write it only loses the sharing: it is logged, not returned.
func (s *session) recordBackoff(ctx context.Context, d time.Duration) {
	until := s.p.clock.Now().Add(d)
	s.p.cache.setBackoff(s.t.key(), until)
	v := strconv.FormatInt(until.UnixMilli(), 10)
	if err := s.p.store.SetValue(context.WithoutCancel(ctx), s.backoffKey(), []byte(v), d+time.Second); err != nil {
		s.p.log.WarnContext(ctx, "proxy: record rate-limit back-off", "app", s.app.ID, "error", err)
	}
}

// readBackoff reads until when the connection waits (zero when it does not).
func (s *session) readBackoff(ctx context.Context) (time.Time, error) {
	raw, err := s.p.store.GetValue(ctx, s.backoffKey())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, err
	}
	ms, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return time.Time{}, nil
	}
	return time.UnixMilli(ms), nil
}

// waitBackoff waits out the connection's back-off until, or fails with a *RateLimitedError when
// it lasts longer than the cap or the request's deadline.
func (s *session) waitBackoff(ctx context.Context, until time.Time) error {
	d := until.Sub(s.p.clock.Now())
	if d <= 0 {
		return nil
	}
	if !s.mayWait(ctx, d) {
		return &RateLimitedError{AppID: s.app.ID, ConnectionID: s.info.ConnectionID, RetryAt: until}
	}
	return s.sleep(ctx, d)
}

// mayWait: d within the cap and before the request's deadline.
func (s *session) mayWait(ctx context.Context, d time.Duration) bool {
	if d > s.p.opts.MaxRetryWait {
		return false
	}
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}

func (s *session) sleep(ctx context.Context, d time.Duration) error {
	if o := s.p.opts.Observer; o != nil {
		o.ProxyWaited(s.app.ID, d)
	}
	if err := s.p.clock.Sleep(ctx, d); err != nil {
		return contextDone(ctx)
	}
	return nil
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil {
		return max(time.Duration(secs)*time.Second, 0), secs >= 0
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
