package oauth

import (
	"context"
	"time"

	"github.com/outflowhq/outflow/outbound"
)

// Connection event types, published on the Redis stream Keys.Events() and handed to the event
// recorder of the context (see WithEventRecorder).
const (
	EventConnectionCreated       = "connection.created"
	EventConnectionRefreshed     = "connection.refreshed"
	EventConnectionRefreshFailed = "connection.refresh_failed"
	EventConnectionNeedsReauth   = "connection.needs_reauth"
	EventConnectionRevoked       = "connection.revoked"
	EventConnectionDeleted       = "connection.deleted"
)

// Event is a change in a connection's life. It never holds a token.
type Event struct {
	Type         string    `json:"type"`
	AppID        string    `json:"appId"`
	ConnectionID string    `json:"connectionId"`
	OwnerKind    string    `json:"ownerKind"`
	OwnerID      string    `json:"ownerId"`
	At           time.Time `json:"at"`
	// Reason explains refresh failures, re-authentication and deletions (an RFC 6749 error code
	// and a short text, "reconnected", "disconnected", "app deleted", ...).
	Reason string `json:"reason,omitempty"`
	// Actor is who asked for the change (see outbound.WithActor); empty for changes nobody
	// asked for, such as a refresh.
	Actor string `json:"actor,omitempty"`
}

// Data returns the event's fields for an execution's event log (without the type).
func (e Event) Data() map[string]any {
	d := map[string]any{"appId": e.AppID, "connectionId": e.ConnectionID, "ownerKind": e.OwnerKind, "ownerId": e.OwnerID}
	if e.Reason != "" {
		d["reason"] = e.Reason
	}
	return d
}

type recorderKey struct{}

// WithEventRecorder returns a context under which the vault also hands every event it causes to
// fn, synchronously, besides publishing it on the stream. Flow actions use it to copy the events
// they cause into their execution's event log. fn must be quick and safe for concurrent use.
func WithEventRecorder(ctx context.Context, fn func(Event)) context.Context {
	return context.WithValue(ctx, recorderKey{}, fn)
}

// emit publishes an event on the stream and hands it to the context's recorder. A failure to
// publish is logged, never returned: the change it reports has happened.
func (v *Vault) emit(ctx context.Context, typ string, conn *Connection, reason string) {
	ev := Event{
		Type: typ, AppID: conn.AppID, ConnectionID: conn.ID,
		OwnerKind: conn.Owner.Kind(), OwnerID: conn.Owner.ID(), At: v.now(), Reason: reason,
		Actor: outbound.ActorOf(ctx),
	}
	if fn, ok := ctx.Value(recorderKey{}).(func(Event)); ok && fn != nil {
		fn(ev)
	}
	fields := map[string]string{
		"type": ev.Type, "appId": ev.AppID, "connectionId": ev.ConnectionID,
		"ownerKind": ev.OwnerKind, "ownerId": ev.OwnerID, "at": ev.At.Format(time.RFC3339Nano),
	}
	if reason != "" {
		fields["reason"] = reason
	}
	if ev.Actor != "" {
		fields[outbound.ActorField] = ev.Actor
	}
	if _, err := v.store.Publish(context.WithoutCancel(ctx), v.keys.Events(), v.vo.EventStreamMaxLen, fields); err != nil {
		v.log.WarnContext(ctx, "outbound: publish connection event", "type", typ, "connection", conn.ID, "error", err)
	}
}
