package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/outflowhq/outflow/store"
)

// endpointRecord is what Redis holds for an endpoint: the endpoint and its sealed secrets.
type endpointRecord struct {
	Endpoint
	Secret         string `json:"secret"`
	PreviousSecret string `json:"previousSecret,omitempty"`
}

// DefaultSecretOverlap is how long a rotated-out secret keeps signing by default.
const DefaultSecretOverlap = 24 * time.Hour

func newEndpointID() string { return "we_" + strings.ToLower(rand.Text()) }

func (w *Webhooks) aad(id, which string) []byte { return []byte("outflow:webhook:" + which + ":" + id) }

func (w *Webhooks) seal(id, which, secret string) (string, error) {
	return w.opts.Keyring.Seal([]byte(secret), w.aad(id, which))
}

// Create adds an endpoint and returns it with its signing secret, shown this once.
func (w *Webhooks) Create(ctx context.Context, in EndpointInput) (Endpoint, string, error) {
	now := w.now()
	e := Endpoint{ID: newEndpointID(), CreatedAt: now, UpdatedAt: now}
	in.apply(&e)
	if err := e.validate(w.opts.Egress); err != nil {
		return Endpoint{}, "", err
	}
	secret := NewSecret()
	sealed, err := w.seal(e.ID, "current", secret)
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("webhooks: create endpoint: %w", err)
	}
	if err := w.put(ctx, &endpointRecord{Endpoint: e, Secret: sealed}, 0); err != nil {
		return Endpoint{}, "", fmt.Errorf("webhooks: create endpoint: %w", err)
	}
	w.log.InfoContext(ctx, "webhook endpoint created", "endpoint", e.ID)
	return e, secret, nil
}

func (w *Webhooks) put(ctx context.Context, r *endpointRecord, rev int64) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	key := w.keys.Webhook(r.ID)
	_, err = w.st.PutIndexed(ctx, store.IndexedPut{Key: key, ExpectRev: rev, Data: data, IndexKey: w.keys.WebhookIndex(), Member: r.ID})
	return err
}

