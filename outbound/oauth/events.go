package oauth

import (
	"context"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/events"
)

// Connection event types handed to the event recorder of the context (see WithEventRecorder)
// and kept in an execution's event log. The Redis event stream (events.Publish) gets the same
// events under their catalog types (package events): created is connection.connected, revoked
// is not published (the deletion that follows is), deleted is connection.disconnected.
const (
	EventConnectionCreated       = "connection.created"
	EventConnectionRefreshed     = "connection.refreshed"
	EventConnectionRefreshFailed = "connection.refresh_failed"
	EventConnectionNeedsReauth   = "connection.needs_reauth"
	EventConnectionRecovered     = "connection.recovered"
	EventConnectionRevoked       = "connection.revoked"
	EventConnectionDeleted       = "connection.deleted"
)

// catalogTypes maps the vault's event types to the catalog's; a type missing here is not
// published on the stream.
var catalogTypes = map[string]events.Type{
	EventConnectionCreated:       events.ConnectionConnected,
	EventConnectionRefreshed:     events.ConnectionRefreshed,
	EventConnectionRefreshFailed: events.ConnectionRefreshFailed,
	EventConnectionNeedsReauth:   events.ConnectionNeedsReauth,
	EventConnectionRecovered:     events.ConnectionRecovered,
	EventConnectionDeleted:       events.ConnectionDisconnected,
}

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
	ct, ok := catalogTypes[typ]
	if !ok {
		return
	}
	pub := events.Event{Type: ct, Time: ev.At, Owner: conn.Owner, AppID: conn.AppID, ConnectionID: conn.ID, Reason: reason}
	if _, err := events.Publish(context.WithoutCancel(ctx), v.store, v.vo.EventStreamMaxLen, pub); err != nil {
		v.log.WarnContext(ctx, "outbound: publish connection event", "type", typ, "connection", conn.ID, "error", err)
	}
}
