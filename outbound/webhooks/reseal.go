package webhooks

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
)

// ResealKind is the apps.ResealReport.Kind of Webhooks.Reseal.
const ResealKind = "webhooks"

// Reseal seals every endpoint's signing secrets (the current one, and a rotated-out one still
// in its overlap) again under the keyring's active key, as apps.Apps.Reseal does for client
// secrets: each endpoint is rewritten with a compare-and-set, the pass is idempotent, and an
// endpoint that fails is named in the error (never a secret) and counted.
func (w *Webhooks) Reseal(ctx context.Context) (apps.ResealReport, error) {
	rep := apps.ResealReport{Kind: ResealKind}
	ids, err := w.st.SetMembers(ctx, w.keys.WebhookIndex())
	if err != nil {
		return rep, fmt.Errorf("webhooks: reseal: %w", err)
	}
	slices.Sort(ids)
	var errs []error
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("webhooks: reseal: %w", err)
		}
		found, resealed, err := w.resealOne(ctx, id)
		if found {
			rep.Scanned++
		}
		switch {
		case err != nil:
			rep.Failed++
			errs = append(errs, fmt.Errorf("endpoint %q: %w", id, err))
		case resealed:
			rep.Resealed++
		}
	}
	if len(errs) > 0 {
		return rep, fmt.Errorf("webhooks: reseal: %d of %d failed: %w", rep.Failed, rep.Scanned, errors.Join(errs...))
	}
	return rep, nil
}

func (w *Webhooks) resealOne(ctx context.Context, id string) (found, resealed bool, err error) {
	ring := w.opts.Keyring
	for try := 0; ; try++ {
		r, rev, err := w.load(ctx, id)
		switch {
		case errors.Is(err, ErrEndpointNotFound):
			return false, false, nil
		case err != nil:
			return true, false, err
		}
		prev := r.PreviousSecret != "" && ring.NeedsReseal(r.PreviousSecret)
		if !ring.NeedsReseal(r.Secret) && !prev {
			return true, false, nil
		}
		for _, s := range []struct {
			which string
			v     *string
		}{{"current", &r.Secret}, {"previous", &r.PreviousSecret}} {
			if *s.v == "" || !ring.NeedsReseal(*s.v) {
				continue
			}
			plain, err := ring.Open(*s.v, w.aad(id, s.which))
			if err != nil {
				return true, false, fmt.Errorf("open the %s signing secret: %w", s.which, err)
			}
			if *s.v, err = w.seal(id, s.which, string(plain)); err != nil {
				return true, false, err
			}
		}
		err = w.put(ctx, r, rev)
		w.forget(id)
		if errors.Is(err, store.ErrConflict) && try < 4 {
			continue
		}
		return true, err == nil, err
	}
}
