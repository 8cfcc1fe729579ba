package apps

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/store"
)

// maxUpdateAttempts bounds the compare-and-set retries of an update that races other writers.
const maxUpdateAttempts = 5

// Create creates a custom app from p, which carries the id, the kind and every field (see
// NewApp). Invalid input gives an *outbound.InvalidError (errors.Is ErrInvalidApp); a taken id gives
// ErrAppExists.
func (a *Apps) Create(ctx context.Context, p AppPatch) (App, error) {
	app, err := NewApp(p)
	if err != nil {
		return App{}, fmt.Errorf("create app: %w", err)
	}
	return a.create(ctx, app)
}

// CreateFromTemplate creates an app from a catalog template (see Template.NewApp): for most
// templates a client id and secret are all it takes. An unknown template gives
// ErrTemplateNotFound; invalid input an *outbound.InvalidError; a taken id ErrAppExists.
func (a *Apps) CreateFromTemplate(ctx context.Context, templateID string, in TemplateInput) (App, error) {
	t, ok := a.Catalog().Get(templateID)
	if !ok {
		return App{}, fmt.Errorf("create app from template %q: %w", templateID, ErrTemplateNotFound)
	}
	app, err := t.NewApp(in)
	if err != nil {
		return App{}, fmt.Errorf("create app from template %q: %w", templateID, err)
	}
	return a.create(ctx, app)
}

func (a *Apps) create(ctx context.Context, app App) (App, error) {
	now := a.now()
	app.CreatedAt, app.UpdatedAt = now, now
	if err := a.insert(ctx, app); err != nil {
		return App{}, fmt.Errorf("create app %q: %w", app.ID, err)
	}
	a.opts.LoggerOrDefault().InfoContext(ctx, "outbound app created", "app", app.ID, "kind", string(app.Kind), "template", app.TemplateID, "actor", outbound.ActorOf(ctx))
	a.emit(ctx, events.AppCreated, app.ID)
	return app, nil
}

// Update applies a partial update (see AppPatch): absent fields, the client secret included,
// keep their values; a change of id or kind is refused with an *outbound.InvalidError. The write is a
// compare-and-set on the record's revision, retried a few times when another writer got there
// first. An update that changes nothing writes nothing and keeps UpdatedAt.
func (a *Apps) Update(ctx context.Context, id string, p AppPatch) (App, error) {
	for attempt := 1; ; attempt++ {
		cur, rev, err := a.loadForUpdate(ctx, id, p)
		if err != nil {
			return App{}, fmt.Errorf("update app %q: %w", id, err)
		}
		next, err := p.Apply(cur)
		if err != nil {
			return App{}, fmt.Errorf("update app %q: %w", id, err)
		}
		if sameApp(cur, next) {
			return cur, nil
		}
		next.UpdatedAt = a.now()
		err = a.replace(ctx, rev, next)
		switch {
		case err == nil:
			a.opts.LoggerOrDefault().InfoContext(ctx, "outbound app updated", "app", id, "actor", outbound.ActorOf(ctx))
			a.emit(ctx, events.AppUpdated, id)
			return next, nil
		case errors.Is(err, store.ErrConflict) && attempt < maxUpdateAttempts:
			continue
		}
		return App{}, fmt.Errorf("update app %q: %w", id, err)
	}
}

// loadForUpdate reads the app fresh from Redis. When its stored secret cannot be opened (its key
// left the keyring) and the patch replaces or clears the secret, the update may go ahead: it is
// how such an app is repaired.
func (a *Apps) loadForUpdate(ctx context.Context, id string, p AppPatch) (App, int64, error) {
	rec, rev, err := a.loadRecord(ctx, id)
	if err != nil {
		return App{}, 0, err
	}
	app, err := a.open(rec)
	if err != nil && (p.ClientSecret != nil || p.ClearClientSecret) {
		app, err = rec.App, nil
	}
	return app, rev, err
}

// Delete removes the app. It runs every OnDelete hook first (they remove the app's
// credentials), then deletes the app's record and index entry. When a hook fails the app is
// kept and the error returned; calling Delete again retries. An unknown id gives ErrAppNotFound.
//
// A connection completed for the app while Delete runs (on another instance, say) may store a
// credential after the hooks ran; it is orphaned, not usable, since its app is gone.
func (a *Apps) Delete(ctx context.Context, id string) error {
	k := a.keys()
	_, err := a.opts.Store.Get(ctx, k.App(id))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("delete app %q: %w", id, ErrAppNotFound)
	case err != nil:
		return fmt.Errorf("delete app %q: %w", id, err)
	}
	for _, fn := range a.deleteHooks() {
		if err := fn(ctx, id); err != nil {
			return fmt.Errorf("delete app %q: remove its credentials: %w", id, err)
		}
	}
	if err := a.deleteAppTenants(ctx, id); err != nil {
		return fmt.Errorf("delete app %q: remove its tenant settings: %w", id, err)
	}
	err = a.opts.Store.DeleteIndexed(ctx, k.App(id), k.AppIndex(), id)
	a.cache.invalidate()
	if err != nil {
		return fmt.Errorf("delete app %q: %w", id, err)
	}
	a.opts.LoggerOrDefault().InfoContext(ctx, "outbound app deleted", "app", id, "actor", outbound.ActorOf(ctx))
	a.emit(ctx, events.AppDeleted, id)
	return nil
}

// emit publishes an app event; a failure is logged, never returned: the change has happened.
func (a *Apps) emit(ctx context.Context, typ events.Type, id string) {
	if _, err := events.Publish(context.WithoutCancel(ctx), a.opts.Store, 0, events.Event{Type: typ, Time: a.now(), AppID: id}); err != nil {
		a.opts.LoggerOrDefault().WarnContext(ctx, "apps: publish event", "type", typ, "app", id, "error", err)
	}
}

func (a *Apps) now() time.Time { return a.opts.ClockOrDefault().Now().UTC() }

// sameApp reports whether two apps are equal but for their timestamps.
func sameApp(x, y App) bool {
	if !x.ClientSecret.Equal(y.ClientSecret) {
		return false
	}
	x.CreatedAt, x.UpdatedAt = time.Time{}, time.Time{}
	y.CreatedAt, y.UpdatedAt = time.Time{}, time.Time{}
	return sameJSON(x, y)
}