func (w *Webhooks) load(ctx context.Context, id string) (*endpointRecord, int64, error) {
	rec, err := w.st.Get(ctx, w.keys.Webhook(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, ErrEndpointNotFound
	}
	if err != nil {
		return nil, 0, err
	}
	var r endpointRecord
	if err := json.Unmarshal(rec.Data, &r); err != nil {
		return nil, 0, fmt.Errorf("webhooks: decode endpoint %q: %w", id, err)
	}
	return &r, rec.Rev, nil
}

// Get returns an endpoint.
func (w *Webhooks) Get(ctx context.Context, id string) (Endpoint, error) {
	r, _, err := w.load(ctx, id)
	if err != nil {
		return Endpoint{}, fmt.Errorf("webhooks: get endpoint %q: %w", id, err)
	}
	return w.shown(r), nil
}

// shown is the endpoint as callers see it: the overlap end only while it lasts.
func (w *Webhooks) shown(r *endpointRecord) Endpoint {
	e := r.Endpoint
	if !e.PreviousSecretExpiresAt.After(w.now()) {
		e.PreviousSecretExpiresAt = time.Time{}
	}
	return e
}

// List returns every endpoint, oldest first.
func (w *Webhooks) List(ctx context.Context) ([]Endpoint, error) {
	recs, err := w.all(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Endpoint, 0, len(recs))
	for _, r := range recs {
		out = append(out, w.shown(r))
	}
	return out, nil
}

func (w *Webhooks) all(ctx context.Context) ([]*endpointRecord, error) {
	ids, err := w.st.SetMembers(ctx, w.keys.WebhookIndex())
	if err != nil {
		return nil, fmt.Errorf("webhooks: list endpoints: %w", err)
	}
	var out []*endpointRecord
	for _, id := range ids {
		r, _, err := w.load(ctx, id)
		if errors.Is(err, ErrEndpointNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("webhooks: list endpoints: %w", err)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *endpointRecord) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Update changes an endpoint's fields (nil ones are kept).
func (w *Webhooks) Update(ctx context.Context, id string, in EndpointInput) (Endpoint, error) {
	var out Endpoint
	err := w.modify(ctx, id, func(r *endpointRecord) error {
		in.apply(&r.Endpoint)
		if err := r.validate(w.opts.Egress); err != nil {
			return err
		}
		out = r.Endpoint
		return nil
	})
	if err != nil {
		return Endpoint{}, fmt.Errorf("webhooks: update endpoint %q: %w", id, err)
	}
	return out, nil
}

// RotateSecret gives the endpoint a new signing secret, returned this once. The old one keeps
// signing deliveries, beside the new one, for overlap (0: DefaultSecretOverlap; negative: none).
// An endpoint declared in the apps file refuses with ErrManagedByFile.
func (w *Webhooks) RotateSecret(ctx context.Context, id string, overlap time.Duration) (Endpoint, string, error) {
	if overlap == 0 {
		overlap = DefaultSecretOverlap
	}
	secret := NewSecret()
	var out Endpoint
	err := w.modify(ctx, id, func(r *endpointRecord) error {
		if r.ManagedBy == ManagedByAppsFile {
			return ErrManagedByFile
		}
		old, err := w.opts.Keyring.Open(r.Secret, w.aad(r.ID, "current"))
		if err != nil {
			return fmt.Errorf("open the current secret: %w", err)
		}
		r.PreviousSecret, r.PreviousSecretExpiresAt = "", time.Time{}
		if overlap > 0 {
			if r.PreviousSecret, err = w.seal(r.ID, "previous", string(old)); err != nil {
				return err
			}
			r.PreviousSecretExpiresAt = w.now().Add(overlap)
		}
		if r.Secret, err = w.seal(r.ID, "current", secret); err != nil {
			return err
		}
		out = r.Endpoint
		return nil
	})
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("webhooks: rotate secret of endpoint %q: %w", id, err)
	}
	w.log.InfoContext(ctx, "webhook endpoint secret rotated", "endpoint", id, "overlap", overlap.String())
	return out, secret, nil
}

func (w *Webhooks) modify(ctx context.Context, id string, fn func(*endpointRecord) error) error {
	for try := 0; ; try++ {
		r, rev, err := w.load(ctx, id)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
		r.UpdatedAt = w.now()
		err = w.put(ctx, r, rev)
		w.forget(id)
		if errors.Is(err, store.ErrConflict) && try < 4 {
			continue
		}
		return err
	}
}

// Delete removes an endpoint; its pending deliveries are dropped when they come due.
func (w *Webhooks) Delete(ctx context.Context, id string) error {
	if _, _, err := w.load(ctx, id); err != nil {
		return fmt.Errorf("webhooks: delete endpoint %q: %w", id, err)
	}
	w.forget(id)
	if err := w.st.DeleteIndexed(ctx, w.keys.Webhook(id), w.keys.WebhookIndex(), id); err != nil {
		return fmt.Errorf("webhooks: delete endpoint %q: %w", id, err)
	}
	w.log.InfoContext(ctx, "webhook endpoint deleted", "endpoint", id)
	return nil
}

// secrets opens the secrets that sign for r at now: the current one, and the previous one while
// its overlap lasts.
func (w *Webhooks) secrets(r *endpointRecord) ([]string, error) {
	cur, err := w.opts.Keyring.Open(r.Secret, w.aad(r.ID, "current"))
	if err != nil {
		return nil, fmt.Errorf("webhooks: open the signing secret of endpoint %q: %w", r.ID, err)
	}
	out := []string{string(cur)}
	if r.PreviousSecret != "" && r.PreviousSecretExpiresAt.After(w.now()) {
		prev, err := w.opts.Keyring.Open(r.PreviousSecret, w.aad(r.ID, "previous"))
		if err == nil {
			out = append(out, string(prev))
		}
	}
	return out, nil
}
