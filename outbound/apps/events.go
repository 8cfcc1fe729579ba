package apps

import (
	"context"
	"time"

	"github.com/outflowhq/outflow/outbound"
)

// App event types, published on the Redis stream store.Keys.Events(), beside the connection
// events of the token vault. An event names the app and who made the change (the "actor" field,
// see outbound.WithActor); it never holds a setting, let alone the client secret.
const (
	EventAppCreated = "app.created"
	EventAppUpdated = "app.updated"
	EventAppDeleted = "app.deleted"
)

// eventStreamMaxLen caps the event stream, as the vault does by default.
const eventStreamMaxLen = 10000

// emit publishes an app event. A failure to publish is logged, never returned: the change it
// reports has happened.
func (a *Apps) emit(ctx context.Context, typ, appID string) {
	fields := map[string]string{"type": typ, "appId": appID, "at": a.now().Format(time.RFC3339Nano)}
	if actor := outbound.ActorOf(ctx); actor != "" {
		fields[outbound.ActorField] = actor
	}
	if _, err := a.opts.Store.Publish(context.WithoutCancel(ctx), a.keys().Events(), eventStreamMaxLen, fields); err != nil {
		a.opts.LoggerOrDefault().WarnContext(ctx, "apps: publish app event", "type", typ, "app", appID, "error", err)
	}
}
